"""Running totals per store × item pair and 8-day block, so ``recurring`` reads two rows.

``recurring`` ranks every store × item pair of a period, so it needs every pair's count for
any period. The ``pair`` cube of ``report_cell`` holds the counts per block of days like the
other cubes; beside it ``report_pair_total`` holds, per 8-day block of local days (the
``pair`` cube's level 3: days 1–8, 9–16, 17–24 and 25 to the month's end), every pair's
settled tickets from its first block up to the end of that block, packed in one row in the
order of the keys in ``report_pair_keys``. A row exists for every block from the first block
of any pair to the newest (the *top*), so the whole blocks ``b1 … b2`` of a period are the
row at ``b2`` minus the row of the block before ``b1`` (both taken no later than the top):
two rows whatever the number of months or pairs, plus the ``pair`` cells of the days at
either end (under 8 each). One row per pair and month, as these totals were first kept, cost
a chain of 500 stores some 24,000 index rows a page, and a partial month at either end up to
15 days of ``pair`` cells (some 800 rows a day at a million tickets).

:func:`apply_blocks` keeps the running totals current from the block deltas of a refresh;
:func:`build_prefix` makes them from the ``pair`` cube's block cells after a rebuild.

The storage is not bound to pairs: a :class:`TotalsTables` names a table of packed rows and a
table of keys, and the asset index keeps every device's tickets per 8-day block of UTC days
the same way (:mod:`radiant_ext.reports.asset_index`).
"""

from __future__ import annotations

import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from operator import sub
from typing import cast

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from radiant_ext.store import ReportCell, ReportPairKeys, ReportPairTotal

__all__ = ["BLOCK_LEVEL", "KEYS_SEPARATOR", "PAIR_CUBE", "PAIR_TOTALS", "SEPARATOR", "PairCounts",
           "PairLayout", "TotalsTables", "apply_blocks", "block_after", "block_before",
           "block_end", "block_start", "blocks_between", "build_prefix", "pair_key",
           "running_totals", "split_key", "totals_between", "write_running"]

PAIR_CUBE = "pair"
"""The cube of store × item counts per block (tickets only), keyed by :func:`pair_key`."""
SEPARATOR = "\x1f"
"""Between the store and the item in a pair's key (neither id holds a control character)."""
KEYS_SEPARATOR = "\x1e"
"""Between the stored keys (pair keys, device numbers; no id holds a control character)."""
BLOCK_LEVEL = 3
"""The ``pair`` cube's level of 8-day blocks, the running totals' steps."""


@dataclass(frozen=True)
class TotalsTables:
    """Where running totals are kept: ``totals`` (a ``start`` date and a ``tickets`` blob per
    block) and ``keys`` (one row, ``id`` 1, the keys joined by :data:`KEYS_SEPARATOR`)."""

    totals: Table
    keys: Table


PAIR_TOTALS = TotalsTables(cast(Table, ReportPairTotal.__table__),
                           cast(Table, ReportPairKeys.__table__))
"""The store × item pairs' running totals."""


def pair_key(store: str, item: str) -> str:
    """The key of a store × item pair in the ``pair`` and ``pairsum`` cubes."""
    return f"{store}{SEPARATOR}{item}"


def block_start(day: date) -> date:
    """The first day of the 8-day block holding ``day`` (the 1st, 9th, 17th or 25th)."""
    return day - timedelta(days=(day.day - 1) % 8)


def block_end(day: date) -> date:
    """The last day of the 8-day block holding ``day`` (the last block ends with its month)."""
    start = block_start(day)
    if start.day < 25:
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def block_after(start: date) -> date:
    """The first day of the block after the one starting on ``start``."""
    return block_end(start) + timedelta(days=1)


def block_before(start: date) -> date:
    """The first day of the block before the one starting on ``start``."""
    return block_start(start - timedelta(days=1))


def _blocks(first: date, last: date) -> list[date]:
    out = []
    while first <= last:
        out.append(first)
        first = block_after(first)
    return out


def _unpack(blob: bytes | None, size: int) -> array[int]:
    """A row's totals for ``size`` pairs: zeros for pairs added after the row was written,
    and none for pairs added after the keys were read (on PostgreSQL each statement sees
    what was committed before it, so a refresh may land between the two reads)."""
    totals = array("i")
    if blob:
        totals.frombytes(blob)
        if sys.byteorder == "big":
            totals.byteswap()
    if len(totals) < size:
        totals.frombytes(bytes(totals.itemsize * (size - len(totals))))
    del totals[size:]
    return totals


def _pack(totals: array[int]) -> bytes:
    if sys.byteorder == "big":
        totals = array("i", totals)
        totals.byteswap()
    return totals.tobytes()


def _joined_keys(conn: Connection, tables: TotalsTables = PAIR_TOTALS) -> str:
    """The stored keys as kept: joined by :data:`KEYS_SEPARATOR` (``""`` for none)."""
    k = tables.keys
    return conn.scalar(select(k.c["keys"]).where(k.c.id == 1)) or ""


