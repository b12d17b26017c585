"""A ticket staying in a workflow step too long: a reminder at ``remind_after`` and an
escalation at ``escalate_after``, counted in business hours of the item's calendar (the
built-in default: Mon-Fri 08:00-18:00 Europe/Moscow), each once per entry into the step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from radiant_ext.config import Settings
from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.store import (
    TicketCache,
    expect_customer_move,
    remember_language,
    session_scope,
)
from radiant_ext.sync import JobContext
from radiant_ext.sync.deadlines import watch_deadlines
from radiant_ext.sync.tickets import pull_tickets

FRIDAY_13_MSK = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
"""Client testing (remind 16 h, escalate 24 h) entered Friday 13:00 Moscow time: 5 hours
that Friday, 10 on Monday, so the reminder is due Tuesday 09:00 and the escalation Tuesday
17:00 Moscow time (06:00 and 14:00 UTC)."""
REMIND = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
ESCALATE = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
ONE_SECOND = timedelta(seconds=1)


@pytest.fixture
def ctx(make_ctx: Callable[..., JobContext], znuny: Any) -> JobContext:
    """Plugins with the IT catalog; Znuny's clock (and ours) set by the test."""
    znuny.clock = FRIDAY_13_MSK - ONE_SECOND

    def tick(seconds: int = 1) -> datetime:
        znuny.clock += timedelta(seconds=seconds)
        return znuny.clock

    znuny.tick = tick
    plugins = Plugins(make_plugin_manager())
    return make_ctx(plugins_factory=lambda: plugins, now=lambda: znuny.clock)


def _at(znuny: Any, ctx: JobContext, when: datetime) -> dict[str, int]:
    znuny.clock = when
    return watch_deadlines(ctx)


def _articles(znuny: Any, ticket_id: int) -> list[dict[str, Any]]:
    return znuny.articles[ticket_id][1:]


