"""Ticket pull: full first run, incremental after, keyset paging, the cache's fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from radiant_ext.store import TicketCache, get_cursor, session_scope
from radiant_ext.sync import JobContext, run_job
from radiant_ext.sync import tickets as tickets_module
from radiant_ext.sync.tickets import CURSOR, full_resync, pull_tickets


def _cached(engine: Engine, ticket_id: int) -> TicketCache:
    with session_scope(engine) as s:
        row = s.get(TicketCache, ticket_id)
        assert row is not None
        return row


def _count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(TicketCache)) or 0)


def test_first_pull_is_full_and_fills_the_cache_fields(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    tid = znuny.add_ticket(
        Title="Till 2 dead", Queue="IT::Stores", Service="IT::Cash register",
        SLA="POS critical", Type="Incident", Priority="4 high", PriorityID=4,
        CustomerUserID="flagship-clerk", CustomerID="store-001", Owner="it-agent",
        EscalationSolutionTime=1795449600, EscalationDestinationTime="1795435200",
        DynamicField={"RadiantCategory": "it.pos-down", "RadiantStore": "store-001",
                      "RadiantRequestID": "RQ-9", "RadiantDeadline": "2026-11-23 13:00:00"})
    other = znuny.add_ticket(Title="other")
    counts = pull_tickets(make_ctx())
    assert counts == {"pulled": 2, "changed": 0, "full": 1}
    row = _cached(engine, tid)
    assert (row.title, row.queue, row.service, row.sla, row.type, row.priority) == (
        "Till 2 dead", "IT::Stores", "IT::Cash register", "POS critical", "Incident", "4 high")
    assert (row.customer_user_id, row.customer_id, row.store, row.category, row.request_id) == (
        "flagship-clerk", "store-001", "store-001", "it.pos-down", "RQ-9")
    assert row.owner == "it-agent"
    assert row.promised_deadline == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert row.solution_deadline == datetime.fromtimestamp(1795449600, tz=UTC)
    assert row.escalation_deadline == datetime.fromtimestamp(1795435200, tz=UTC)
    assert row.closed is None and row.solution_minutes is None
    with session_scope(engine) as s:
        assert get_cursor(s, CURSOR) == _cached(engine, other).changed  # newest change seen


def test_incremental_pull_fetches_only_changed_tickets_and_tracks_closing(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        settings: Any) -> None:
    settings.sync_pull_overlap_seconds = 0
    ids = [znuny.add_ticket(Title=f"t{n}") for n in range(5)]
    pull_tickets(make_ctx())
    znuny.tick(600)
    znuny.change(ids[2], State="closed successfully", StateType="closed")
    znuny.calls.clear()
    counts = pull_tickets(make_ctx())
    # the changed ticket, plus the one at the cursor's own second (the window is inclusive)
    assert counts == {"pulled": 2, "changed": 1}
    assert _cached(engine, ids[0]).synced_at < _cached(engine, ids[2]).synced_at
    row = _cached(engine, ids[2])
    assert (row.state, row.state_type) == ("closed successfully", "closed")
    assert row.closed == row.changed and row.solution_minutes == 10
    assert row.state_since == row.changed


def test_overlap_window_pulls_a_late_commit_again(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        settings: Any) -> None:
    settings.sync_pull_overlap_seconds = 120
    first = znuny.add_ticket(Title="a")
    pull_tickets(make_ctx())
    # A ticket whose change time lies just before the cursor (committed late) is still seen.
    late = znuny.add_ticket(Title="late", Changed=znuny.tickets[first]["Changed"])
    counts = pull_tickets(make_ctx())
    assert counts["pulled"] >= 1
    assert _cached(engine, late).title == "late"


def test_keyset_paging_survives_many_tickets_in_one_second(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tickets_module, "PAGE", 4)
    monkeypatch.setattr(tickets_module, "GET_CHUNK", 3)
    same = znuny.tick()
    stamp = same.strftime("%Y-%m-%d %H:%M:%S")
    for n in range(9):
        znuny.add_ticket(Title=f"burst {n}", Changed=stamp, Created=stamp)
    for n in range(7):
        znuny.add_ticket(Title=f"later {n}")
    counts = full_resync(make_ctx())
    assert counts["pulled"] == 16 and _count(engine) == 16


def test_plugins_hear_about_changes_the_pull_notices(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    heard: list[tuple[int, str, dict[str, Any]]] = []

    class Recorder:
        def ticket_updated(self, ticket_id: int, number: str, changes: dict[str, Any]) -> None:
            heard.append((ticket_id, number, changes))

    tid = znuny.add_ticket(Title="printer", Owner="demo-agent")
    pull_tickets(make_ctx(plugins_factory=Recorder))
    assert heard == [], "a ticket seen for the first time is not a change"
    znuny.change(tid, Owner="it-agent", State="open", StateType="open")
    counts = pull_tickets(make_ctx(plugins_factory=Recorder))
    assert counts["changed"] == 1
    assert heard == [(tid, znuny.tickets[tid]["TicketNumber"],
                      {"state": "open", "owner": "it-agent"})]


def test_full_resync_reports_progress(engine: Engine, znuny: Any,
                                      make_ctx: Callable[..., JobContext]) -> None:
    for n in range(3):
        znuny.add_ticket(Title=f"t{n}")
    seen: list[tuple[str, int]] = []
    run = run_job(make_ctx(progress=lambda task, n, total: seen.append((task, n))),
                  "ticket-pull", full_resync)
    assert run.counts == {"pulled": 3, "changed": 0, "full": 1}
    assert sum(n for task, n in seen if task == "tickets") == 3


@hypothesis_settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=st.lists(st.integers(min_value=0, max_value=6), min_size=0, max_size=40),
       page=st.integers(min_value=1, max_value=6), chunk=st.integers(min_value=1, max_value=4))
def test_keyset_walk_ends_and_pulls_every_ticket(fake_znuny_class: Any, seconds: list[int],
                                                 page: int, chunk: int) -> None:
    import itertools

    znuny = fake_znuny_class()  # a fresh Znuny per example (the fixture is only the class)
    base = znuny.clock
    for n, sec in enumerate(sorted(seconds)):
        stamp = (base + timedelta(seconds=sec)).strftime("%Y-%m-%d %H:%M:%S")
        znuny.add_ticket(Title=f"t{n}", Created=stamp, Changed=stamp)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tickets_module, "PAGE", page)
        mp.setattr(tickets_module, "GET_CHUNK", chunk)
        walk = tickets_module._changed_tickets(znuny, None)
        pulled = [int(t.ticket_id) for batch in itertools.islice(walk, 10_000) for t in batch]
    assert sorted(set(pulled)) == sorted(znuny.tickets)
    assert len(pulled) <= 3 * max(1, len(seconds)), "the walk must not go round in circles"
