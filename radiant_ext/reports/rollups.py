"""Keeping the reports' roll-ups: a ticket's contribution, incremental refresh, full rebuild.

A ticket is *settled* once its figures no longer depend on the clock: it is closed (or
removed, merged) and neither deadline can still turn from "not yet due" into "missed". A
settled ticket adds one row to ``report_contribution`` and its figures (its satisfaction
rating included) to six cubes at five block levels (:mod:`radiant_ext.store.rollups`); any
other ticket is listed in ``report_live`` and read from the cache by every report.

:func:`refresh` takes in what the triggers recorded in ``report_dirty``: for each ticket it
subtracts the contribution it last added and adds its current one, in one transaction, under
the lock of the state row (two refreshes never interleave). :func:`rebuild` starts over from
the cache; a refresh of roll-ups cut in another time zone does nothing until it ran.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Select,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Date

from radiant_ext.reports.context import CLOSED_STATE_TYPES
from radiant_ext.reports.pair_prefix import (
    BLOCK_LEVEL,
    PAIR_CUBE,
    SEPARATOR,
    apply_blocks,
    build_prefix,
)
from radiant_ext.store import (
    ReportCell,
    ReportContribution,
    ReportDirty,
    ReportKey,
    ReportLive,
    ReportRollupState,
    SatisfactionRating,
    TicketCache,
)
from radiant_ext.store.rollups import (
    GROUP_COLUMNS,
    HIST_BUCKETS,
    HIST_COLUMNS,
    HIST_GROUP,
    LIVE_COPIED,
)

__all__ = ["CUBES", "Changes", "LEVEL_COLUMNS", "MEASURES", "POOR_RATING", "RefreshResult",
           "block_starts", "contribution", "rebuild", "refresh", "rollup_state", "source",
           "every_contribution", "replace_contributions", "start_over", "take_in"]

VERSION = 4
"""The rules a contribution follows; a state row of another version needs a rebuild.
2: the satisfaction ratings (``rated``, ``rating_sum``, ``poor``), the ``rowner`` cube and
the figures of the ``n`` cube; 3: the histogram group columns (``GROUP_COLUMNS``); 4: the
store × item ``pair`` cube and its running totals (per 8-day block in ``report_pair_total``
since migration 0026)."""
CUBES = {"n": None, "wh": "weekday_hour", "item": "category", "store": "store", "owner": "owner",
         "rowner": "rating_owner"}
"""Cube name → the contribution column it is keyed by (``n``: one key, ``""``; ``rowner``:
the owner a rating was given for, else the current owner)."""
FIGURE_CUBES = frozenset({"n", "item", "store", "owner", "rowner"})
"""The cubes that keep the SLA counts, ratings and histograms; ``wh`` counts tickets only."""
POOR_RATING = 2
"""Ratings of at most this count as poor (the satisfaction reports' threshold)."""
LEVEL_COLUMNS = ("day", "b1", "b2", "b3", "month")
"""The contribution column holding the first day of the block of each level."""
MEASURES = ("tickets", "r_met", "r_missed", "s_met", "s_missed", "rated", "rating_sum", "poor",
            *HIST_COLUMNS, *GROUP_COLUMNS)
BATCH = 1000
_T = TicketCache
CELLS = cast(Table, ReportCell.__table__)
CONTRIBUTIONS = cast(Table, ReportContribution.__table__)
LIVE = cast(Table, ReportLive.__table__)
KEYS = cast(Table, ReportKey.__table__)
KEY_CUBES = ("item", "store")
"""The cubes whose keys with month cells ``report_key`` lists (the page choices')."""
SOURCE = (_T.ticket_id, _T.state_type, _T.store, _T.customer_id, _T.category, _T.owner,
          _T.created, _T.closed, _T.first_response_at, _T.first_response_minutes,
          _T.solution_minutes, _T.first_response_deadline, _T.promised_deadline,
          _T.solution_deadline, _T.state, _T.state_since)
"""The cache columns a contribution and a live ticket's copy are made of
(``WATCHED_COLUMNS``)."""
_R = SatisfactionRating
RATING_SOURCE = (_R.rating, _R.owner.label("rated_owner"))
"""The rating columns a contribution is made of (``RATING_WATCHED_COLUMNS``)."""


def source() -> Any:
    """``SOURCE`` and ``RATING_SOURCE`` of every ticket (a rating is optional)."""
    return (select(*SOURCE, *RATING_SOURCE).select_from(_T)
            .outerjoin(_R, _R.ticket_id == _T.ticket_id))


@dataclass
class RefreshResult:
    """What a refresh or rebuild did."""

    built: bool
    """Whether the roll-ups are built for the zone asked for (if not, nothing was done)."""
    tickets: int = 0
    """Tickets taken in (changed, or settled by the clock)."""
    seconds: float = 0.0
    pending: bool = False
    """More changes wait than ``limit``: the cells are not current (nothing or a part was
    taken in)."""


def block_starts(day: date) -> tuple[date, date, date, date, date]:
    """The first days of the 1-, 2-, 4- and 8-day blocks and of the month holding ``day``."""
    offset = day.day - 1
    return (day, day - timedelta(days=offset % 2), day - timedelta(days=offset % 4),
            day - timedelta(days=offset % 8), day.replace(day=1))


def hist_bucket(minutes: int | None) -> int | None:
    """The index of ``minutes`` in :data:`HIST_BUCKETS` (``None`` for no value)."""
    if minutes is None:
        return None
    return max(0, bisect_right(HIST_BUCKETS, minutes) - 1)


def _settled(row: Any, as_of: datetime) -> bool:
    if row.state_type not in CLOSED_STATE_TYPES or row.created is None:
        return False
    due = row.first_response_deadline
    if due is not None and row.first_response_at is None and not due < as_of:
        return False
    deadline = row.promised_deadline or row.solution_deadline
    return deadline is None or row.closed is not None or deadline < as_of


def _outcome(done: datetime | None, due: datetime | None) -> tuple[int, int]:
    """(met, missed) of a settled ticket's deadline: a missing ``done`` is past due."""
    if due is None:
        return 0, 0
    if done is None:
        return 0, 1
    return (1, 0) if done <= due else (0, 1)


def contribution(row: Any, zone: ZoneInfo, as_of: datetime) -> dict[str, Any] | None:
    """The contribution of cache row ``row`` (``SOURCE`` columns), ``None`` if not settled."""
    if not _settled(row, as_of):
        return None
    local = row.created.astimezone(zone)
    day = local.date()
    r_met, r_missed = _outcome(row.first_response_at, row.first_response_deadline)
    s_met, s_missed = _outcome(row.closed, row.promised_deadline or row.solution_deadline)
    _, b1, b2, b3, month = block_starts(day)
    owner = row.owner or ""
    return {"ticket_id": row.ticket_id, "day": day, "b1": b1, "b2": b2, "b3": b3,
            "month": month, "weekday_hour": f"{day.weekday()}:{local.hour}",
            "store": (row.store if row.store is not None else row.customer_id) or "",
            "category": row.category or "",
            "owner": owner, "r_met": r_met, "r_missed": r_missed, "s_met": s_met,
            "s_missed": s_missed, "r_bucket": hist_bucket(row.first_response_minutes),
            "s_bucket": hist_bucket(row.solution_minutes), "rating": row.rating,
            "rating_owner": owner if row.rated_owner is None else row.rated_owner}


def _measures(c: dict[str, Any], sign: int) -> dict[str, int]:
    out = {"tickets": sign, "r_met": sign * c["r_met"], "r_missed": sign * c["r_missed"],
           "s_met": sign * c["s_met"], "s_missed": sign * c["s_missed"]}
    if c["rating"] is not None:
        out.update(rated=sign, rating_sum=sign * c["rating"],
                   poor=sign * (c["rating"] <= POOR_RATING))
    for measure in ("r", "s"):
        bucket = c[f"{measure}_bucket"]
        if bucket is not None:
            out[f"{measure}_h{bucket:02d}"] = sign
            out[f"{measure}_g{bucket // HIST_GROUP}"] = sign
    return out


def _add_cells(deltas: dict[tuple[str, int, date, str], dict[str, int]],
               c: dict[str, Any], sign: int) -> None:
    figures = _measures(c, sign)
    for cube, column in CUBES.items():
        key = c[column] if column else ""
        measures = figures if cube in FIGURE_CUBES else {"tickets": sign}
        for level, start_column in enumerate(LEVEL_COLUMNS):
            cell = deltas[(cube, level, c[start_column], key)]
            for name, value in measures.items():
                cell[name] = cell.get(name, 0) + value
    if c["category"]:  # recurring: store × item pairs of tickets with an item
        pair = f"{c['store']}{SEPARATOR}{c['category']}"
        for level, start_column in enumerate(LEVEL_COLUMNS):
            cell = deltas[(PAIR_CUBE, level, c[start_column], pair)]
            cell["tickets"] = cell.get("tickets", 0) + sign


def rollup_state(conn: Connection) -> Any:
    """The state row (``time_zone``, ``as_of``, ``built_at``, ``version``), or ``None``."""
    return conn.execute(select(ReportRollupState.__table__).where(
        ReportRollupState.id == 1)).first()


def _lock(conn: Connection) -> Any:
    """Take the state row's lock (a write), creating the row if needed; return its values."""
    if conn.execute(update(ReportRollupState).where(ReportRollupState.id == 1)
                    .values(version=ReportRollupState.version)).rowcount == 0:
        conn.execute(insert(ReportRollupState).values(id=1, version=0))
    return rollup_state(conn)


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(values), BATCH):
        yield values[i:i + BATCH]


