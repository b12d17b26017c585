"""Work that takes more than one step, on the real Znuny (``pytest -m live``; docs/live-servers.md).

* A software defect: the customer files it, an agent takes it along the workflow to the
  customer's test, the portal shows the progress line and the customer's two answers; "Still
  broken" with a reason sends it back to work with the customer's article, "It works" closes it.
* An agent's move outside the workflow is put back by the ticket pull, with an internal note.
* A ticket waiting for the customer's test past the step's reminder limit gets the reminder
  once (the sync job's clock is given, from the time Znuny says the ticket entered the step).
* A vacation request waits for its store manager: the requester and another customer are
  refused and nothing changes in Znuny; the manager approves and the ticket moves on.
* "New employee" files a parent in HR and four parts in four departments' queues, each part
  carrying the parent's number in ``RadiantParent``; closing the parts closes the parent once.

The states, the ``RadiantParent`` field and the approvers are what ``scripts/znuny-server``
provisions, as the setup guide's steps create them (docs/znuny-setup.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from radiant_ext.client import TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.plugins.step_texts import reminder_subject
from radiant_ext.reports import ReportFilter, run_report
from radiant_ext.store import (
    Outbox,
    StepEntry,
    TicketCache,
    get_cursor,
    make_engine,
    session_scope,
    set_cursor,
)
from radiant_ext.store.approvals import approval_for_ticket
from radiant_ext.store.bundles import BundlePartRow
from radiant_ext.sync import JobContext
from radiant_ext.sync.bundles import PARENT_FIELD, run_bundles
from radiant_ext.sync.step_limits import send_step_notices
from radiant_ext.sync.tickets import CURSOR, pull_tickets
from tests._live import LiveServer, need_env
from tests.live._portal import (
    DecisionLog,
    Filed,
    Simulator,
    csrf_token,
    file_request,
    login,
    wait_for,
)
from tests.live._webhook import WebhookSlot

pytestmark = pytest.mark.live

DEFECT = "it.software-defect"
TO_CLIENT_TESTING = ("in review", "approved for action", "open", "ready to test", "in testing",
                     "ready to install", "client testing")
"""The agent's way through the defect's workflow to the customer's test."""
PENDING_MINUTES = 72 * 60
STORE_MANAGER = "store-manager"
"""store-007's manager in the demo's store directory (the live customer's store)."""
HEAD_OFFICE_CLERK = "office-anna"
"""A head-office customer (and the HR head): "New employee" is offered to the head office."""
BUNDLE_DEPARTMENTS = {"HR", "IT", "Maintenance", "Accounting"}


@pytest.fixture(scope="module")
def approver_password() -> str:
    """The password ``scripts/znuny-server`` gives the approvers the catalogs name."""
    return need_env("RADIANT_LIVE_APPROVER_PASSWORD")["RADIANT_LIVE_APPROVER_PASSWORD"]


@pytest.fixture(scope="module")
def jobs(settings: Settings, session_started: datetime) -> Iterator[
        Callable[..., Any]]:
    """Run a sync job as ``radiant-ext sync run`` does, optionally at a given time. The pull
    starts where an installation that has been syncing starts: at the session's start."""
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        if get_cursor(s, CURSOR) is None:
            set_cursor(s, CURSOR, session_started - timedelta(minutes=5))

    def run(job: Callable[[JobContext], Any], at: datetime | None = None) -> Any:
        extra: dict[str, Any] = {"now": (lambda: at)} if at is not None else {}
        ctx = JobContext.from_settings(settings, engine=engine, **extra)
        try:
            return job(ctx)
        finally:
            ctx.close()

    yield run
    engine.dispose()


def _defect(portal: Flask, server: LiveServer, simulator: Simulator, decisions: DecisionLog,
            marker: str) -> tuple[FlaskClient, Filed]:
    client = login(portal, server.customer, server.customer_password)
    filed = file_request(client, simulator, decisions, DEFECT, customer=server.customer,
                         company=server.customer_company, marker=marker)
    return client, filed


def _agent_moves(agent: ZnunyClient, webhook: WebhookSlot, ticket_id: int,
                 states: tuple[str, ...]) -> None:
    """An agent takes the ticket through ``states``, one change right after the other (a
    pending state with its pending time, as Znuny's agent screen asks); returns once Znuny's
    daemon has reported every change to the webhook (sent a moment later, each with the
    ticket as it is by then — so most report the last state)."""
    recorder = webhook.recorder
    reported = _state_updates(webhook, ticket_id)
    for state in states:
        pending = PENDING_MINUTES if state == "client testing" else None
        agent.ticket_update(ticket_id, ticket=TicketChanges(state=state, pending_time=pending))
    if recorder is not None:
        wait_for(f"the daemon's {len(states)} state updates of ticket {ticket_id}",
                 lambda: _state_updates(webhook, ticket_id) >= reported + len(states), 60)


