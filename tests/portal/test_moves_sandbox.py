"""The requester's workflow moves with the real adapters against the sandbox Znuny: Znuny
takes the new state (and the pending time a pending state needs) and the requester's article;
another store's clerk, a moved-on ticket and an outage change nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from radiant_ext.client import TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal.adapters.listing import LiveLister
from radiant_ext.portal.adapters.tickets import ZnunyTickets
from radiant_ext.portal.ports import StateChanged, TicketMove, UpstreamUnavailable
from radiant_ext.store import language_of, make_engine, session_scope
from radiant_ext.store.workflow_events import customer_move_expected
from tests import _sandbox
from tests.portal import test_with_sandbox as with_sandbox
from tests.portal.conftest import CUSTOMERS
from tests.portal.test_with_sandbox import _file_pos_request, _login, _token

# the fixtures of the portal on the sandbox (test_with_sandbox.py, tests/_sandbox.py)
agent = with_sandbox.agent
portal = with_sandbox.portal
settings = with_sandbox.settings
faults = _sandbox.faults
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny


def _defect(portal: Flask, agent: ZnunyClient, login: str = "demo-customer") -> int:
    """A software defect of ``login``'s, installed for their test (client testing)."""
    client, _ = _login(portal, login)
    _, ticket_id = _file_pos_request(client)
    agent.ticket_update(ticket_id, dynamic_fields={"RadiantCategory": "it.software-defect"},
                        ticket=TicketChanges(state="client testing",
                                             pending_time=datetime.now(UTC) + timedelta(days=2)))
    return ticket_id


def _move(portal: Flask, ticket_id: int, to: str, login: str = "demo-customer",
          **data: str) -> tuple[int, str]:
    client, _ = _login(portal, login)
    page = client.get(f"/requests/{ticket_id}")
    token = _token(client.get("/requests").get_data(as_text=True))
    response = client.post(f"/requests/{ticket_id}/move/{to}",
                           data={"csrf_token": token, **data})
    follow = client.get(response.headers["Location"]) if response.status_code == 303 else None
    return response.status_code, (follow or page).get_data(as_text=True)


def test_still_broken_then_it_works_in_znuny(portal: Flask, agent: ZnunyClient,
                                             settings: Settings) -> None:
    ticket_id = _defect(portal, agent)
    client, _ = _login(portal, "demo-customer")
    html = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert re.search(r'step-current"[^>]*>Waiting for your test', html)
    assert re.search(r"since \d+ \w+ \d{4}, \d\d:\d\d \([^)]*GMT\+05:00\)", html)
    priority = agent.ticket_get(ticket_id).priority
    status, page = _move(portal, ticket_id, "in-progress", reason="Export stops at page 2",
                         State="closed unsuccessful", Priority="1 very low",
                         CustomerUser="flagship-clerk")  # not forwarded
    assert status == 303 and "Done: Still broken." in page
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "open" and ticket.priority == priority
    assert ticket.customer_user_id == "demo-customer"
    engine = make_engine(settings.effective_database_url)
    try:  # the workflow guard lets the change through as the requester's
        with session_scope(engine) as session:
            assert customer_move_expected(session, ticket_id, "client testing", "open",
                                          datetime.now(UTC))
            assert language_of(session, "demo-customer") == "en"
    finally:
        engine.dispose()
    last = ticket.articles[-1]
    assert last.body == "Export stops at page 2" and last.sender_type == "customer"
    assert last.is_visible_for_customer and last.subject.startswith("Still broken: ")
    agent.ticket_update(ticket_id, ticket=TicketChanges(
        state="client testing", pending_time=datetime.now(UTC) + timedelta(days=2)))
    status, page = _move(portal, ticket_id, "completed")
    assert status == 303 and agent.ticket_get(ticket_id).state == "closed successful"
    assert re.search(r'step-current"[^>]*>Completed', page)


def test_a_refused_move_and_another_stores_clerk_change_nothing(
    portal: Flask, agent: ZnunyClient
) -> None:
    ticket_id = _defect(portal, agent)
    status, _ = _move(portal, ticket_id, "completed", login="flagship-clerk")
    assert status == 404
    status, page = _move(portal, ticket_id, "in-review")
    assert status == 303
    assert "A request cannot go from Waiting for your test to In review." in page
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "client testing" and len(ticket.articles) == 1


def test_znuny_down_changes_nothing(portal: Flask, agent: ZnunyClient,
                                    faults: Callable[..., None]) -> None:
    ticket_id = _defect(portal, agent)
    client, _ = _login(portal, "demo-customer")
    token = _token(client.get(f"/requests/{ticket_id}").get_data(as_text=True))
    faults("down")
    response = client.post(f"/requests/{ticket_id}/move/in-progress",
                           data={"csrf_token": token, "reason": "Still crashes"})
    faults("none")
    assert response.status_code == 503
    assert "nothing was changed" in response.get_data(as_text=True)
    assert agent.ticket_get(ticket_id).state == "client testing"


def test_the_adapter_sets_a_pending_time_and_checks_the_state(
    portal: Flask, agent: ZnunyClient
) -> None:
    ticket_id = _defect(portal, agent)
    agent.ticket_update(ticket_id, ticket=TicketChanges(state="ready to install"))
    tickets = ZnunyTickets(agent, LiveLister(agent))
    me = CUSTOMERS["demo-customer"]
    def store_down(*_: object) -> None:
        raise OSError("store down")

    unrecorded = ZnunyTickets(agent, LiveLister(agent), expect_move=store_down)
    with pytest.raises(UpstreamUnavailable):  # the guard would put it back: none is sent
        unrecorded.move(me, ticket_id, TicketMove("ready to install", "client testing", "T",
                                                  "x", pending_until=datetime.now(UTC)))
    assert agent.ticket_get(ticket_id).state == "ready to install"
    with pytest.raises(StateChanged) as moved:
        tickets.move(me, ticket_id, TicketMove("client testing", "open", "Still broken", "x"))
    assert moved.value.state == "ready to install"
    with pytest.raises(UpstreamUnavailable):  # Znuny refuses a pending state without a time
        tickets.move(me, ticket_id, TicketMove("ready to install", "client testing", "T", "x"))
    until = (datetime.now(UTC) + timedelta(hours=72)).replace(second=0, microsecond=0)
    tickets.move(me, ticket_id, TicketMove("ready to install", "client testing", "T", "x",
                                           pending_until=until))
    ticket = agent.ticket_get(ticket_id)
    assert ticket.state == "client testing"
    assert ticket.until_time is not None and 71 * 3600 < ticket.until_time <= 72 * 3600
