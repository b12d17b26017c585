"""The ticket cache keeps what the SLA reports judge against: the last known response and
solution deadlines (Znuny clears them once met) and when the first agent answer went out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

from radiant_ext.client import NewArticle, NewTicket, TicketChanges
from radiant_ext.config import Settings
from radiant_ext.store import TicketCache, make_engine, session_scope, upgrade_database
from radiant_ext.sync import JobContext
from radiant_ext.sync.deadlines import due_alerts
from radiant_ext.sync.tickets import pull_tickets

RESPONSE = 1795435200
SOLUTION = 1795449600


def _row(engine: Engine, ticket_id: int) -> TicketCache:
    with session_scope(engine) as s:
        return s.get_one(TicketCache, ticket_id)


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def test_deadlines_znuny_clears_once_met_are_kept_and_its_current_values_beside(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    tid = znuny.add_ticket(SLA="POS critical", EscalationResponseTime=RESPONSE,
                           EscalationSolutionTime=SOLUTION)
    pull_tickets(make_ctx())
    row = _row(engine, tid)
    assert (row.first_response_deadline, row.znuny_first_response_deadline) == (
        _at(RESPONSE), _at(RESPONSE))
    answered = znuny.tick(1200)
    znuny.change(tid, State="open", StateType="open", EscalationResponseTime=0,
                 FirstResponse=answered.strftime("%Y-%m-%d %H:%M:%S"))
    pull_tickets(make_ctx())
    row = _row(engine, tid)
    assert row.first_response_deadline == _at(RESPONSE)
    assert row.znuny_first_response_deadline is None
    assert row.first_response_at == answered
    assert row.first_response_minutes == (answered - row.created).total_seconds() // 60
    znuny.change(tid, State="closed successful", StateType="closed", EscalationSolutionTime=0)
    pull_tickets(make_ctx())
    row = _row(engine, tid)
    assert (row.solution_deadline, row.znuny_solution_deadline) == (_at(SOLUTION), None)
    assert row.first_response_at == answered  # not forgotten when FirstResponse is absent


def test_first_agent_article_gives_the_first_response_without_extended_data(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    tid = znuny.add_ticket()
    znuny.articles[tid] += [
        {"ArticleID": 2, "SenderType": "agent", "IsVisibleForCustomer": 0,
         "CreateTime": "2026-11-23 09:05:00"},  # internal note: not an answer
        {"ArticleID": 3, "SenderType": "agent", "IsVisibleForCustomer": 1,
         "CreateTime": "2026-11-23 09:20:00"},
        {"ArticleID": 4, "SenderType": "agent", "IsVisibleForCustomer": 1,
         "CreateTime": "2026-11-23 10:00:00"}]
    pull_tickets(make_ctx())
    assert _row(engine, tid).first_response_at == datetime(2026, 11, 23, 9, 20, tzinfo=UTC)


def test_deadline_watch_follows_znunys_current_solution_deadline(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        settings: Settings) -> None:
    past = int((znuny.clock - timedelta(hours=1)).timestamp())
    tid = znuny.add_ticket(State="open", StateType="open", EscalationSolutionTime=past)
    pull_tickets(make_ctx())
    assert "escalate" in [a.kind for a in due_alerts(make_ctx(now=lambda: znuny.clock))]
    # escalation suspended in Znuny (e.g. a pending state): the kept deadline stays for the
    # reports, but the watch does not escalate on it
    znuny.change(tid, State="pending reminder", StateType="pending reminder",
                 EscalationSolutionTime=0)
    pull_tickets(make_ctx())
    assert _row(engine, tid).solution_deadline == _at(past)
    assert "escalate" not in [a.kind for a in due_alerts(make_ctx(now=lambda: znuny.clock))]


def test_migration_fills_znunys_current_deadlines_from_the_cached_ones(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade_database(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ticket_cache (ticket_id, ticket_number, title, state, "
                          "state_type, queue, priority, first_response_deadline, "
                          "solution_deadline, synced_at) VALUES (1, '1', '', '', '', '', '', "
                          "'2026-11-23 10:00:00', '2026-11-23 12:00:00', '2026-11-23 09:00:00')"))
    upgrade_database(engine)
    row = _row(engine, 1)
    assert row.znuny_first_response_deadline == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert row.znuny_solution_deadline == datetime(2026, 11, 23, 12, tzinfo=UTC)
    engine.dispose()


def test_the_sandbox_first_answer_is_cached_with_the_deadline_it_met(
        engine: Engine, sandbox: Any, settings: Settings) -> None:
    client = sandbox.client()
    created = client.ticket_create(
        NewTicket(title="Till 3 dead", queue="IT::Stores", state="new", priority="4 high",
                  type="Incident", customer_user="flagship-clerk", service="IT::Cash register",
                  sla="POS critical"),
        NewArticle(subject="Till 3", body="dead", content_type="text/plain; charset=utf-8",
                   communication_channel="Internal", sender_type="customer",
                   is_visible_for_customer=True, from_="clerk@store-001.example"))
    ctx = JobContext(settings=settings, engine=engine, client_factory=sandbox.client)
    pull_tickets(ctx)
    deadline = _row(engine, created.ticket_id).first_response_deadline
    assert deadline is not None
    client.ticket_update(created.ticket_id, ticket=TicketChanges(state="open"), article=NewArticle(
        subject="On our way", body="A technician comes at 10.", communication_channel="Email",
        is_visible_for_customer=True, sender_type="agent",
        content_type="text/plain; charset=utf-8"))
    pull_tickets(ctx)
    row = _row(engine, created.ticket_id)
    assert row.first_response_deadline == deadline
    assert row.znuny_first_response_deadline is None
    assert row.first_response_at is not None and row.first_response_at <= deadline



def test_a_ticket_first_seen_after_its_deadlines_gets_them_from_znunys_minutes_left(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    late = znuny.add_ticket(SLA="IT standard", FirstResponse="2026-11-23 10:00:00",
                            FirstResponseDiffInMin=-30, EscalationResponseTime=0)
    early = znuny.add_ticket(SLA="IT standard", FirstResponse="2026-11-23 10:00:00",
                             FirstResponseDiffInMin="45", State="closed successful",
                             StateType="closed", SolutionDiffInMin=-5)
    pull_tickets(make_ctx())
    answered = datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert _row(engine, late).first_response_deadline == answered - timedelta(minutes=30)
    row = _row(engine, early)
    assert row.first_response_deadline == answered + timedelta(minutes=45)
    assert row.closed is not None
    assert row.solution_deadline == row.closed - timedelta(minutes=5)
