"""Portable SQL pieces: hour and week buckets, seconds between timestamps, percentiles.

Timestamps in the cache are naive UTC (:class:`~radiant_ext.store.UTCDateTime`). SQLite keeps
them as ISO text, PostgreSQL as ``timestamp``; each construct compiles to the dialect's own
functions so the grouping happens in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import Connection, Executable, Float, Select, String, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

__all__ = [
    "aware_reader",
    "bucket_hour",
    "histogram",
    "hour_bucket",
    "minute_bucket",
    "naive_reader",
    "naive_utc",
    "nearest_rank",
    "no_index",
    "plain_rows",
    "seconds_between",
    "week_bucket",
]


class hour_bucket(FunctionElement[str]):  # noqa: N801 - SQL function style
    """The UTC hour of a timestamp column: ``'YYYY-MM-DD HH'`` text, or a truncated
    timestamp on PostgreSQL; :func:`bucket_hour` reads either."""

    type = String()
    name = "hour_bucket"
    inherit_cache = True


class week_bucket(FunctionElement[str]):  # noqa: N801
    """The UTC week of a timestamp (``'YYYY-WW'``; only compared, never shown)."""

    type = String()
    name = "week_bucket"
    inherit_cache = True


class seconds_between(FunctionElement[float]):  # noqa: N801
    """Seconds from the second timestamp argument to the first (``later - earlier``)."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


class no_index(FunctionElement[Any]):  # noqa: N801
    """The column itself, but kept off its index on SQLite (``+column``).

    SQLite's planner has no statistics here and always walks the ``created`` index for a
    period, then fetches every row by id; when the period covers most of the cache a plain
    scan is several times faster. PostgreSQL plans by cost and gets the bare column.
    """

    name = "no_index"
    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


def bucket_hour(value: str | datetime) -> datetime:
    """The aware UTC start of an :class:`hour_bucket` value."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)


@overload
def naive_utc(value: str | datetime) -> datetime: ...
@overload
def naive_utc(value: None) -> None: ...
@overload
def naive_utc(value: str | datetime | None) -> datetime | None: ...
def naive_utc(value: str | datetime | None) -> datetime | None:
    """A timestamp as the cache keeps it, naive UTC: an aware value converted, a cache
    timestamp read by :func:`plain_rows` (ISO text on SQLite, a naive ``datetime`` on
    PostgreSQL) parsed. Compared and subtracted among themselves, naive values spare a
    thousand rows the zone each aware one would carry."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def naive_reader(sample: object) -> Callable[[Any], datetime]:
    """How to read timestamps as :func:`plain_rows` returns them, in naive UTC, chosen once
    per read from one of them (a driver returns one kind): ISO text (SQLite) parsed by
    ``datetime.fromisoformat`` in C, anything else by :func:`naive_utc`."""
    return datetime.fromisoformat if isinstance(sample, str) else naive_utc


def aware_reader(sample: object) -> Callable[[Any], datetime]:
    """:func:`naive_reader` giving aware UTC values, as the store's columns give them
    through SQLAlchemy, whose reading of SQLite's text costs a few times more (the live
    tickets' loops of the downtime pages read hundreds at a million tickets)."""
    naive = naive_reader(sample)
    return lambda value: naive(value).replace(tzinfo=UTC)


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses]


@compiles(no_index, "sqlite")
def _no_index_sqlite(element: no_index, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{_args(element, compiler, **kw)[0]}"


@compiles(no_index)
def _no_index_default(element: no_index, compiler: SQLCompiler, **kw: Any) -> str:
    return _args(element, compiler, **kw)[0]


@compiles(hour_bucket, "sqlite")
def _hour_sqlite(element: hour_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores SQLite datetimes as ISO text ("2026-11-23 07:05:00.000000"): the
    # first 13 characters are the hour, several times faster than strftime() on 100k rows.
    return f"substr({_args(element, compiler, **kw)[0]}, 1, 13)"


@compiles(hour_bucket, "postgresql")
def _hour_pg(element: hour_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    # date_trunc is several times cheaper than to_char; rows come back as timestamps
    return f"date_trunc('hour', {_args(element, compiler, **kw)[0]})"


@compiles(hour_bucket)
def _hour_default(element: hour_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    return f"DATE_FORMAT({_args(element, compiler, **kw)[0]}, '%%Y-%%m-%%d %%H')"


@compiles(week_bucket, "sqlite")
def _week_sqlite(element: week_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%W', {_args(element, compiler, **kw)[0]})"


@compiles(week_bucket, "postgresql")
def _week_pg(element: week_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({_args(element, compiler, **kw)[0]}, 'IYYY-IW')"


@compiles(week_bucket)
def _week_default(element: week_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    return f"YEARWEEK({_args(element, compiler, **kw)[0]}, 3)"


@compiles(seconds_between, "sqlite")
def _secs_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _secs_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between)
def _secs_default(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(element, compiler, **kw)
    return f"TIMESTAMPDIFF(SECOND, {earlier}, {later})"


def minute_bucket(value: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[int]:
    """``value`` (minutes) rounded down to a step that grows with it.

    Exact below an hour, then 5 minutes up to 8 hours, 15 up to a day, an hour up to a week
    and 6 hours beyond: about 2 % at most, and a few hundred distinct values per group, so
    percentiles come from a small histogram the database builds in one pass.
    """
    v = value
    return case(
        (v < 60, v), (v < 480, (v // 5) * 5), (v < 1440, (v // 15) * 15),
        (v < 10080, (v // 60) * 60), else_=(v // 360) * 360,
    )


def histogram(
    key: ColumnElement[Any] | QueryableAttribute[Any],
    value: ColumnElement[Any] | QueryableAttribute[Any],
    where: list[ColumnElement[bool]],
) -> Select[Any]:
    """A query of ``(key, bucket, count)`` rows: the histogram of ``value`` per ``key``."""
    bucket = minute_bucket(value)
    return (select(key, bucket, func.count())
            .where(value.is_not(None), *where).group_by(key, bucket))


def nearest_rank(counts: dict[int, int], percent: int) -> int | None:
    """The nearest-rank ``percent`` percentile of a ``{value: count}`` histogram."""
    total = sum(counts.values())
    if not total:
        return None
    rank = -(-total * percent // 100)  # ceil(p/100 · n)
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover - rank <= total always hits


def plain_rows(conn: Connection, stmt: Executable,
               params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of ``stmt`` as the driver returns them, not as SQLAlchemy rows: for a read of
    thousands of rows whose columns need no conversion (text and integers, as both drivers
    give them), where making a ``Row`` of each cost more than the query (``recurring``'s
    11,500 pairs on PostgreSQL)."""
    result = conn.execute(stmt, params or {})
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()