def _upsert_cells(conn: Connection, deltas: dict[tuple[str, int, date, str], dict[str, int]]
                  ) -> None:
    table = CELLS
    rows: list[dict[str, Any]] = []
    for (cube, level, start, key), values in deltas.items():
        if any(values.values()):
            rows.append({"cube": cube, "level": level, "start": start, "key": key,
                         **{m: values.get(m, 0) for m in MEASURES}})
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["cube", "level", "start", "key"],
        set_={m: table.c[m] + stmt.excluded[m] for m in MEASURES})
    for i in range(0, len(rows), BATCH):
        conn.execute(stmt, rows[i:i + BATCH])
    emptied = [r for r in rows if r["tickets"] < 0]
    if emptied:
        c = table.c
        conn.execute(delete(table).where(
            c.cube == bindparam("b_cube"), c.level == bindparam("b_level"),
            c.start == bindparam("b_start"), c.key == bindparam("b_key"), c.tickets <= 0),
            [{f"b_{k}": r[k] for k in ("cube", "level", "start", "key")} for r in emptied])


Contribute = Callable[[Any], list[dict[str, Any]] | None]
"""A cache row's contributions, ``None`` for a live ticket."""
Rows = Select[*tuple[Any, ...]]
"""A select of cache rows."""


def _one(zone: ZoneInfo, as_of: datetime) -> Contribute:
    """:func:`contribution` as a list of contributions (one), ``None`` when live."""
    def contribute(row: Any) -> list[dict[str, Any]] | None:
        c = contribution(row, zone, as_of)
        return None if c is None else [c]
    return contribute


