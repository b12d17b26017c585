"""The step log: every entry of a catalogued ticket into an open state, kept by the ticket pull,
the outbox, the workflow guard's put-back and the migration, read by ``time-per-step``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.reports import ReportFilter, run_report
from radiant_ext.store import (
    StateSeen,
    StepEntry,
    TicketCache,
    follow_states,
    session_scope,
    step_log,
    upgrade_database,
)
from radiant_ext.sync import JobContext
from radiant_ext.sync.tickets import pull_tickets
from tests._store_fixtures import store_engine

DEFECT = "it.software-defect"


@pytest.fixture
def ctx(make_ctx: Callable[..., JobContext], znuny: Any) -> JobContext:
    plugins = Plugins(make_plugin_manager())
    return make_ctx(plugins_factory=lambda: plugins, now=lambda: znuny.clock)


def _log(engine: Engine, ticket_id: int) -> list[tuple[str, datetime | None, str | None]]:
    with session_scope(engine) as s:
        return [(e.state, e.left_at, e.next_state) for e in s.scalars(
            select(StepEntry).where(StepEntry.ticket_id == ticket_id).order_by(StepEntry.id))]


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def test_the_pull_logs_each_step_a_ticket_enters_and_when_it_left(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    tid = znuny.add_ticket(State="new", StateType="new", Queue="IT",
                           DynamicField={"RadiantCategory": DEFECT})
    plain = znuny.add_ticket(State="new", StateType="new")  # no catalog item: not logged
    pull_tickets(ctx)
    assert _log(engine, tid) == [("new", None, None)]
    znuny.tick(3600)
    znuny.change(tid, State="in review")
    reviewed = _at(znuny.tickets[tid]["Changed"])
    pull_tickets(ctx)
    pull_tickets(ctx)  # seen again: nothing more
    znuny.tick(7200)
    znuny.change(tid, State="cannot replicate", StateType="closed")  # a move of the workflow
    closed = _at(znuny.tickets[tid]["Changed"])
    pull_tickets(ctx)
    assert _log(engine, tid) == [("new", reviewed, "in review"),
                                 ("in review", closed, "cannot replicate")]
    assert _log(engine, plain) == []
    with session_scope(engine) as s:
        table = run_report("time-per-step", s, ReportFilter(), now=closed)
    review = next(r for r in table.records() if r["state"] == "in review")
    assert (review["left"], review["median_hours"]) == (1, 2.0)


def test_a_refused_move_put_back_is_logged_as_a_short_stay_and_the_step_again(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    tid = znuny.add_ticket(State="in testing", StateType="open", Queue="IT",
                           DynamicField={"RadiantCategory": DEFECT})
    pull_tickets(ctx)
    znuny.change(tid, State="client testing", StateType="pending reminder")  # skips a step
    assert pull_tickets(ctx)["refused"] == 1
    assert [(state, left is None, went) for state, left, went in _log(engine, tid)] == [
        ("in testing", False, "client testing"), ("client testing", False, "in testing"),
        ("in testing", True, None)]
    pull_tickets(ctx)  # Znuny has it back in testing: the same step, nothing more
    assert len(_log(engine, tid)) == 3


def test_follow_states_ignores_a_late_observation_and_logs_only_open_states(
        engine: Engine) -> None:
    t0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    with session_scope(engine) as s:
        assert follow_states(s, [StateSeen(1, DEFECT, "new", "new", t0)]) == 1
        assert follow_states(s, [StateSeen(1, DEFECT, "in review", "open",
                                           t0 + timedelta(hours=2))]) == 1
        # a webhook delivered late: the ticket as it was before the entry now logged
        assert follow_states(s, [StateSeen(1, DEFECT, "new", "new",
                                           t0 + timedelta(hours=1))]) == 0
        assert follow_states(s, [StateSeen(1, DEFECT, "merged", "merged",
                                           t0 + timedelta(hours=3))]) == 0
        assert follow_states(s, [StateSeen(2, None, "new", "new", t0),
                                 StateSeen(3, DEFECT, "new", "new", None)]) == 0
    assert _log(engine, 1) == [("new", t0 + timedelta(hours=2), "in review"),
                               ("in review", t0 + timedelta(hours=3), "merged")]
    assert _log(engine, 2) == [] and _log(engine, 3) == []


def test_a_late_observation_after_the_close_opens_no_stay(engine: Engine) -> None:
    """The webhook of a move into client testing delivered after the customer completed the
    ticket: the ticket left that step, so no second stay opens (and none is left dangling)."""
    t0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    closed = t0 + timedelta(hours=2)
    with session_scope(engine) as s:
        follow_states(s, [StateSeen(1, DEFECT, "client testing", "pending reminder", t0)])
        follow_states(s, [StateSeen(1, DEFECT, "closed successful", "closed", closed)])
        # late: the step it left, before and in the second of the close, and the close again
        for late in (StateSeen(1, DEFECT, "client testing", "pending reminder",
                               t0 + timedelta(hours=1)),
                     StateSeen(1, DEFECT, "client testing", "pending reminder", closed),
                     StateSeen(1, DEFECT, "closed successful", "closed", closed)):
            assert follow_states(s, [late]) == 0, late
        # reopened later: a new stay
        assert follow_states(s, [StateSeen(1, DEFECT, "open", "open",
                                           closed + timedelta(hours=1))]) == 1
    assert _log(engine, 1) == [("client testing", closed, "closed successful"),
                               ("open", None, None)]


def test_two_reports_of_one_move_at_once_open_one_stay(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Znuny's daemon delivers the webhook calls of a move side by side: the second waits for
    the first's commit instead of reading the old step too and opening a second stay."""
    t0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    with session_scope(engine) as s:
        follow_states(s, [StateSeen(1, DEFECT, "new", "new", t0)])
    first_read, reads = threading.Event(), []
    real_current = step_log._current

    def slow_current(session: Any, ids: Any) -> Any:
        found = real_current(session, ids)
        reads.append(found[1].state if 1 in found else None)
        if not first_read.is_set():
            first_read.set()
            time.sleep(0.5)  # the first report is slow to commit: the second arrives
        return found

    monkeypatch.setattr(step_log, "_current", slow_current)
    moved = StateSeen(1, DEFECT, "client testing", "pending reminder", t0 + timedelta(hours=1))
    errors: list[BaseException] = []

    def report() -> None:
        try:
            with session_scope(engine) as s:
                follow_states(s, [moved])
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=report) for _ in range(2)]
    threads[0].start()
    assert first_read.wait(10)
    threads[1].start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert reads == ["new", "client testing"]  # the second read the first's commit
    assert _log(engine, 1) == [("new", t0 + timedelta(hours=1), "client testing"),
                               ("client testing", None, None)]


