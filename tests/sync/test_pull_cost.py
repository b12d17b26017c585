"""What a full pull costs: batches of 100 tickets per TicketGet, one INSERT per batch, and the
benchmark that measures it (``benchmarks/sync.py``) runs end to end on a small sandbox."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from radiant_ext.store import TicketCache, session_scope
from radiant_ext.sync import JobContext
from radiant_ext.sync.tickets import full_resync, pull_tickets

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """SQL statements sent to the store while the test runs (executemany counts once)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_full_pull_fetches_100_tickets_per_request_and_inserts_each_batch_at_once(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        statements: list[str]) -> None:
    for n in range(250):
        znuny.add_ticket(Title=f"t{n}")
    assert full_resync(make_ctx())["pulled"] == 250
    assert znuny.calls.count("TicketGet") == 3
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO TICKET_CACHE")]
    assert len(inserts) == 3
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(TicketCache)) == 250


def test_incremental_pull_after_a_bulk_insert_updates_rows_and_reports_changes(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Any) -> None:
    settings.sync_pull_overlap_seconds = 0
    ids = [znuny.add_ticket(Title=f"t{n}") for n in range(120)]
    full_resync(make_ctx())
    znuny.tick(60)
    znuny.change(ids[5], State="open", StateType="open", Title="moved on")
    counts = pull_tickets(make_ctx())
    assert counts["changed"] == 1
    with session_scope(engine) as s:
        row = s.get_one(TicketCache, ids[5])
        assert (row.title, row.state, row.state_since) == ("moved on", "open", row.changed)


@pytest.mark.slow
def test_sync_benchmark_runs_on_a_small_sandbox() -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "sync.py"), "--tickets", "300",
         "--changes", "20"], capture_output=True, text=True, timeout=300, check=True).stdout
    lines = {line.split("|")[0].strip(): line for line in out.splitlines() if "|" in line}
    assert lines["full"].split("|")[1].strip() == "300"
    incremental = lines["incremental after 20 changes"].split("|")
    assert 20 <= int(incremental[1]) < 300  # the changed tickets, not everything again
    assert "goal (incremental < 2 s and >= 100x cheaper):" in out