def _state_updates(webhook: WebhookSlot, ticket_id: int) -> int:
    recorder = webhook.recorder
    if recorder is None:
        return 0
    return sum(1 for c in recorder.for_ticket(ticket_id) if c.event == "TicketStateUpdate")


def _page(client: FlaskClient, ticket_id: int) -> str:
    page = client.get(f"/requests/{ticket_id}")
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def _move(client: FlaskClient, ticket_id: int, to: str, **data: str) -> str:
    """Send one of the request page's move forms as the browser does; the page after it."""
    token = csrf_token(_page(client, ticket_id))
    response = client.post(f"/requests/{ticket_id}/move/{to}",
                           data={"csrf_token": token, **data})
    assert response.status_code == 303, (response.status_code,
                                         response.get_data(as_text=True)[-1500:])
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_software_defect_goes_to_the_customers_test_back_to_work_and_is_completed(
        server: LiveServer, portal: Flask, agent: ZnunyClient, simulator: Simulator,
        decisions: DecisionLog, webhook: WebhookSlot, jobs: Callable[..., Any],
        run_marker: str) -> None:
    client, filed = _defect(portal, server, simulator, decisions, f"{run_marker}-defect")
    ticket_id = filed.ticket_id
    page = _page(client, ticket_id)
    assert re.search(r'step-current"[^>]*>Submitted', page)
    assert "It works" not in page  # nothing for the customer to decide yet

    _agent_moves(agent, webhook, ticket_id, TO_CLIENT_TESTING)
    # the daemon's reports came late (several carry a later state): the guard reads Znuny's
    # history and lets the agent's moves stand
    counts = jobs(pull_tickets)
    assert not counts.get("refused"), counts
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert (ticket.state, ticket.state_type) == ("client testing", "pending reminder")
    assert not [a.subject for a in ticket.articles if a.subject.startswith("Move refused")]
    page = _page(client, ticket_id)
    assert re.search(r'step-current"[^>]*>Waiting for your test', page)
    for done in ("Submitted", "In review", "Approved for action", "In progress",
                 "Ready to test", "In testing", "Ready to install"):
        assert re.search(rf'step-done"[^>]*>{done} <small>', page), done
    assert re.search(r'step-next"[^>]*>Completed', page)
    assert "Waiting for you" in page
    assert 'class="primary">It works — complete it</button>' in page
    assert ">Still broken</button>" in page

    after = _move(client, ticket_id, "in-progress", reason=f"Export still stops ({run_marker})")
    assert "Done: Still broken." in after
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "open"
    last = ticket.articles[-1]
    assert last.body == f"Export still stops ({run_marker})"
    assert last.sender_type == "customer" and last.is_visible_for_customer
    assert last.subject.startswith("Still broken")
    assert re.search(r'step-current"[^>]*>In progress', after)

    _agent_moves(agent, webhook, ticket_id, TO_CLIENT_TESTING[3:])
    after = _move(client, ticket_id, "completed")
    assert "Done: It works — complete it." in after
    ticket = agent.ticket_get(ticket_id)
    assert (ticket.state, ticket.state_type) == ("closed successful", "closed")
    assert re.search(r'step-current"[^>]*>Completed', after)
    assert "It works — complete it</button>" not in after
    _step_log_follows_the_journey(jobs, ticket_id)


def _step_log_follows_the_journey(jobs: Callable[..., Any], ticket_id: int) -> None:
    """The step log kept by the pull, the portal and the webhook: one chain of stays from
    Submitted to the close, each left when the next began, and time-per-step counts them."""
    jobs(pull_tickets)

    def read(ctx: JobContext) -> list[tuple[str, datetime, datetime | None, str | None]]:
        with session_scope(ctx.engine) as s:
            return [(e.state, e.entered_at, e.left_at, e.next_state) for e in s.scalars(
                select(StepEntry).where(StepEntry.ticket_id == ticket_id)
                .order_by(StepEntry.entered_at, StepEntry.id))]

    log = jobs(read)
    assert log[0][0] == "new" and log[-1][3] == "closed successful", log
    assert all(left is not None and left >= entered for _, entered, left, _ in log), log
    assert [went for *_, went in log[:-1]] == [state for state, *_ in log[1:]], log
    assert {"client testing", "open"} <= {state for state, *_ in log}, log

    def report(ctx: JobContext) -> Any:
        with session_scope(ctx.engine) as s:
            return run_report("time-per-step", s, ReportFilter(item=DEFECT))

    testing = [r for r in jobs(report).records() if r["state"] == "client testing"]
    assert testing and testing[0]["left"] >= 1, testing


