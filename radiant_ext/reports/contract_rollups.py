"""Keeping the contract roll-ups: penalty and outage figures per settled ticket, refreshed
ticket by ticket, rebuilt from scratch (``docs/reports.md``, "Contract roll-ups").

A ticket is *settled* for the contract figures once they no longer grow with the clock: every
solution deadline it has is closed (a close time), and an outage of an item with a downtime cost
is over (a close time, or a closed state and its last change) before the time the roll-ups were
judged at. A settled ticket adds a row per penalty rule covering it (the local month of its
deadline, due, missed beyond the grace, started hours late) and one for its outage (the local
creation day, store, item, the trading hours it lasted) to ``contract_contribution`` and their
figures to ``contract_cell`` at five block levels; any other ticket is listed in
``contract_live`` with the columns the pages read of it (:func:`live_row`).

The figures depend on settings besides the zone — the rules' scopes and grace, which items
have a cost, the items' business calendars and the stores' trading hours. Their
:func:`fingerprint` is stored in the state row: when the settings differ, :func:`refresh` does
nothing and the pages read the cache until :func:`rebuild` ran. Money (rates, amounts, caps)
is applied when a page reads, so changing it needs no rebuild.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from radiant_ext.reports.context import ItemDirectory
from radiant_ext.reports.outage import outage_seconds
from radiant_ext.reports.rollups import (
    BATCH,
    LEVEL_COLUMNS,
    Changes,
    RefreshResult,
    block_start,
    block_starts,
    every_contribution,
    replace_contributions,
    start_over,
    take_in,
)
from radiant_ext.reports.settings import PenaltyRule, ReportSettings
from radiant_ext.store import (
    ContractCell,
    ContractContribution,
    ContractDirty,
    ContractLive,
    ContractMonthChange,
    ContractMonthVersion,
    ContractPriceMemo,
    ContractRollupState,
    TicketCache,
)

__all__ = ["CHANGES_KEPT", "CONTRACT_CELLS", "CONTRACT_CHANGES", "CONTRACT_LIVE",
           "ContractFigures", "contract_state", "contributions", "deadline_month",
           "fingerprint", "late_seconds", "lateness", "live_row", "rebuild_contracts",
           "refresh_contracts"]

VERSION = 1
"""The rules a contribution follows (part of the fingerprint)."""
UNCOUNTED_STATES = ("removed", "merged")
"""No outage of their own (as in :mod:`radiant_ext.reports.downtime`)."""
MEASURES = ("tickets", "missed", "late_hours", "seconds")
_T = TicketCache
CONTRACT_CELLS = cast(Table, ContractCell.__table__)
CONTRIBUTIONS = cast(Table, ContractContribution.__table__)
CONTRACT_LIVE = cast(Table, ContractLive.__table__)
CONTRACT_CHANGES = cast(Table, ContractMonthChange.__table__)
SOURCE = (_T.ticket_id, _T.state_type, _T.store, _T.customer_id, _T.category, _T.sla,
          _T.created, _T.changed, _T.closed, _T.promised_deadline, _T.solution_deadline)
"""The cache columns the contract figures read (``CONTRACT_WATCHED_COLUMNS``)."""
CellKey = tuple[str, int, date, str, str]
CellSums = list[int]


def fingerprint(settings: ReportSettings, directory: ItemDirectory) -> str:
    """A hash of the zone and of every setting the stored figures depend on."""
    rules = [[r.id, r.sla, r.departments, r.categories, r.grace_minutes]
             for r in settings.penalties]
    departments = ({item: dept for item, (dept, _) in directory.items.items()}
                   if any(r.departments for r in settings.penalties) else {})
    text = json.dumps([VERSION, settings.zone.key, rules, departments,
                       directory.outage.fingerprint()], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ContractFigures:
    """The settings a contribution is computed with."""

    settings: ReportSettings
    directory: ItemDirectory

    def covers(self, rule: PenaltyRule, row: Any) -> bool:
        """Whether ``rule`` covers cache row ``row`` (its SLA, item or the item's department)."""
        if row.sla is not None and row.sla in rule.sla:
            return True
        if not row.category:
            return False
        return (row.category in rule.categories
                or self.directory.department_of(row.category) in rule.departments)


def late_seconds(closed: datetime, deadline: datetime, grace_minutes: int) -> int:
    """Whole seconds from ``deadline`` to ``closed`` beyond the grace (as the SQL rounds)."""
    seconds = (closed - deadline).total_seconds()
    whole = math.floor(abs(seconds) + 0.5)
    return (whole if seconds >= 0 else -whole) - grace_minutes * 60


def _penalties(row: Any, day: date, figures: ContractFigures) -> list[dict[str, Any]] | None:
    """The rows of every rule covering ``row``; ``None`` while the figures grow with the clock."""
    deadline = row.promised_deadline or row.solution_deadline
    if deadline is None:
        return []
    if row.closed is None:
        return None
    month = deadline_month(deadline, figures.settings.zone)
    found = []
    for rule in figures.settings.penalties:
        if not figures.covers(rule, row):
            continue
        missed, hours = lateness(row.closed, deadline, rule.grace_minutes)
        found.append({"ticket_id": row.ticket_id, "family": "p", "k1": rule.id, "k2": month,
                      "day": day, "tickets": 1, "missed": int(missed),
                      "late_hours": hours, "seconds": 0})
    return found


def deadline_month(deadline: datetime, zone: ZoneInfo) -> str:
    """The local month (``YYYY-MM``) a miss of ``deadline`` belongs to: that of its UTC hour,
    as the cache's query buckets it."""
    local = deadline.replace(minute=0, second=0, microsecond=0).astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"  # strftime cost as much as the rest


def lateness(finished: datetime, deadline: datetime, grace_minutes: int) -> tuple[bool, int]:
    """Whether a ticket finished at ``finished`` missed ``deadline`` beyond the grace, and the
    started hours late (0 when not)."""
    late = late_seconds(finished, deadline, grace_minutes)
    missed = finished > deadline and late > 0
    return missed, -(-late // 3600) if missed else 0


def _outage(row: Any, day: date, figures: ContractFigures, as_of: datetime
            ) -> list[dict[str, Any]] | None:
    """The outage row of ``row`` (an item with a cost); ``None`` while it is not over."""
    rates = figures.directory.outage
    if row.category not in rates.costs or row.state_type in UNCOUNTED_STATES:
        return []
    ended = row.closed or (row.changed if row.state_type == "closed" else None)
    if ended is None or ended > as_of or row.created > as_of:
        return None
    store = row.store if row.store is not None else row.customer_id
    return [{"ticket_id": row.ticket_id, "family": "o", "k1": store or "", "k2": row.category,
             "day": day, "tickets": 1, "missed": 0, "late_hours": 0,
             "seconds": outage_seconds(rates, row.category, store, row.created, ended)}]


def contributions(row: Any, figures: ContractFigures, as_of: datetime
                  ) -> list[dict[str, Any]] | None:
    """The contribution rows of cache row ``row`` (``SOURCE`` columns); ``None``: live."""
    if row.created is None:
        return None
    day = row.created.astimezone(figures.settings.zone).date()
    penalties = _penalties(row, day, figures)
    outage = _outage(row, day, figures, as_of)
    if penalties is None or outage is None:
        return None
    return penalties + outage


def live_row(row: Any) -> dict[str, Any]:
    """A live ticket's ``contract_live`` row: its id and the ``SOURCE`` columns the pages
    read of it."""
    return {"ticket_id": row.ticket_id, "item": row.category,
            "store": row.store if row.store is not None else row.customer_id,
            "sla": row.sla, "state_type": row.state_type, "created": row.created,
            "changed": row.changed, "closed": row.closed,
            "deadline": row.promised_deadline or row.solution_deadline}


def _add_cells(deltas: dict[CellKey, CellSums], c: dict[str, Any], sign: int) -> None:
    for level, start in enumerate(block_starts(c["day"])):
        cell = deltas[(c["family"], level, start, c["k1"], c["k2"])]
        for i, name in enumerate(MEASURES):
            cell[i] += sign * c[name]


def contract_state(conn: Connection) -> Any:
    """The state row (``fingerprint``, ``as_of``, ``built_at``), or ``None``."""
    return conn.execute(select(ContractRollupState.__table__).where(
        ContractRollupState.id == 1)).first()


def _lock(conn: Connection) -> None:
    """Take the state row's lock (a write), creating the row if needed."""
    state = ContractRollupState
    if conn.execute(update(state).where(state.id == 1)
                    .values(fingerprint=state.fingerprint)).rowcount == 0:
        conn.execute(insert(state).values(id=1))


def _upsert_cells(conn: Connection, deltas: dict[CellKey, CellSums]) -> None:
    table, c = CONTRACT_CELLS, CONTRACT_CELLS.c
    rows: list[dict[str, Any]] = [
        {"family": f, "level": lv, "start": s, "k1": k1, "k2": k2,
         **dict(zip(MEASURES, values, strict=True))}
        for (f, lv, s, k1, k2), values in deltas.items() if any(values)]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["family", "level", "start", "k1", "k2"],
        set_={m: table.c[m] + stmt.excluded[m] for m in MEASURES})
    for i in range(0, len(rows), BATCH):
        conn.execute(stmt, rows[i:i + BATCH])
    changed: dict[date, set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        if r["family"] == "o":  # every level's block lies in one month
            changed[r["start"].replace(day=1)].add((r["k1"], r["k2"]))
    _count_changes(conn, changed)
    emptied = [r for r in rows if r["tickets"] < 0]
    if emptied:
        names = ("family", "level", "start", "k1", "k2")
        conn.execute(delete(table).where(
            *(c[n] == bindparam(f"b_{n}") for n in names), c.tickets <= 0),
            [{f"b_{n}": r[n] for n in names} for r in emptied])


MONTH_LEVEL = len(LEVEL_COLUMNS) - 1
"""The level of month cells."""


CHANGES_KEPT = 1440
"""Versions of each month whose changed keys stay in ``contract_month_change`` (the newest; a
day of the ``report-rollups`` job's minutes): figures kept for an older version are priced
again in full."""


def _count_changes(conn: Connection, changed: dict[date, set[tuple[str, str]]]) -> None:
    """Add one to the version of each month whose outage cells changed and name the store ×
    item keys it changed with that version (the downtime pages' priced months of it are then
    brought up to date, :mod:`.price_memo`)."""
    if not changed:
        return
    table, changes = cast(Table, ContractMonthVersion.__table__), CONTRACT_CHANGES
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=["month"],
                                      set_={"version": table.c.version + 1})
    months = sorted(changed)
    conn.execute(stmt, [{"month": m, "version": 1} for m in months])
    versions = dict(conn.execute(select(table.c.month, table.c.version)
                                 .where(table.c.month.in_(months))).all())
    conn.execute(dialect.insert(changes).on_conflict_do_nothing(), [
        {"month": m, "version": versions[m], "k1": k1, "k2": k2}
        for m in months for k1, k2 in sorted(changed[m])])
    for m in months:
        conn.execute(delete(changes).where(changes.c.month == m,
                                           changes.c.version <= versions[m] - CHANGES_KEPT))


def _apply(conn: Connection, ids: list[int], figures: ContractFigures, as_of: datetime) -> None:
    """Replace the contributions of tickets ``ids`` by their current ones, cells included."""
    deltas: dict[CellKey, CellSums] = defaultdict(lambda: [0, 0, 0, 0])
    replace_contributions(conn, ids, (CONTRIBUTIONS, CONTRACT_LIVE), select(*SOURCE),
                          lambda row: contributions(row, figures, as_of),
                          lambda c, sign: _add_cells(deltas, c, sign), live_row)
    _upsert_cells(conn, deltas)


def _settling(conn: Connection, figures: ContractFigures, as_of: datetime) -> list[int]:
    """Live tickets the clock settled by ``as_of`` (an outage ended before it)."""
    stmt = (select(*SOURCE).join(ContractLive, ContractLive.ticket_id == _T.ticket_id)
            .where(or_(_T.closed.is_not(None), _T.state_type == "closed")))
    return [row.ticket_id for row in conn.execute(stmt)
            if contributions(row, figures, as_of) is not None]


def refresh_contracts(conn: Connection, figures: ContractFigures, now: datetime, *,
                      limit: int = 50 * BATCH, partial: bool = True) -> RefreshResult:
    """Take in up to ``limit`` recorded changes (the oldest first), judged at ``now``.

    Does nothing (``built=False``) when the roll-ups were never built or were built for other
    settings (:func:`fingerprint`). ``pending`` and ``partial`` as in
    :func:`radiant_ext.reports.rollups.refresh`. The caller commits.
    """
    started = time.perf_counter()
    state = contract_state(conn)
    if state is None or state.fingerprint != fingerprint(figures.settings, figures.directory):
        return RefreshResult(False)
    built_as_of = state.as_of.replace(tzinfo=UTC)
    as_of = max(built_as_of, now)
    return take_in(
        conn, Changes(ContractDirty, ContractRollupState, lambda: _lock(conn),
                      lambda: _settling(conn, figures, as_of),
                      lambda ids: _apply(conn, ids, figures, as_of)),
        built_as_of=built_as_of, as_of=as_of, limit=limit, partial=partial, started=started)


def _cells_from_contributions(conn: Connection) -> None:
    """Sum the contributions into day cells, then each level's cells into the next one's."""
    c, cells = CONTRIBUTIONS.c, CONTRACT_CELLS.c
    target = ["family", "level", "start", "k1", "k2", *MEASURES]
    conn.execute(insert(CONTRACT_CELLS).from_select(target, select(
        c.family, literal(0), c.day, c.k1, c.k2, func.count(), func.sum(c.missed),
        func.sum(c.late_hours), func.sum(c.seconds)).group_by(c.family, c.day, c.k1, c.k2)))
    for level in range(1, len(LEVEL_COLUMNS)):
        upper = block_start(cells.start, level)
        conn.execute(insert(CONTRACT_CELLS).from_select(target, select(
            cells.family, literal(level), upper, cells.k1, cells.k2,
            *(func.sum(cells[m]) for m in MEASURES)).where(cells.level == level - 1)
            .group_by(cells.family, upper, cells.k1, cells.k2)))


def rebuild_contracts(conn: Connection, figures: ContractFigures, now: datetime
                      ) -> RefreshResult:
    """Build the contract roll-ups from the whole cache for ``figures``, judged at ``now``.

    The changes recorded before it began are taken in by it; later ones stay for the next
    :func:`refresh_contracts`. The caller commits.
    """
    started = time.perf_counter()
    count = start_over(conn, ContractDirty, lambda: _lock(conn),
                       (ContractCell, ContractContribution, ContractLive),
                       every_contribution(conn, select(*SOURCE),
                                          lambda row: contributions(row, figures, now),
                                          live_row))
    _cells_from_contributions(conn)
    # keyed by the build: none would match again, and no kept figure needs the changes
    conn.execute(delete(ContractPriceMemo))
    conn.execute(delete(ContractMonthChange))
    conn.execute(update(ContractRollupState).where(ContractRollupState.id == 1).values(
        fingerprint=fingerprint(figures.settings, figures.directory), as_of=now,
        built_at=datetime.now(UTC)))
    return RefreshResult(True, count, time.perf_counter() - started)
