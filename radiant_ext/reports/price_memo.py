"""The downtime pages' priced months, kept while their cells stay the same (``docs/reports.md``,
"Downtime cost", "Priced once per change").

A downtime page prices each store × item × month sum of the period's outages, each rounded to
the cent. A month's figures — its totals per currency (``downtime``), its dearest sums
(``downtime-detail``) — are a function of the month's settled outage cells, the rates, the
stores' tiers and the build of the contract roll-ups, so they are kept per month and days
(``contract_price_memo``) with the month's ``contract_month_version`` at the time its cells
were read: the refresh adds one to the version of every month whose outage cells it changes,
and a figure read at another version, or for other rates, tiers or build, is not used. A page
prices in the query only the months it finds no valid figures for; the months with live
outages (in a shop, the newest) it prices with them on every run.

A figure kept for an older version of its month can be brought up to date instead: the
refresh names the store × item keys each version changed (``contract_month_change``), and a
page given a ``patch`` prices those keys alone and patches the figure (:func:`memo_months`),
from the newest figures of the month in the process's memory or in the table; a patched
figure is written back to the table every :data:`STORE_EVERY` versions.

A figure computed from cells a concurrent refresh changed cannot be taken for current: the
version is read before the cells, and a refresh that commits in between raises it (the keys
it changed are then priced again with the next version).

A kept figure is parsed once per process: the parsed figures of the :data:`PARSED_KEPT` most
recently read, priced or patched keys and versions stay in memory (a busy month's sums are
some 3,000 entries at a million tickets: parsing them on every view cost more time than
reading them, and the objects it made kept the garbage collector busy). Parsed figures are
shared: read them, never change them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.contract_rollups import CONTRACT_CELLS, contract_state
from radiant_ext.reports.rollup_read import MONTH, Span, month_end
from radiant_ext.store import ContractMonthChange, ContractMonthVersion, ContractPriceMemo

log = logging.getLogger(__name__)

__all__ = ["MEMO_PER_MONTH", "MonthPart", "Patch", "memo_months", "month_changes", "month_parts",
           "price_salt"]

FORMAT = 2
"""The shape of the kept figures: raise it when a figure's shape changes, so figures an
earlier release kept are priced again instead of misread."""
MEMO_PER_MONTH = 8
"""Figures kept per month (other periods' edge days, other figures): the newest are kept."""
PARSED_KEPT = 64
"""Parsed figures kept in memory per process (the most recently read)."""
STORE_EVERY = 8
"""A month's figures brought up to date are written back to the table once they are this many
versions ahead of the ones there (or there are none): between, each process keeps its own in
memory, and another one brings the table's up to date with the changes since (writing a busy
month's every sum on each change cost more than the change's pricing)."""
VERSIONS = cast(Table, ContractMonthVersion.__table__)
CHANGES = cast(Table, ContractMonthChange.__table__)
MEMO = cast(Table, ContractPriceMemo.__table__)
Key = tuple[str, str, str]
"""(month ``YYYY-MM``, store id or ``""``, catalog item id)."""
Patch = Callable[["MonthPart", Any, set[tuple[str, str]]], Any | None]
"""Brings a month's figures kept for an older version up to date (:func:`memo_months`)."""


@dataclass(frozen=True)
class MonthPart:
    """The days of one local month a period covers."""

    month: date
    """The month's first day."""
    first: date
    last: date

    @property
    def span(self) -> Span:
        """The days as a span."""
        return self.first, self.last


def month_parts(ctx: ReportContext, span: Span, live_months: Collection[str]) -> list[MonthPart]:
    """``span`` cut at month ends, from the first month with outage cells or live outages
    (``YYYY-MM``) to the last one: a period without a start begins in 1970, and its empty
    months need no figures."""
    c = CONTRACT_CELLS.c
    months = select(c.start).where(c.family == "o", c.level == MONTH).limit(1)
    # two seeks along the primary key (SQLite scans for min and max in one query)
    known = [d for d in (ctx.session.scalar(months.order_by(c.start)),
                         ctx.session.scalar(months.order_by(c.start.desc()))) if d is not None]
    known.extend(date.fromisoformat(f"{m}-01") for m in live_months)
    if not known:
        return []
    day, last = max(span[0], min(known)), min(span[1], month_end(max(known)))
    parts = []
    while day <= last:
        end = min(month_end(day), last)
        parts.append(MonthPart(day.replace(day=1), day, end))
        day = end + timedelta(days=1)
    return parts


def _key(salt: str, kind: str, part: MonthPart) -> str:
    text = json.dumps([salt, kind, part.first.isoformat(), part.last.isoformat()])
    return hashlib.sha256(text.encode()).hexdigest()


def price_salt(ctx: ReportContext) -> str | None:
    """What every kept figure depends on besides its month's cells: the build of the contract
    roll-ups and the rates and tiers (:meth:`~.outage.OutageRates.prices_fingerprint`);
    ``None`` before any build."""
    state = contract_state(ctx.session.connection())
    if state is None or state.built_at is None:
        return None
    return json.dumps([FORMAT, state.fingerprint, str(state.built_at),
                       ctx.directory.outage.prices_fingerprint()])


_parsed: OrderedDict[tuple[str, int], Any] = OrderedDict()
_parsed_lock = threading.Lock()


def _parsed_get(key: str, version: int) -> Any | None:
    with _parsed_lock:
        found = _parsed.get((key, version))
        if found is not None:
            _parsed.move_to_end((key, version))
        return found


def _parsed_put(key: str, version: int, figures: Any) -> None:
    with _parsed_lock:
        _parsed[(key, version)] = figures
        while len(_parsed) > PARSED_KEPT:
            _parsed.popitem(last=False)


def _parsed_newest(key: str, below: int) -> int | None:
    """The newest version below ``below`` whose figures of ``key`` are in memory."""
    with _parsed_lock:
        return max((v for k, v in _parsed if k == key and v < below), default=None)


def _kept_figures(ctx: ReportContext, keys: dict[date, str], versions: dict[date, int]
                  ) -> tuple[dict[date, Any], dict[date, int]]:
    """The kept figures still valid, per month: parsed ones from memory (this process priced,
    patched or read them for the month's version), the others read (with their version,
    checked again: a refresh may have kept newer ones meanwhile) and parsed once; and the
    months whose figures were kept in the table for an older version (that version)."""
    found: dict[date, Any] = {}
    for month, key in keys.items():
        figures = _parsed_get(key, versions.get(month, 0))
        if figures is not None:
            found[month] = figures
    rest = {month: key for month, key in keys.items() if month not in found}
    if not rest:
        return found, {}
    conn = ctx.session.connection()
    stored = {k: int(v) for k, v in conn.execute(
        select(MEMO.c.key, MEMO.c.version).where(MEMO.c.key.in_(list(rest.values())))).all()}
    older: dict[date, int] = {}
    unparsed: dict[str, date] = {}
    for month, key in rest.items():
        version = versions.get(month, 0)
        if stored.get(key) == version:
            unparsed[key] = month
        elif key in stored and stored[key] < version:
            older[month] = stored[key]
    if unparsed:
        for key, version, text in conn.execute(
                select(MEMO.c.key, MEMO.c.version, MEMO.c.figures)
                .where(MEMO.c.key.in_(list(unparsed)))).all():
            month = unparsed[key]
            if int(version) == versions.get(month, 0):
                found[month] = json.loads(text)
                _parsed_put(key, int(version), found[month])
    return found, older


def _older_figures(ctx: ReportContext, key: str, version: int) -> Any | None:
    """The figures kept under ``key`` for ``version`` (``None``: no longer those)."""
    figures = _parsed_get(key, version)
    if figures is None:
        row = ctx.session.connection().execute(
            select(MEMO.c.version, MEMO.c.figures).where(MEMO.c.key == key)).first()
        if row is None or int(row.version) != version:
            return None
        figures = json.loads(row.figures)
    return figures


def month_changes(ctx: ReportContext, month: date, since: int, until: int
                  ) -> set[tuple[str, str]] | None:
    """The store × item keys the versions after ``since`` up to ``until`` of ``month``
    changed; ``None`` when the changes of one of them are no longer kept (or never were:
    versions made before the changes were recorded)."""
    c = CHANGES.c
    rows = ctx.session.connection().execute(
        select(c.version, c.k1, c.k2).where(c.month == month, c.version > since,
                                            c.version <= until)).all()
    if {int(v) for v, _, _ in rows} != set(range(since + 1, until + 1)):
        return None
    return {(k1, k2) for _, k1, k2 in rows}


def memo_months(ctx: ReportContext, kind: str, parts: list[MonthPart],
                compute: Callable[[list[MonthPart]], Mapping[date, Any] | None],
                patch: Patch | None = None) -> dict[date, Any] | None:
    """Per month of ``parts``, the figures of ``kind``: kept ones where still valid, the
    others from ``compute`` (given the parts without valid figures, in order; it returns
    their figures, JSON values, or ``None`` when it cannot, and so does this) and kept.

    With ``patch``, figures kept for an older version of their month are brought up to date
    by it instead (given the part, the kept figures — shared, not to be changed — and the
    store × item keys changed since, :func:`month_changes`; it returns the new figures, or
    ``None`` to have ``compute`` price the month in full).
    """
    salt = price_salt(ctx)
    if salt is None:
        return None
    conn = ctx.session.connection()
    versions = {m: int(v) for m, v in conn.execute(
        select(VERSIONS.c.month, VERSIONS.c.version)
        .where(VERSIONS.c.month.in_([p.month for p in parts]))).all()} if parts else {}
    keys = {p.month: _key(salt, kind, p) for p in parts}
    found, older = _kept_figures(ctx, keys, versions) if parts else ({}, {})
    fresh: dict[date, Any] = {}
    for part in parts:
        if patch is None or part.month in found:
            continue
        version = versions.get(part.month, 0)
        patched = _patched(ctx, part, keys[part.month], older.get(part.month), version, patch)
        if patched is None:
            continue
        found[part.month], since_stored = patched
        _parsed_put(keys[part.month], version, found[part.month])
        if since_stored >= STORE_EVERY:
            fresh[part.month] = found[part.month]
    missing = [part for part in parts if part.month not in found]
    if missing:
        computed = compute(missing)
        if computed is None:
            return None
        for part in missing:
            fresh[part.month] = found[part.month] = computed[part.month]
            _parsed_put(keys[part.month], versions.get(part.month, 0), found[part.month])
    if fresh:
        stored_at = datetime.now(UTC)
        _keep(ctx, [{"key": keys[month], "month": month, "version": versions.get(month, 0),
                     "figures": json.dumps(figures), "stored_at": stored_at}
                    for month, figures in fresh.items()])
    return found


def _patched(ctx: ReportContext, part: MonthPart, key: str, stored: int | None, version: int,
             patch: Patch) -> tuple[Any, int] | None:
    """The figures of ``key`` brought up to ``version`` from the newest older ones — in this
    process's memory, or ``stored`` in the table — and how many versions the table's are
    behind (:data:`STORE_EVERY`); ``None`` when there are none, their changes are no longer
    kept, or ``patch`` declines."""
    base = _parsed_newest(key, version)
    if stored is not None and (base is None or stored > base):
        base = stored
    if base is None:
        return None
    changes = month_changes(ctx, part.month, base, version)
    kept = _older_figures(ctx, key, base) if changes else None
    patched = patch(part, kept, changes) if kept is not None and changes else None
    if patched is None:
        return None
    return patched, version - stored if stored is not None else STORE_EVERY


def _keep(ctx: ReportContext, rows: list[dict[str, Any]]) -> None:
    """Store ``rows`` and commit; only the :data:`MEMO_PER_MONTH` newest of each month stay.
    A store that cannot write now (another writer holds SQLite's lock past its timeout) keeps
    nothing: the next page prices again."""
    session = ctx.session
    conn = session.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(MEMO)
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={
        n: stmt.excluded[n] for n in ("version", "figures", "stored_at")})
    try:
        conn.execute(stmt, rows)
        for month in sorted({r["month"] for r in rows}):
            newest = (select(MEMO.c.key).where(MEMO.c.month == month)
                      .order_by(MEMO.c.stored_at.desc(), MEMO.c.key).limit(MEMO_PER_MONTH))
            conn.execute(delete(MEMO).where(MEMO.c.month == month,
                                            MEMO.c.key.notin_(newest.scalar_subquery())))
        session.commit()
    except OperationalError:
        session.rollback()
        log.info("the priced months were not kept (the store is busy); priced again next time")