def test_a_ticket_waiting_for_the_customers_test_gets_one_reminder(
        server: LiveServer, portal: Flask, agent: ZnunyClient, simulator: Simulator,
        decisions: DecisionLog, webhook: WebhookSlot, settings: Settings,
        jobs: Callable[..., Any], run_marker: str) -> None:
    client, filed = _defect(portal, server, simulator, decisions, f"{run_marker}-remind")
    ticket_id = filed.ticket_id
    _agent_moves(agent, webhook, ticket_id, TO_CLIENT_TESTING)
    jobs(pull_tickets)
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        row = s.get(TicketCache, ticket_id)
        assert row is not None and row.state == "client testing"
        entered = row.state_since
    engine.dispose()
    assert entered is not None
    # when the step's limits fall due, counted as the deadline watch counts them
    item = simulator.plugins.item(DEFECT)
    assert item.workflow is not None
    step = item.workflow.step_for_state("client testing")
    assert step is not None
    calendar, _ = item.deadline.calendar_for(simulator.plugins.store(server.customer_company))
    remind, escalate = step.due(calendar, entered)
    assert remind is not None and escalate is not None
    before = len(agent.ticket_get(ticket_id, all_articles=True).articles)

    # (other tickets the pull found in a step — earlier runs' — get theirs too)
    assert jobs(send_step_notices, at=remind - timedelta(minutes=1))["failed"] == 0
    assert len(agent.ticket_get(ticket_id, all_articles=True).articles) == before
    at = remind + timedelta(minutes=1)
    assert at < escalate
    counts = jobs(send_step_notices, at=at)
    assert counts["remind"] >= 1 and counts["failed"] == 0, counts
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert len(ticket.articles) == before + 1
    reminder = ticket.articles[-1]
    subject = reminder_subject(filed.ticket_number).get("en")
    # mailed (the customer's address is known): Znuny puts its ticket hook before the subject
    assert reminder.subject in (subject, f"[Ticket#{filed.ticket_number}] {subject}")
    assert reminder.is_visible_for_customer and reminder.sender_type == "agent"
    assert "Waiting for your test" in reminder.body
    assert ticket.priority == "3 normal" and ticket.state == "client testing"
    assert subject in _page(client, ticket_id)

    jobs(send_step_notices, at=at + timedelta(minutes=30))  # again: nothing more
    assert len(agent.ticket_get(ticket_id, all_articles=True).articles) == before + 1


def test_an_agents_move_outside_the_workflow_is_put_back_with_an_internal_note(
        server: LiveServer, portal: Flask, agent: ZnunyClient, simulator: Simulator,
        decisions: DecisionLog, webhook: WebhookSlot, jobs: Callable[..., Any],
        run_marker: str) -> None:
    client, filed = _defect(portal, server, simulator, decisions, f"{run_marker}-guard")
    ticket_id = filed.ticket_id
    jobs(pull_tickets)  # the companion knows the ticket as Submitted
    agent.ticket_update(ticket_id, ticket=TicketChanges(state="ready to install"))
    counts = jobs(pull_tickets)
    assert counts.get("refused") == 1, counts
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "new"
    notes = [a for a in ticket.articles if a.subject.startswith("Move refused")]
    assert [n.subject for n in notes] == ["Move refused: Submitted -> Ready to install"]
    assert not notes[0].is_visible_for_customer
    assert "Moves allowed from Submitted:" in notes[0].body
    assert "Start the review -> In review (agent)" in notes[0].body
    page = _page(client, ticket_id)
    assert "Move refused" not in page and "Moves allowed" not in page
    assert re.search(r'step-current"[^>]*>Submitted', page)

    articles = len(ticket.articles)
    again = jobs(pull_tickets)  # the put-back itself is no move to refuse
    assert not again.get("refused"), again
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "new" and len(ticket.articles) == articles


def _approval_id(settings: Settings, ticket_id: int) -> int:
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            row = approval_for_ticket(s, ticket_id)
            assert row is not None, f"no approval recorded for ticket {ticket_id}"
            return row.id
    finally:
        engine.dispose()


