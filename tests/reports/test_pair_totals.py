"""The running totals ``recurring`` reads (``report_pair_total``): whatever order refreshes
change pairs and 8-day blocks in — new pairs, blocks before the first row and after the
newest, tickets taken back — every block's totals and every range of whole blocks equal the
sums of the changes, and equal what a rebuild makes from the ``pair`` block cells."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert

from radiant_ext.reports.pair_prefix import (
    BLOCK_LEVEL,
    PAIR_CUBE,
    apply_blocks,
    block_after,
    blocks_between,
    build_prefix,
    pair_key,
    running_totals,
)
from radiant_ext.reports.rollups import CELLS
from radiant_ext.store import make_engine, upgrade_database

BLOCKS = [date(2025, m, d) for m in range(1, 5) for d in (1, 9, 17, 25)]
"""Four months of 8-day blocks."""
KEYS = [pair_key(store, item) for store in ("store-001", "store-ä7", "")
        for item in ("it.pos-down", "maintenance.hvac")]
Batch = dict[tuple[str, date], int]
batches = st.lists(st.dictionaries(st.tuples(st.sampled_from(KEYS), st.sampled_from(BLOCKS)),
                                   st.integers(-3, 5), max_size=6), min_size=1, max_size=6)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path_factory.mktemp('pairs') / 'pairs.sqlite3'}")
    upgrade_database(made)
    yield made
    made.dispose()


@contextmanager
def _rolled_back(engine: Engine) -> Iterator[Connection]:
    """A connection whose changes are undone after the example."""
    with engine.connect() as conn:
        with conn.begin() as transaction:
            yield conn
            transaction.rollback()


def _expected(applied: list[Batch]) -> dict[str, dict[date, int]]:
    """Block → total per key from the changes alone, for the blocks the rows must cover."""
    per_block: dict[tuple[str, date], int] = defaultdict(int)
    for batch in applied:
        for (key, block), delta in batch.items():
            per_block[key, block] += delta
    touched = sorted({m for batch in applied for (_, m), d in batch.items() if d})
    out: dict[str, dict[date, int]] = {}
    if not touched:
        return out
    keys = {k for batch in applied for (k, _), d in batch.items() if d}
    for key in keys:
        total, block = 0, touched[0]
        out[key] = {}
        while block <= touched[-1]:
            total += per_block[key, block]
            out[key][block] = total
            block = block_after(block)
    return out


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(applied=batches)
def test_refreshed_running_totals_equal_the_sums_of_the_changes(engine: Engine,
                                                                applied: list[Batch]) -> None:
    with _rolled_back(engine) as conn:
        for batch in applied:
            apply_blocks(conn, batch)
        expected = _expected(applied)
        assert running_totals(conn) == expected
        for i, first in enumerate(BLOCKS):
            for last in BLOCKS[i:]:
                want = {key: sum(n for (k, m), n in _summed(applied).items()
                                 if k == key and first <= m <= last) for key in KEYS}
                got = {pair_key(store, item): n for store, item, n
                       in blocks_between(conn, first, last).pairs()}
                assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}


def _summed(applied: list[Batch]) -> dict[tuple[str, date], int]:
    out: dict[tuple[str, date], int] = defaultdict(int)
    for batch in applied:
        for change, delta in batch.items():
            out[change] += delta
    return out


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(applied=batches)
def test_a_rebuild_makes_the_running_totals_a_refresh_keeps(engine: Engine,
                                                             applied: list[Batch]) -> None:
    cells = _summed(applied)
    with _rolled_back(engine) as conn:
        for batch in applied:
            apply_blocks(conn, batch)
        refreshed = changes_of(running_totals(conn))
        for (key, block), n in cells.items():
            conn.execute(insert(CELLS).values(
                cube=PAIR_CUBE, level=BLOCK_LEVEL, start=block, key=key, tickets=n,
                r_met=0, r_missed=0, s_met=0, s_missed=0))
        build_prefix(conn)
        assert changes_of(running_totals(conn)) == refreshed


def changes_of(totals: dict[str, dict[date, int]]) -> set[tuple[str, date, int]]:
    """The blocks where a pair's total changes (rows of zero or copies read the same)."""
    out = set()
    for key, blocks in totals.items():
        before = 0
        for block, total in sorted(blocks.items()):
            if total != before:
                out.add((key, block, total))
            before = total
    return out


def test_no_rows_read_as_no_pairs(engine: Engine) -> None:
    with _rolled_back(engine) as conn:
        assert blocks_between(conn, BLOCKS[0], BLOCKS[-1]).pairs() == []
        apply_blocks(conn, {(KEYS[0], BLOCKS[3]): 0})
        assert running_totals(conn) == {}
        build_prefix(conn)
        assert running_totals(conn) == {}