def test_reminder_then_escalation_each_once_in_business_hours_over_a_weekend(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    tid = znuny.add_ticket(State="client testing", StateType="pending reminder", Queue="IT",
                           DynamicField={"RadiantCategory": "it.software-defect"})
    with session_scope(engine) as s:
        remember_language(s, "demo-customer", "ru", FRIDAY_13_MSK)
    pull_tickets(ctx)
    assert _at(znuny, ctx, REMIND - ONE_SECOND)["step-remind"] == 0  # Monday counted 10 h
    assert _at(znuny, ctx, REMIND)["step-remind"] == 1
    [reminder] = _articles(znuny, tid)
    assert reminder["IsVisibleForCustomer"] == 1 and reminder["SenderType"] == "agent"
    assert reminder["Subject"] == f"Заявка {znuny.tickets[tid]['TicketNumber']} ждёт вашего ответа"
    assert reminder["Body"].startswith("Пожалуйста, подтвердите исправление")
    assert "с 2026-11-27 13:00 (Europe/Moscow)" in reminder["Body"]
    assert "«Работает — завершить» / «Всё ещё не работает»" in reminder["Body"]
    pull_tickets(ctx)  # the reminder changed the ticket, not its step
    assert _at(znuny, ctx, ESCALATE - ONE_SECOND)["step-remind"] == 0
    counts = _at(znuny, ctx, ESCALATE)
    assert (counts["step-remind"], counts["step-escalate"]) == (0, 1)
    escalation = _articles(znuny, tid)[-1]
    assert escalation["IsVisibleForCustomer"] == 0
    assert escalation["Subject"] == ("Escalated: Waiting for your test for longer than 24 "
                                     "business hours")
    assert znuny.tickets[tid]["Priority"] == "4 high"
    assert _at(znuny, ctx, ESCALATE + timedelta(days=3))["step-escalate"] == 0
    assert len(_articles(znuny, tid)) == 2


def test_a_ticket_that_leaves_the_step_and_comes_back_is_reminded_again(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    tid = znuny.add_ticket(State="client testing", StateType="pending reminder", Queue="IT",
                           Priority="5 very high", PriorityID=5,
                           DynamicField={"RadiantCategory": "it.software-defect"})
    pull_tickets(ctx)
    counts = _at(znuny, ctx, ESCALATE)
    assert (counts["step-remind"], counts["step-escalate"]) == (1, 1)
    assert znuny.tickets[tid]["Priority"] == "5 very high"  # already the highest
    with session_scope(engine) as s:  # the requester says "Still broken" in the portal
        expect_customer_move(s, tid, "client testing", "open", "demo-customer", znuny.clock)
    for state, kind in (("open", "open"), ("ready to test", "open"), ("in testing", "open"),
                        ("ready to install", "open"),
                        ("client testing", "pending reminder")):
        znuny.change(tid, State=state, StateType=kind)
        assert "refused" not in pull_tickets(ctx)
    entered = znuny.clock  # Tuesday 17:00 Moscow: 1 h that day, 10 on Wednesday
    assert entered.replace(microsecond=0) - ESCALATE < timedelta(seconds=10)
    again = datetime(2026, 12, 3, 10, 0, tzinfo=UTC) + (entered - ESCALATE)
    assert _at(znuny, ctx, again - ONE_SECOND)["step-remind"] == 0
    assert _at(znuny, ctx, again)["step-remind"] == 1
    assert _at(znuny, ctx, again + timedelta(hours=1))["step-remind"] == 0


def test_the_sandbox_mails_the_reminder_and_takes_the_escalation(
        engine: Engine, sandbox: Any, settings: Settings) -> None:
    from radiant_ext.client import NewArticle, NewTicket, PendingTime

    client = sandbox.client()
    created = client.ticket_create(
        NewTicket(title="Report total is wrong", queue="IT", state="client testing",
                  priority="3 normal", type="Incident", customer_user="flagship-clerk",
                  pending_time=PendingTime(diff=600)),
        NewArticle(subject="Totals", body="The daily total is off by one day.",
                   content_type="text/plain; charset=utf-8", communication_channel="Email",
                   sender_type="customer", is_visible_for_customer=True,
                   from_="Clerk <clerk@store-001.example>"),
        dynamic_fields={"RadiantCategory": "it.software-defect"})
    plugins = Plugins(make_plugin_manager())
    entered: list[datetime] = []
    ctx = JobContext(settings=settings, engine=engine, client_factory=sandbox.client,
                     plugins_factory=lambda: plugins,
                     now=lambda: entered[0] + timedelta(days=30))
    pull_tickets(ctx)
    with session_scope(engine) as s:
        since = s.get_one(TicketCache, created.ticket_id).state_since
        assert since is not None
        entered.append(since)
    counts = watch_deadlines(ctx)
    assert (counts["step-remind"], counts["step-escalate"]) == (1, 1)
    ticket = client.ticket_get(created.ticket_id, all_articles=True)
    reminder, escalation = ticket.articles[-2:]
    assert reminder.is_visible_for_customer and reminder.to == "clerk@store-001.example"
    assert reminder.body.startswith("Please confirm the fix: your request")
    assert not escalation.is_visible_for_customer
    assert ticket.priority == "4 high"
    counts = watch_deadlines(ctx)
    assert (counts["step-remind"], counts["step-escalate"]) == (0, 0)


DEFECT = "it.software-defect"


def _subjects(znuny: Any, ticket_id: int) -> list[str]:
    return [a["Subject"] for a in _articles(znuny, ticket_id)]


def test_a_stall_in_a_step_with_limits_gets_the_steps_notices_alone(
        ctx: JobContext, znuny: Any, settings: Settings) -> None:
    settings.state_limits_hours = {"client testing": 2}
    tid = znuny.add_ticket(State="client testing", StateType="pending reminder", Queue="IT",
                           DynamicField={"RadiantCategory": DEFECT})
    pull_tickets(ctx)
    counts = _at(znuny, ctx, REMIND)  # 90 wall hours in the state, past the 2 h state limit
    assert (counts["languish"], counts["step-remind"], counts["step-escalate"]) == (0, 1, 0)
    counts = _at(znuny, ctx, ESCALATE + timedelta(days=3))
    assert (counts["languish"], counts["step-remind"], counts["step-escalate"]) == (0, 0, 1)
    assert "Ticket stalled" not in _subjects(znuny, tid)
    assert len(_subjects(znuny, tid)) == 2


def _without_limits(ctx: JobContext, step_id: str) -> None:
    """The defect workflow's step ``step_id`` declares no remind_after / escalate_after."""
    items = ctx.plugins._all_items()
    flow = items[DEFECT].workflow
    assert flow is not None
    steps = [s.model_copy(update={"remind_after": None, "escalate_after": None})
             if s.id == step_id else s for s in flow.steps]
    items[DEFECT] = items[DEFECT].model_copy(
        update={"workflow": flow.model_copy(update={"steps": steps})})


@pytest.mark.parametrize(("state", "kind", "item"), [
    ("in review", "open", DEFECT),  # a step of the workflow that declares no limit
    ("on hold", "open", DEFECT),  # a state outside the item's workflow
    ("client testing", "pending reminder", "it.pos-down"),  # an item without a workflow
])
def test_a_stall_the_step_limits_do_not_watch_is_flagged_as_before(
        ctx: JobContext, znuny: Any, settings: Settings, state: str, kind: str,
        item: str) -> None:
    _without_limits(ctx, "in-review")
    settings.state_limits_hours = {state: 2}
    tid = znuny.add_ticket(State=state, StateType=kind, Queue="IT",
                           DynamicField={"RadiantCategory": item})
    pull_tickets(ctx)
    assert _at(znuny, ctx, FRIDAY_13_MSK + timedelta(hours=1))["languish"] == 0
    counts = _at(znuny, ctx, ESCALATE)
    assert (counts["languish"], counts["step-remind"], counts["step-escalate"]) == (1, 0, 0)
    assert _subjects(znuny, tid) == ["Ticket stalled"]
    assert _at(znuny, ctx, ESCALATE + timedelta(days=3))["languish"] == 0


def test_without_plugins_a_stall_in_a_limited_step_is_flagged(
        ctx: JobContext, make_ctx: Callable[..., JobContext], znuny: Any,
        settings: Settings) -> None:
    """The step limits run only with plugins: without them the state limit still holds."""
    settings.state_limits_hours = {"client testing": 2}
    tid = znuny.add_ticket(State="client testing", StateType="pending reminder", Queue="IT",
                           DynamicField={"RadiantCategory": DEFECT})
    bare = make_ctx(now=lambda: znuny.clock)
    pull_tickets(bare)
    counts = _at(znuny, bare, ESCALATE)
    assert counts["languish"] == 1 and "step-remind" not in counts
    assert _subjects(znuny, tid) == ["Ticket stalled"]


def test_the_deadline_waits_while_the_requester_tests_and_then_moves_on_by_the_wait(
        ctx: JobContext, znuny: Any, engine: Engine) -> None:
    """Due Wednesday 13:00 Moscow time; from Tuesday 09:00 to Wednesday 14:00 the fix waits
    in client testing (15 business hours): no escalation while it waits, none at the old
    deadline, and one when the 15 hours are over — Thursday 18:00."""
    monday = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    due = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    moved = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    znuny.clock = monday
    tid = znuny.add_ticket(State="open", StateType="open", Queue="IT", DynamicField={
        "RadiantCategory": "it.software-defect",
        "RadiantDeadline": due.strftime("%Y-%m-%d %H:%M:%S")})
    plain = znuny.add_ticket(State="open", StateType="open", Queue="IT", DynamicField={
        "RadiantCategory": "it.pos-down", "RadiantDeadline": due.strftime("%Y-%m-%d %H:%M:%S")})
    pull_tickets(ctx)
    znuny.clock = datetime(2026, 11, 24, 6, 0, tzinfo=UTC) - timedelta(seconds=4)
    for state, kind in (("ready to test", "open"), ("in testing", "open"),
                        ("ready to install", "open"),
                        ("client testing", "pending reminder")):
        znuny.change(tid, State=state, StateType=kind)
        assert "refused" not in pull_tickets(ctx)
    assert _at(znuny, ctx, due)["escalate"] == 1  # the ticket without a requester's step
    assert _articles(znuny, plain)[-1]["Subject"] == "Deadline passed: escalated"
    assert not [a for a in _articles(znuny, tid) if a["Subject"].startswith("Deadline")]
    znuny.clock = datetime(2026, 11, 25, 11, 0, tzinfo=UTC) - ONE_SECOND
    with session_scope(engine) as s:  # "Still broken": back to the team
        expect_customer_move(s, tid, "client testing", "open", "demo-customer", znuny.clock)
    znuny.change(tid, State="open", StateType="open")
    assert "refused" not in pull_tickets(ctx)
    assert _at(znuny, ctx, due + timedelta(hours=2))["escalate"] == 0
    assert _at(znuny, ctx, moved - ONE_SECOND)["escalate"] == 0
    assert _at(znuny, ctx, moved)["escalate"] == 1
    note = _articles(znuny, tid)[-1]
    assert note["Subject"] == "Deadline passed: escalated"
    assert note["Body"].startswith("Deadline 2026-11-26 15:00:00 UTC (moved on from "
                                   "2026-11-25 10:00:00 UTC by 15.0 h waiting on the requester)")
    assert _at(znuny, ctx, moved + timedelta(days=1))["escalate"] == 0