def _apply(conn: Connection, ids: list[int], zone: ZoneInfo, as_of: datetime) -> None:
    """Replace the contributions of tickets ``ids`` by their current ones, cells included."""
    deltas: dict[tuple[str, int, date, str], dict[str, int]] = defaultdict(dict)
    replace_contributions(conn, ids, (CONTRIBUTIONS, LIVE), source(), _one(zone, as_of),
                          lambda c, sign: _add_cells(deltas, c, sign), _live_row)
    _upsert_cells(conn, deltas)
    _keep_keys(conn, deltas)
    apply_blocks(conn, {(key, start): values.get("tickets", 0)
                        for (cube, level, start, key), values in deltas.items()
                        if cube == PAIR_CUBE and level == BLOCK_LEVEL})


def _live_row(row: Any) -> dict[str, Any]:
    """A live ticket's ``report_live`` row: its id, item and store (as its cells would key
    them) and its copy of the cache columns (``LIVE_COPIED``)."""
    return {"ticket_id": row.ticket_id, "item": row.category or "",
            "store": (row.store if row.store is not None else row.customer_id) or "",
            **{copy: getattr(row, name) for name, copy in LIVE_COPIED.items()}}


def _ticket_only(row: Any) -> dict[str, Any]:
    return {"ticket_id": row.ticket_id}