def _decide(client: FlaskClient, approval_id: int, decision: str, comment: str) -> tuple[
        int, str]:
    token = csrf_token(client.get("/approvals").get_data(as_text=True))
    response = client.post(f"/approvals/{approval_id}", data={
        "csrf_token": token, "decision": decision, "comment": comment})
    if response.status_code == 303:
        return 303, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def test_a_vacation_request_waits_for_its_manager_and_nobody_else_can_approve_it(
        server: LiveServer, portal: Flask, agent: ZnunyClient, simulator: Simulator,
        decisions: DecisionLog, settings: Settings, approver_password: str,
        run_marker: str) -> None:
    requester = login(portal, server.customer, server.customer_password)
    filed = file_request(requester, simulator, decisions, "hr.vacation-request",
                         customer=server.customer, company=server.customer_company,
                         marker=f"{run_marker}-vacation")
    ticket = agent.ticket_get(filed.ticket_id, all_articles=True)
    assert (ticket.state, ticket.state_type) == ("waiting for approval", "pending reminder")
    articles = len(ticket.articles)
    assert "Waiting for approval by" in _page(requester, filed.ticket_id)
    approval = _approval_id(settings, filed.ticket_id)

    other = login(portal, server.other, server.other_password)
    for who, client in ((server.other, other), (server.customer, requester)):
        status, _ = _decide(client, approval, "approve", "Fine by me")
        assert status == 404, who
        assert "Nothing waits for your approval." in client.get("/approvals").get_data(
            as_text=True), who
    ticket = agent.ticket_get(filed.ticket_id, all_articles=True)
    assert ticket.state == "waiting for approval" and len(ticket.articles) == articles

    manager = login(portal, STORE_MANAGER, approver_password)
    listed = manager.get("/approvals").get_data(as_text=True)
    assert "Vacation request" in listed and "Store 007" in listed
    status, after = _decide(manager, approval, "approve", f"Enjoy ({run_marker})")
    assert status == 303 and "Approved: work on the request can start." in after
    ticket = agent.ticket_get(filed.ticket_id, all_articles=True)
    assert ticket.state == "new"
    last = ticket.articles[-1]
    assert last.body == f"Approved by Store Manager: Enjoy ({run_marker})"
    assert last.is_visible_for_customer
    assert "Waiting for approval by" not in _page(requester, filed.ticket_id)


def _parts(settings: Settings, reference: str) -> list[tuple[BundlePartRow, int | None]]:
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            rows = s.scalars(select(BundlePartRow).where(
                BundlePartRow.request_id.like(f"{reference}-P%"))
                .order_by(BundlePartRow.number)).all()
            out = [(row, s.scalar(select(Outbox.ticket_id).where(
                Outbox.request_id == row.request_id))) for row in rows]
            for row, _ in out:
                s.expunge(row)
            return out
    finally:
        engine.dispose()


def test_a_new_employee_is_filed_in_four_departments_and_closes_once_every_part_is_done(
        server: LiveServer, portal: Flask, agent: ZnunyClient, simulator: Simulator,
        decisions: DecisionLog, settings: Settings, jobs: Callable[..., Any],
        approver_password: str, run_marker: str) -> None:
    client = login(portal, HEAD_OFFICE_CLERK, approver_password)
    filed = file_request(client, simulator, decisions, "hr.new-employee",
                         customer=HEAD_OFFICE_CLERK, company="head-office",
                         marker=f"{run_marker}-bundle")
    parent = agent.ticket_get(filed.ticket_id)
    assert parent.queue == "HR"
    assert _page(client, filed.ticket_id).count("to be filed") == 4

    counts = jobs(run_bundles)
    assert counts["filed"] == 4, counts
    parts = _parts(settings, filed.reference)
    assert len(parts) == 4
    roots = set()
    for part, ticket_id in parts:
        assert ticket_id is not None, part.item
        ticket = agent.ticket_get(ticket_id, all_articles=True, dynamic_fields=True)
        assert ticket.queue == part.decision["queue"], part.item
        roots.add(ticket.queue.split("::")[0])
        assert ticket.dynamic_fields.get(PARENT_FIELD) == parent.ticket_number, part.item
        assert ticket.dynamic_fields.get("RadiantCategory") == part.item
        assert ticket.customer_user_id == HEAD_OFFICE_CLERK
        assert f"of request {parent.ticket_number}." in ticket.articles[0].body
    assert roots == BUNDLE_DEPARTMENTS
    assert jobs(run_bundles)["filed"] == 0
    page = _page(client, filed.ticket_id)
    assert "to be filed" not in page and "0 of 4 parts done" in page

    for _, ticket_id in parts:
        assert ticket_id is not None
        agent.ticket_update(ticket_id, ticket=TicketChanges(state="closed successful"))
    jobs(pull_tickets)
    assert jobs(run_bundles)["closed"] == 1
    parent = agent.ticket_get(filed.ticket_id, all_articles=True)
    assert parent.state == "closed successful"
    assert parent.articles[-1].body.startswith("All parts of this request are done:")
    articles = len(parent.articles)
    jobs(pull_tickets)
    assert jobs(run_bundles)["closed"] == 0
    assert len(agent.ticket_get(filed.ticket_id, all_articles=True).articles) == articles