def _keys(conn: Connection, tables: TotalsTables = PAIR_TOTALS) -> list[str]:
    found = _joined_keys(conn, tables)
    return found.split(KEYS_SEPARATOR) if found else []


def _save_keys(conn: Connection, keys: list[str], tables: TotalsTables = PAIR_TOTALS) -> None:
    joined, k = KEYS_SEPARATOR.join(keys), tables.keys
    if conn.execute(update(k).where(k.c.id == 1).values(keys=joined)).rowcount == 0:
        conn.execute(insert(k).values(id=1, keys=joined))


@dataclass(frozen=True)
class PairLayout:
    """Pair keys in an order, with each key's position and the positions of each store and
    each item, so a page adds up a store's or an item's pairs without splitting a key."""

    keys: tuple[str, ...]
    position: dict[str, int]
    item_at: tuple[str, ...]
    by_store: tuple[tuple[str, tuple[int, ...]], ...]
    by_item: tuple[tuple[str, tuple[int, ...]], ...]

    @classmethod
    def of(cls, keys: Sequence[str]) -> PairLayout:
        """The layout of ``keys`` in their order."""
        split = [split_key(key) for key in keys]
        by_store: dict[str, list[int]] = defaultdict(list)
        by_item: dict[str, list[int]] = defaultdict(list)
        for i, (store, item) in enumerate(split):
            by_store[store].append(i)
            by_item[item].append(i)
        return cls(tuple(keys), {key: i for i, key in enumerate(keys)},
                   tuple(item for _, item in split),
                   tuple((k, tuple(v)) for k, v in by_store.items()),
                   tuple((k, tuple(v)) for k, v in by_item.items()))


@lru_cache(maxsize=4)
def _stored_layout(joined: str) -> PairLayout:
    """The layout of the stored keys: it changes only when a pair is added, so it is made
    once per change of ``report_pair_keys``, not once per page."""
    return PairLayout.of(joined.split(KEYS_SEPARATOR) if joined else [])


@dataclass
class PairCounts:
    """Tickets per store × item pair: ``counts`` in the order of ``layout``, and the pairs
    the layout does not hold in ``extra``."""

    layout: PairLayout
    counts: list[int]
    extra: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, found: dict[str, int]) -> PairCounts:
        """Counts of a mapping of pair keys to tickets."""
        return cls(PairLayout.of(list(found)), list(found.values()))

    def add(self, rows: Iterable[tuple[str, int]]) -> None:
        """Add tickets to pairs: ``(pair key, tickets)`` rows (an edge day's cells, the live
        tickets' counts; some 2,700 of them at a million tickets)."""
        position, counts, extra = self.layout.position, self.counts, self.extra
        for key, n in rows:
            i = position.get(key)
            if i is None:
                extra[key] = extra.get(key, 0) + n
            else:
                counts[i] += n

    def totals(self) -> tuple[dict[str, int], dict[str, int]]:
        """Tickets per store and per item (of the pairs with tickets)."""
        get = self.counts.__getitem__
        per_store = {store: sum(map(get, at)) for store, at in self.layout.by_store}
        per_item = {item: sum(map(get, at)) for item, at in self.layout.by_item}
        for key, n in self.extra.items():
            store, item = split_key(key)
            per_store[store] = per_store.get(store, 0) + n
            per_item[item] = per_item.get(item, 0) + n
        return per_store, per_item

    def by_store(self) -> Iterator[tuple[str, list[tuple[str, int]]]]:
        """Each store with its pairs' items and tickets."""
        get, item_at = self.counts.__getitem__, self.layout.item_at
        for store, at in self.layout.by_store:
            yield store, list(zip(map(item_at.__getitem__, at), map(get, at), strict=True))
        extra: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for key, n in self.extra.items():
            store, item = split_key(key)
            extra[store].append((item, n))
        yield from extra.items()

    def pairs(self) -> list[tuple[str, str, int]]:
        """``(store, item, tickets)`` of every pair."""
        return [(store, item, n) for store, items in self.by_store() for item, n in items]


def totals_between(conn: Connection, first: date, last: date,
                   tables: TotalsTables = PAIR_TOTALS) -> tuple[str, list[int]]:
    """The stored keys (joined, as :func:`_joined_keys` reads them) and each key's tickets in
    the whole blocks ``first`` … ``last`` (first days of blocks): the row of ``last`` minus
    the row of the block before ``first``, each taken no later than the top; a key without
    tickets there counts 0, and no rows no keys."""
    t = tables.totals.c
    top = conn.scalar(select(func.max(t.start)))
    if top is None:
        return "", []
    upper, lower = min(last, top), min(block_before(first), top)
    if upper <= lower:
        return "", []
    joined = _joined_keys(conn, tables)
    size = joined.count(KEYS_SEPARATOR) + 1 if joined else 0
    rows = dict(conn.execute(select(t.start, t.tickets).where(t.start.in_((lower, upper)))).all())
    return joined, list(map(sub, _unpack(rows.get(upper), size), _unpack(rows.get(lower), size)))