def _keep_keys(conn: Connection, deltas: dict[tuple[str, int, date, str], dict[str, int]]
               ) -> None:
    """Keep ``report_key`` with the month cells ``deltas`` changed: a key gaining tickets is
    listed, a key losing them is dropped once it has no month cell left."""
    month = len(LEVEL_COLUMNS) - 1
    added: set[tuple[str, str]] = set()
    lost: set[tuple[str, str]] = set()
    for (cube, level, _start, key), values in deltas.items():
        if cube in KEY_CUBES and level == month and values.get("tickets"):
            (added if values["tickets"] > 0 else lost).add((cube, key))
    if added:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(KEYS).on_conflict_do_nothing(),
                     [{"cube": cube, "key": key} for cube, key in sorted(added)])
    c = CELLS.c
    for cube, key in sorted(lost - added):
        if conn.scalar(select(c.key).where(c.cube == cube, c.level == month, c.key == key)
                       .limit(1)) is None:
            conn.execute(delete(KEYS).where(KEYS.c.cube == cube, KEYS.c.key == key))


def _keys_from_cells(conn: Connection) -> None:
    """``report_key`` anew from the month cells (after a rebuild)."""
    c = CELLS.c
    conn.execute(delete(KEYS))
    conn.execute(insert(KEYS).from_select(["cube", "key"], select(c.cube, c.key).where(
        c.cube.in_(KEY_CUBES), c.level == len(LEVEL_COLUMNS) - 1).distinct()))


def replace_contributions(conn: Connection, ids: Sequence[int], tables: tuple[Table, Table],
                          stmt: Rows, contribute: Contribute,
                          add: Callable[[dict[str, Any], int], None],
                          live_row: Callable[[Any], dict[str, Any]] = _ticket_only) -> None:
    """For tickets ``ids``: ``add`` each stored contribution with sign -1, read the cache rows
    (``stmt``, restricted to the ids), ``add`` each current contribution with +1, and store
    them in place of the old ones (``tables``: contributions, live rows made by
    ``live_row``); ``contribute`` gives a row's contributions, ``None`` for a live ticket."""
    contrib, live = tables
    for chunk in _chunks(ids):
        for old in conn.execute(select(contrib).where(contrib.c.ticket_id.in_(chunk))):
            add(dict(old._mapping), -1)
        new, still_live = [], []
        for row in conn.execute(stmt.where(_T.ticket_id.in_(chunk))):
            found = contribute(row)
            if found is None:
                still_live.append(live_row(row))
                continue
            for c in found:
                new.append(c)
                add(c, +1)
        conn.execute(delete(contrib).where(contrib.c.ticket_id.in_(chunk)))
        conn.execute(delete(live).where(live.c.ticket_id.in_(chunk)))
        if new:
            conn.execute(insert(contrib), new)
        if still_live:
            conn.execute(insert(live), still_live)


def every_contribution(conn: Connection, stmt: Rows, contribute: Contribute,
                       live_row: Callable[[Any], dict[str, Any]] = _ticket_only
                       ) -> Iterable[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]]:
    """Every cache row of ``stmt`` as (rows read, contributions, live rows made by
    ``live_row``), a batch at a time (for :func:`start_over`)."""
    result = conn.execute(stmt.execution_options(yield_per=10 * BATCH))
    for rows in result.partitions():
        settled: list[dict[str, Any]] = []
        live: list[dict[str, Any]] = []
        for row in rows:
            found = contribute(row)
            if found is None:
                live.append(live_row(row))
            else:
                settled.extend(found)
        yield len(rows), settled, live


def _settling(conn: Connection, now: datetime) -> list[int]:
    """Live tickets that are closed and that the clock settled by ``now`` (a deadline passed)."""
    stmt = (select(*SOURCE).join(ReportLive, ReportLive.ticket_id == _T.ticket_id)
            .where(_T.state_type.in_(CLOSED_STATE_TYPES), _T.created.is_not(None)))
    return [row.ticket_id for row in conn.execute(stmt) if _settled(row, now)]


