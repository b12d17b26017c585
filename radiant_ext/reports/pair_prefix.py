"""Running totals per store × item pair and month, so ``recurring`` reads two rows per pair.

``recurring`` ranks every store × item pair of a period, so it needs every pair's count for
any period. The ``pair`` cube of ``report_cell`` holds the counts per block of days like the
other cubes; beside it the ``pairsum`` cube (level :data:`PREFIX_LEVEL`) holds, per pair and
local month, the pair's settled tickets from its first month up to the end of that month. A
pair has a row for every month from its first one to the newest month of any pair (the
*top*), so the whole months ``m1 … m2`` of a period are the row at ``m2`` minus the row of the
month before ``m1`` (both taken no later than the top): two rows per pair whatever the number
of months, plus the edge blocks of the ``pair`` cube.

:func:`apply_months` keeps the running totals current from the month deltas of a refresh;
:func:`build_prefix` makes them from the ``pair`` cube's month cells after a rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import cast

from sqlalchemy import Connection, Table, func, insert, literal, select, update

from radiant_ext.store import ReportCell

__all__ = ["PAIR_CUBE", "PREFIX_CUBE", "PREFIX_INDEX", "PREFIX_LEVEL", "SEPARATOR", "apply_months",
           "build_prefix", "month_after", "month_before", "pair_key", "split_key",
           "top_month"]

PAIR_CUBE = "pair"
"""The cube of store × item counts per block (tickets only), keyed by :func:`pair_key`."""
PREFIX_CUBE = "pairsum"
"""The cube of running totals per pair and month."""
PREFIX_LEVEL = 5
PREFIX_INDEX = "ix_report_cell_pairsum"
"""The covering partial index of the running totals; SQLite's planner, going by its
statistics of the whole table, would rather take the primary key, so the read names it."""
SEPARATOR = "\x1f"
"""Between the store and the item in a pair's key (neither id holds a control character)."""
_CELLS = cast(Table, ReportCell.__table__)
_ZEROS = [c.name for c in _CELLS.c if not c.primary_key and c.name != "tickets"]
BATCH = 1000


def pair_key(store: str, item: str) -> str:
    """The key of a store × item pair in the ``pair`` and ``pairsum`` cubes."""
    return f"{store}{SEPARATOR}{item}"


def month_after(month: date) -> date:
    """The first day of the month after the one starting on ``month``."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_before(month: date) -> date:
    """The first day of the month before the one starting on ``month``."""
    return (month - timedelta(days=1)).replace(day=1)


def _months(first: date, last: date) -> list[date]:
    out = []
    while first <= last:
        out.append(first)
        first = month_after(first)
    return out


def _insert(conn: Connection, rows: list[tuple[str, date, int]]) -> None:
    """Insert running-total rows ``(key, month, tickets)``."""
    values = [{"cube": PREFIX_CUBE, "level": PREFIX_LEVEL, "start": m, "key": k, "tickets": n,
               **dict.fromkeys(_ZEROS, 0)} for k, m, n in rows]
    for i in range(0, len(values), BATCH):
        conn.execute(insert(_CELLS), values[i:i + BATCH])


def top_month(conn: Connection) -> date | None:
    """The newest month of the running totals (every pair has a row up to it)."""
    c = _CELLS.c
    return cast(date | None, conn.scalar(select(func.max(c.start)).where(
        c.cube == PREFIX_CUBE, c.level == PREFIX_LEVEL)))


def _extend(conn: Connection, top: date, new_top: date) -> None:
    """Copy every pair's row at ``top`` to each month after it up to ``new_top``."""
    c = _CELLS.c
    for month in _months(month_after(top), new_top):
        stmt = select(c.cube, c.level, literal(month), c.key, c.tickets,
                      *(literal(0) for _ in _ZEROS)).where(
            c.cube == PREFIX_CUBE, c.level == PREFIX_LEVEL, c.start == top)
        conn.execute(insert(_CELLS).from_select(
            ["cube", "level", "start", "key", "tickets", *_ZEROS], stmt))


def apply_months(conn: Connection, deltas: dict[tuple[str, date], int]) -> None:
    """Add ``deltas`` (tickets per pair key and month, from a refresh) to the running
    totals: each month's delta to that month's row and every later one up to the top."""
    changed = {k: d for k, d in deltas.items() if d}
    if not changed:
        return
    c = _CELLS.c
    top = top_month(conn)
    new_top = max([m for _, m in changed] + ([top] if top else []))
    if top is not None and new_top > top:
        _extend(conn, top, new_top)
    for (key, month), delta in sorted(changed.items()):
        first = conn.scalar(select(func.min(c.start)).where(
            c.cube == PREFIX_CUBE, c.level == PREFIX_LEVEL, c.key == key))
        if first is None or month < first:
            last = new_top if first is None else month_before(first)
            _insert(conn, [(key, m, 0) for m in _months(month, last)])
        conn.execute(update(_CELLS).where(
            c.cube == PREFIX_CUBE, c.level == PREFIX_LEVEL, c.key == key, c.start >= month
        ).values(tickets=c.tickets + delta))


def build_prefix(conn: Connection) -> None:
    """Make the running totals from the ``pair`` cube's month cells (after a rebuild)."""
    c = _CELLS.c
    month_level = 4
    per_pair: dict[str, dict[date, int]] = defaultdict(dict)
    for key, start, tickets in conn.execute(select(c.key, c.start, c.tickets).where(
            c.cube == PAIR_CUBE, c.level == month_level)):
        per_pair[key][start] = int(tickets)
    if not per_pair:
        return
    top = max(max(months) for months in per_pair.values())
    rows: list[tuple[str, date, int]] = []
    for key, months in per_pair.items():
        total = 0
        for month in _months(min(months), top):
            total += months.get(month, 0)
            rows.append((key, month, total))
        if len(rows) >= 50 * BATCH:
            _insert(conn, rows)
            rows = []
    _insert(conn, rows)


def split_key(key: str) -> tuple[str, str]:
    """The store and the item of a pair key."""
    store, _, item = key.partition(SEPARATOR)
    return store, item