def blocks_between(conn: Connection, first: date, last: date) -> PairCounts:
    """Settled tickets per pair in the whole blocks ``first`` … ``last`` (first days of
    blocks), as :func:`totals_between` reads them."""
    joined, counts = totals_between(conn, first, last)
    if not counts:
        return PairCounts.of({})
    return PairCounts(_stored_layout(joined), counts)


def running_totals(conn: Connection, tables: TotalsTables = PAIR_TOTALS
                   ) -> dict[str, dict[date, int]]:
    """Every key's running total per block (its first day), as stored (for tests)."""
    keys, t = _keys(conn, tables), tables.totals.c
    out: dict[str, dict[date, int]] = defaultdict(dict)
    for block, blob in conn.execute(select(t.start, t.tickets)):
        for key, total in zip(keys, _unpack(blob, len(keys)), strict=True):
            out[key][block] = total
    return dict(out)


def apply_blocks(conn: Connection, deltas: dict[tuple[str, date], int],
                 tables: TotalsTables = PAIR_TOTALS) -> None:
    """Add ``deltas`` (tickets per key and block, from a refresh) to the running totals:
    each block's delta to that block's row and every later one up to the top.

    A new pair's key is appended to the keys; a block before the first row gets rows of
    zeros up to it, a block after the top gets copies of the top's row up to it, so the rows
    stay one per block. The rows from the earliest changed block on are rewritten: a ticket
    of the current block touches one row, one of a block a year ago some 48."""
    changed = {k: d for k, d in deltas.items() if d}
    if not changed:
        return
    totals_table = tables.totals
    c = totals_table.c
    keys = _keys(conn, tables)
    known = len(keys)
    position = {key: i for i, key in enumerate(keys)}
    for key, _ in sorted(changed):
        if key not in position:
            position[key] = len(keys)
            keys.append(key)
    first_changed = min(m for _, m in changed)
    last_changed = max(m for _, m in changed)
    first, top = conn.execute(select(func.min(c.start), func.max(c.start))).one()
    since = first_changed if top is None else min(first_changed, top)
    rows: dict[date, array[int]] = {
        block: _unpack(blob, len(keys)) for block, blob in conn.execute(
            select(c.start, c.tickets).where(c.start >= since))}
    if first is None:
        fresh = _blocks(first_changed, last_changed)
    else:
        fresh = _blocks(first_changed, block_before(first)) if first_changed < first else []
        above = _blocks(block_after(top), last_changed) if last_changed > top else []
        for block in above:
            rows[block] = array("i", rows[top])
        fresh += above
    for block in fresh:
        rows.setdefault(block, _unpack(None, len(keys)))
    per_block: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for (key, block), delta in changed.items():
        per_block[block].append((position[key], delta))
    adding: list[tuple[int, int]] = []
    for block in sorted(m for m in rows if m >= first_changed or m in fresh):
        adding += per_block.get(block, [])
        totals = rows[block]
        for i, delta in adding:
            totals[i] += delta
        values = {"tickets": _pack(totals)}
        if block in fresh:
            conn.execute(insert(totals_table).values(start=block, **values))
        else:
            conn.execute(update(totals_table).where(c.start == block).values(**values))
    if len(keys) > known:
        _save_keys(conn, keys, tables)


def build_prefix(conn: Connection) -> None:
    """Make the running totals from the ``pair`` cube's block cells (after a rebuild):
    the keys in order, a row for every block from the first to the newest."""
    cells = cast(Table, ReportCell.__table__).c
    per_block: dict[date, dict[str, int]] = defaultdict(dict)
    for key, start, tickets in conn.execute(select(cells.key, cells.start, cells.tickets).where(
            cells.cube == PAIR_CUBE, cells.level == BLOCK_LEVEL)):
        per_block[start][key] = int(tickets)
    write_running(conn, per_block)


def write_running(conn: Connection, per_block: dict[date, dict[str, int]],
                  tables: TotalsTables = PAIR_TOTALS) -> None:
    """Replace the running totals by those of ``per_block`` (tickets per key in each block,
    by the block's first day): the keys in order, a row for every block from the first to
    the newest."""
    conn.execute(delete(tables.totals))
    conn.execute(delete(tables.keys))
    if not per_block:
        return
    keys = sorted({key for block in per_block.values() for key in block})
    running = _unpack(None, len(keys))
    for block in _blocks(min(per_block), max(per_block)):
        counts = per_block.get(block, {})
        running = array("i", (total + counts.get(key, 0)
                              for total, key in zip(running, keys, strict=True)))
        conn.execute(insert(tables.totals).values(start=block, tickets=_pack(running)))
    _save_keys(conn, keys, tables)


def split_key(key: str) -> tuple[str, str]:
    """The store and the item of a pair key."""
    store, _, item = key.partition(SEPARATOR)
    return store, item