def refresh(conn: Connection, zone: ZoneInfo, now: datetime, *, limit: int = 50 * BATCH,
            partial: bool = True) -> RefreshResult:
    """Take in up to ``limit`` recorded changes (the oldest first), judged at ``now``.

    Does nothing (``built=False``) when the roll-ups were never built, or were built for
    another zone or rule version: :func:`rebuild` first. With more changes waiting,
    ``pending`` is set, and nothing is done unless ``partial`` (a page leaves a backlog, such
    as the one a full pull leaves, to the job and reads the cache). The caller commits.
    """
    started = time.perf_counter()
    state = rollup_state(conn)
    if state is None or state.time_zone != zone.key or state.version != VERSION:
        return RefreshResult(False)
    built_as_of = state.as_of.replace(tzinfo=UTC)
    as_of = max(built_as_of, now)
    return take_in(
        conn, Changes(ReportDirty, ReportRollupState, lambda: _lock(conn),
                      lambda: _settling(conn, as_of), lambda ids: _apply(conn, ids, zone, as_of)),
        built_as_of=built_as_of, as_of=as_of, limit=limit, partial=partial, started=started)


@dataclass(frozen=True)
class Changes:
    """Where a family of roll-ups records changes and how it takes a ticket in."""

    dirty: Any
    """The table the triggers record changed tickets in (``id``, ``ticket_id``)."""
    state: Any
    """The one-row state table (``id`` 1, ``as_of``)."""
    lock: Callable[[], object]
    """Take the state row's lock."""
    settling: Callable[[], list[int]]
    """The live tickets the clock settled since the last judgement."""
    apply: Callable[[list[int]], None]
    """Replace those tickets' contributions by their current ones."""


def take_in(conn: Connection, changes: Changes, *, built_as_of: datetime, as_of: datetime,
            limit: int, partial: bool, started: float) -> RefreshResult:
    """Take up to ``limit`` recorded changes (the oldest first) and the tickets the clock
    settled into a family's roll-ups, judged at ``as_of``; move its state's ``as_of`` on.

    With more changes waiting, ``pending`` is set, and nothing is done unless ``partial``.
    """
    dirty_table = changes.dirty
    dirty = conn.execute(select(dirty_table.id, dirty_table.ticket_id)
                         .order_by(dirty_table.id).limit(limit + 1)).all()
    pending = len(dirty) > limit
    if pending and not partial:
        return RefreshResult(True, pending=True)
    dirty = dirty[:limit]
    settling = changes.settling() if as_of > built_as_of else []
    if not dirty and not settling:
        return RefreshResult(True, 0, time.perf_counter() - started)
    changes.lock()
    ids = sorted({t for _, t in dirty} | set(settling))
    changes.apply(ids)
    for chunk in _chunks([i for i, _ in dirty]):
        conn.execute(delete(dirty_table).where(dirty_table.id.in_(chunk)))
    conn.execute(update(changes.state).where(changes.state.id == 1).values(as_of=as_of))
    return RefreshResult(True, len(ids), time.perf_counter() - started, pending)