def test_a_move_znuny_made_in_the_second_the_request_was_filed_is_logged(
        engine: Engine) -> None:
    """The outbox logs the filing at our clock (microseconds); an agent moves the ticket in
    that same second, and the pull reports it at Znuny's whole second: not older, logged."""
    filed = datetime(2026, 11, 23, 6, 0, 49, 341100, tzinfo=UTC)
    moved = filed.replace(microsecond=0)
    with session_scope(engine) as s:
        follow_states(s, [StateSeen(1, DEFECT, "new", "new", filed)])
        assert follow_states(s, [StateSeen(1, DEFECT, "client testing", "pending reminder",
                                           moved)]) == 1
        assert follow_states(s, [StateSeen(1, DEFECT, "new", "new",
                                           moved - timedelta(seconds=1))]) == 0  # older
    with session_scope(engine) as s:
        first, current = s.scalars(select(StepEntry).order_by(StepEntry.id)).all()
        assert (first.state, first.next_state, current.state, current.left_at) == (
            "new", "client testing", "client testing", None)
        # the chain stays unbroken, never a negative stay
        assert first.entered_at <= first.left_at == current.entered_at


def test_the_migration_starts_the_log_with_the_open_tickets_of_the_cache(
        tmp_path: Path) -> None:
    since = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    with store_engine("sqlite", tmp_path, suite="step-log", migrate=False) as engine:
        upgrade_database(engine, "0019")
        base = {"title": "t", "queue": "IT", "priority": "3 normal", "state_since": since}
        with engine.begin() as conn:
            conn.execute(insert(TicketCache.__table__), [
                base | {"ticket_id": 1, "ticket_number": "1", "state": "in review",
                        "state_type": "open", "category": DEFECT},
                base | {"ticket_id": 2, "ticket_number": "2", "state": "closed successful",
                        "state_type": "closed", "category": DEFECT},
                base | {"ticket_id": 3, "ticket_number": "3", "state": "new",
                        "state_type": "new", "category": None}])
        upgrade_database(engine)
        assert _log(engine, 1) == [("in review", None, None)]
        assert _log(engine, 2) == [] and _log(engine, 3) == []
        with session_scope(engine) as s:
            assert s.scalar(select(StepEntry.entered_at)) == since