def _cells_from_contributions(conn: Connection) -> None:
    """Sum ``report_contribution`` into the day cells of every cube, then each level's cells
    into the next one's (2-, 4-, 8-day blocks lie within each other and within a month)."""
    c = CONTRIBUTIONS.c
    target = ["cube", "level", "start", "key", *MEASURES]
    for cube, column in CUBES.items():
        key = c[column] if column else literal("")
        if cube in FIGURE_CUBES:
            measures: list[Any] = [
                func.count(), func.sum(c.r_met), func.sum(c.r_missed), func.sum(c.s_met),
                func.sum(c.s_missed), func.count(c.rating), func.coalesce(func.sum(c.rating), 0),
                func.sum(case((c.rating <= POOR_RATING, 1), else_=0)),
                *(func.sum(case((c[f"{m}_bucket"] == i, 1), else_=0))
                  for m in ("r", "s") for i in range(len(HIST_BUCKETS))),
                *(func.sum(case((c[f"{m}_bucket"].between(g * HIST_GROUP, g * HIST_GROUP
                                                          + HIST_GROUP - 1), 1), else_=0))
                  for m in ("r", "s") for g in range(len(HIST_BUCKETS) // HIST_GROUP))]
        else:
            measures = [func.count(), *(literal(0) for _ in MEASURES[1:])]
        stmt = (select(literal(cube), literal(0), c.day, key, *measures)
                .group_by(*([c.day, c[column]] if column else [c.day])))
        conn.execute(insert(CELLS).from_select(target, stmt))
    pair = c.store + literal(SEPARATOR) + c.category
    conn.execute(insert(CELLS).from_select(target, select(
        literal(PAIR_CUBE), literal(0), c.day, pair, func.count(),
        *(literal(0) for _ in MEASURES[1:])).where(c.category != "")
        .group_by(c.day, c.store, c.category)))
    cells = CELLS.c
    for cube in (*CUBES, PAIR_CUBE):
        for level in range(1, len(LEVEL_COLUMNS)):
            upper = block_start(cells.start, level)
            stmt = (select(cells.cube, literal(level), upper, cells.key,
                           *(func.sum(cells[m]) for m in MEASURES))
                    .where(cells.cube == cube, cells.level == level - 1)
                    .group_by(cells.cube, upper, cells.key))
            conn.execute(insert(CELLS).from_select(target, stmt))


class block_start(FunctionElement[date]):  # noqa: N801 - SQL function style
    """The first day of the block of level ``level`` (1-3: 2, 4, 8 days from a day
    ``1 + j·size`` of the month; 4: the month) holding date column ``day``."""

    type = Date()
    name = "block_start"
    # the level is part of the statement's cache key: statements naming it compile once
    _traverse_internals = [*FunctionElement._traverse_internals,
                           ("level", InternalTraversal.dp_plain_obj)]
    inherit_cache = True

    def __init__(self, day: Any, level: int) -> None:
        super().__init__(day)
        self.level = level


@compiles(block_start, "sqlite")
def _block_sqlite(element: block_start, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(list(element.clauses)[0], **kw)
    if element.level == len(LEVEL_COLUMNS) - 1:
        return f"date({day}, 'start of month')"
    size = 1 << element.level
    return (f"date({day}, '-' || ((CAST(strftime('%d', {day}) AS INTEGER) - 1) % {size})"
            f" || ' days')")


@compiles(block_start, "postgresql")
def _block_pg(element: block_start, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(list(element.clauses)[0], **kw)
    if element.level == len(LEVEL_COLUMNS) - 1:
        return f"CAST(date_trunc('month', {day}) AS DATE)"
    size = 1 << element.level
    return f"({day} - MOD(CAST(EXTRACT(DAY FROM {day}) AS INTEGER) - 1, {size}))"


def rebuild(conn: Connection, zone: ZoneInfo, now: datetime) -> RefreshResult:
    """Build the roll-ups from the whole cache for ``zone``, judged at ``now``.

    The changes recorded before it began are taken in by it; later ones stay for the next
    :func:`refresh`. The caller commits.
    """
    started = time.perf_counter()
    count = start_over(conn, ReportDirty, lambda: _lock(conn),
                       (ReportCell, ReportContribution, ReportLive),
                       every_contribution(conn, source(), _one(zone, now), _live_row))
    _cells_from_contributions(conn)
    _keys_from_cells(conn)
    build_prefix(conn)
    conn.execute(update(ReportRollupState).where(ReportRollupState.id == 1).values(
        time_zone=zone.key, as_of=now, built_at=datetime.now(UTC), version=VERSION))
    return RefreshResult(True, count, time.perf_counter() - started)


def start_over(conn: Connection, dirty: Any, lock: Callable[[], object],
               tables: tuple[Any, Any, Any],
               batches: Iterable[tuple[int, list[dict[str, Any]], list[dict[str, Any]]]]) -> int:
    """Empty a family's ``tables`` (cells, contributions, live) under its lock, forget the
    changes recorded so far in ``dirty``, and store the contributions and live ids of
    ``batches`` (read after the emptying); return the number of tickets read."""
    lock()
    newest = conn.scalar(select(func.max(dirty.id)))
    cells, contributions, live_table = tables
    for table in tables:
        conn.execute(delete(table))
    if newest is not None:
        conn.execute(delete(dirty).where(dirty.id <= newest))
    count = 0
    for read, settled, live in batches:
        if settled:
            conn.execute(insert(contributions), settled)
        if live:
            conn.execute(insert(live_table), live)
        count += read
    return count
