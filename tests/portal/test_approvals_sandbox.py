"""Approvals with the real adapters against the sandbox Znuny: a vacation request of store
007's clerk is filed at once waiting for approval; its store manager approves it (the ticket
goes on, with the article) or declines it (closed, the requester sees why); nobody else can
decide it, a decision sent twice is made once, and Znuny down loses nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from radiant_ext.client import TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.store import (
    ApprovalRequest,
    Outbox,
    OutboxState,
    make_engine,
    session_scope,
    utcnow,
)
from radiant_ext.store.approvals import approval_for_ticket, waiting_approvals
from radiant_ext.sync import JobContext
from radiant_ext.sync.drain import drain_outbox
from tests import _sandbox
from tests.portal import test_with_sandbox as with_sandbox
from tests.portal.test_feedback import outbox_row
from tests.portal.test_with_sandbox import _login, _numbered_confirmation, _token

agent = with_sandbox.agent
portal = with_sandbox.portal
faults = _sandbox.faults
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny


settings = _sandbox.settings_both_stores


def _vacation(client: FlaskClient, days: str = "10",
              wait: bool = True) -> tuple[FlaskClient, str]:
    """File a vacation request; return the client and the confirmation page once it shows
    the ticket number (``wait=False``: the request's reference at once)."""
    html = client.get("/new/hr.vacation-request").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref, html[:2000]
    first = (date.today() + timedelta(days=30)).isoformat()  # the form asks 14+ days ahead
    response = client.post("/new/hr.vacation-request", data={
        "csrf_token": _token(html), "request_id": ref.group(1), "f_first_day": first,
        "f_days": days, "f_substitute": "Fyodor", "f_description": "Family trip"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    if not wait:
        return client, ref.group(1)
    return client, _numbered_confirmation(client, response.headers["Location"])


def _filed(portal: Flask) -> int:
    client, _ = _login(portal, "demo-customer")
    _, page = _vacation(client)
    link = re.search(r'href="/requests/(\d+)"', page)
    assert link, page[:2000]
    return int(link.group(1))


def _approval_id(settings: Settings, ticket_id: int) -> int:
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            row = approval_for_ticket(s, ticket_id)
            assert row is not None
            return row.id
    finally:
        engine.dispose()


def _decide(portal: Flask, login: str, approval_id: int, decision: str,
            comment: str = "") -> tuple[int, str]:
    client, _ = _login(portal, login)
    token = _token(client.get("/").get_data(as_text=True))
    response = client.post(f"/approvals/{approval_id}", data={
        "csrf_token": token, "decision": decision, "comment": comment})
    if response.status_code == 303:
        return 303, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def test_filed_waiting_then_approved_moves_on_with_the_article(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    ticket_id = _filed(portal)
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "waiting for approval" and ticket.state_type == "pending reminder"
    requester, _ = _login(portal, "demo-customer")
    page = requester.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert "Waiting for approval by the store manager" in page
    assert re.search(r'step-current"[^>]*>Waiting for approval', page)  # the progress line
    assert re.search(r'step-next"[^>]*>Submitted', page)
    assert "/approvals" not in requester.get("/").get_data(as_text=True)  # nothing to decide
    manager, _ = _login(portal, "store-manager")
    assert 'href="/approvals"' in manager.get("/").get_data(as_text=True)
    listed = manager.get("/approvals").get_data(as_text=True)
    assert "Daria Kassirova" in listed and "Vacation request" in listed
    assert "Store 007 Yekaterinburg Vainera" in listed
    assert re.search(r"\d\d:\d\d \([^)]*(Asia/Yekaterinburg|GMT\+05:00)[^)]*\)", listed), listed
    assert "Number of calendar days" in listed and "Family trip" not in listed
    status, after = _decide(portal, "store-manager", _approval_id(settings, ticket_id),
                            "approve", "Enjoy")
    assert status == 303 and "Approved: work on the request can start." in after
    assert "Nothing waits for your approval." in after
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "new"
    last = ticket.articles[-1]
    assert last.body == "Approved by Marina Upravlyaeva: Enjoy" and last.is_visible_for_customer
    page = requester.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert "Waiting for approval by" not in page


def test_declined_is_closed_and_the_requester_reads_why(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    ticket_id = _filed(portal)
    approval = _approval_id(settings, ticket_id)
    status, page = _decide(portal, "store-manager", approval, "decline")
    assert status == 400 and "Please say why you decline it" in page
    assert agent.ticket_get(ticket_id).state == "waiting for approval"
    status, _ = _decide(portal, "store-manager", approval, "decline", "Inventory week")
    assert status == 303
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "closed unsuccessful"
    requester, _ = _login(portal, "demo-customer")
    page = requester.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert "Declined by Marina Upravlyaeva: Inventory week" in page


def test_nobody_else_can_decide_and_nothing_changes(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    ticket_id = _filed(portal)
    approval = _approval_id(settings, ticket_id)
    # the requester, another store's manager (store-001's), the head office
    for login in ("demo-customer", "flagship-clerk", "office-anna"):
        status, _ = _decide(portal, login, approval, "approve", "me too")
        assert status == 404, login
        client, _ = _login(portal, login)
        assert "Nothing waits for your approval." in client.get("/approvals").get_data(
            as_text=True)
    manager, _ = _login(portal, "store-manager")
    forged = manager.post(f"/approvals/{approval}", data={"decision": "approve"})  # no CSRF
    assert forged.status_code == 400
    status, _ = _decide(portal, "store-manager", approval + 10_000, "approve")
    assert status == 404
    anonymous = portal.test_client().post(f"/approvals/{approval}",
                                          data={"decision": "approve"})
    assert anonymous.status_code in (302, 400, 401)
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "waiting for approval" and len(ticket.articles) == 1


def test_a_decision_sent_twice_is_made_once_and_a_moved_on_ticket_is_named(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    ticket_id = _filed(portal)
    approval = _approval_id(settings, ticket_id)
    assert _decide(portal, "store-manager", approval, "approve", "ok")[0] == 303
    status, page = _decide(portal, "store-manager", approval, "approve", "ok")
    assert status == 303 and "already decided; nothing was changed" in page
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert ticket.state == "new" and len(ticket.articles) == 2
    other = _filed(portal)
    agent.ticket_update(other, ticket=TicketChanges(state="open"))  # an agent went ahead
    status, page = _decide(portal, "store-manager", _approval_id(settings, other), "decline",
                           "no")
    assert status == 303 and "has moved on in the help desk" in page
    assert "Nothing waits for your approval." in page  # off the page: nothing to decide
    status, page = _decide(portal, "store-manager", _approval_id(settings, other), "approve")
    assert status == 303 and "has moved on in the help desk" in page  # sent again: the same
    assert agent.ticket_get(other).state == "open"


def test_znuny_down_at_decision_changes_nothing_and_it_can_be_decided_later(
        portal: Flask, agent: ZnunyClient, settings: Settings,
        faults: Callable[..., None]) -> None:
    ticket_id = _filed(portal)
    approval = _approval_id(settings, ticket_id)
    manager, _ = _login(portal, "store-manager")
    token = _token(manager.get("/approvals").get_data(as_text=True))
    faults("down")
    try:
        response = manager.post(f"/approvals/{approval}", data={
            "csrf_token": token, "decision": "approve", "comment": "ok"})
    finally:
        faults("none")
    assert response.status_code == 503
    assert "nothing was decided" in response.get_data(as_text=True)
    assert agent.ticket_get(ticket_id).state == "waiting for approval"
    assert _decide(portal, "store-manager", approval, "approve", "ok")[0] == 303
    assert agent.ticket_get(ticket_id).state == "new"


def test_znuny_down_at_filing_loses_nothing(
        portal: Flask, agent: ZnunyClient, settings: Settings,
        faults: Callable[..., None]) -> None:
    client, _ = _login(portal, "demo-customer")
    faults("down")
    try:
        _, reference = _vacation(client, days="5", wait=False)
        assert outbox_row(settings, reference).state == OutboxState.PENDING  # not filed
    finally:
        faults("none")
    manager, _ = _login(portal, "store-manager")
    listed = manager.get("/approvals").get_data(as_text=True)
    assert "Still being filed with the help desk" in listed
    found = re.search(r'action="/approvals/(\d+)"', listed)
    assert found
    status, page = _decide(portal, "store-manager", int(found.group(1)), "approve", "ok")
    assert status == 303 and "still being filed" in page
    later = utcnow() + timedelta(hours=1)  # past the row's retry time
    ctx = JobContext.from_settings(settings, now=lambda: later)
    try:
        assert drain_outbox(ctx)["sent"] == 1
    finally:
        ctx.close()
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            [row] = waiting_approvals(s, "store-manager")
            ticket_id = row.ticket_id
    finally:
        engine.dispose()
    assert ticket_id is not None
    assert agent.ticket_get(ticket_id).state == "waiting for approval"
    assert _decide(portal, "store-manager", int(found.group(1)), "approve", "ok")[0] == 303
    assert agent.ticket_get(ticket_id).state == "new"


def _in_russian(client: FlaskClient) -> None:
    token = _token(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"lang": "ru", "next": "/", "csrf_token": token})
    assert response.status_code in (302, 303)


def test_the_pages_in_russian(portal: Flask, settings: Settings) -> None:
    ticket_id = _filed(portal)
    requester, _ = _login(portal, "demo-customer")
    _in_russian(requester)
    page = requester.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert "Ждёт согласования руководителя магазина" in page
    manager, _ = _login(portal, "store-manager")
    _in_russian(manager)
    listed = manager.get("/approvals").get_data(as_text=True)
    assert "Ждут моего согласования" in listed and "Заявление на отпуск" in listed
    assert "Согласовать" in listed and "Отклонить" in listed
    token = _token(listed)
    response = manager.post(f"/approvals/{_approval_id(settings, ticket_id)}", data={
        "csrf_token": token, "decision": "decline", "comment": ""})
    assert response.status_code == 400
    assert "Пожалуйста, напишите, почему вы отклоняете заявку" in response.get_data(
        as_text=True)


def test_a_store_without_a_manager_is_told_and_nothing_is_filed(
        portal: Flask, settings: Settings) -> None:
    client, _ = _login(portal, "clerk-002-1")  # store-002 has no managers in the directory
    html = client.get("/new/hr.vacation-request").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref
    response = client.post("/new/hr.vacation-request", data={
        "csrf_token": _token(html), "request_id": ref.group(1),
        "f_first_day": (date.today() + timedelta(days=30)).isoformat(), "f_days": "3",
        "f_description": "A long weekend"})
    assert response.status_code == 303  # back to the form with its answers and the reason
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your store has no manager in our store directory" in page
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            assert s.scalar(select(Outbox).where(Outbox.request_id == ref.group(1))) is None
            assert s.scalar(select(ApprovalRequest).where(
                ApprovalRequest.request_id == ref.group(1))) is None
    finally:
        engine.dispose()


def test_plugins_hear_of_a_decision(portal: Flask, agent: ZnunyClient,
                                    settings: Settings) -> None:
    from datetime import UTC, datetime
    from typing import Any

    from radiant_ext.plugins import Plugins, hookimpl, make_plugin_manager
    from radiant_ext.portal.adapters.approvals import StoreApprovals
    from radiant_ext.store import make_session_factory

    heard: list[tuple[int, dict[str, Any]]] = []

    class Listener:
        @hookimpl
        def radiant_ticket_updated(self, ticket_id: int, ticket_number: str,
                                   changes: dict[str, Any]) -> None:
            heard.append((ticket_id, dict(changes)))

    ticket_id = _filed(portal)
    engine = make_engine(settings.effective_database_url)
    try:
        plugins = Plugins(make_plugin_manager(plugins=[Listener()],
                                              catalog_dirs=settings.catalog_dirs))
        approvals = StoreApprovals(make_session_factory(engine), agent, plugins)
        view = approvals.decide("store-manager", "Marina", _approval_id(settings, ticket_id),
                                "declined", "Not now", datetime.now(UTC))
    finally:
        engine.dispose()
    assert view.decision == "declined" and view.decided_by == "store-manager"
    assert heard == [(ticket_id, {"approval": "declined", "approver": "store-manager"})]



def test_a_store_manager_has_nobody_else_to_approve_their_own_request(portal: Flask) -> None:
    client, _ = _login(portal, "flagship-clerk")  # the manager of store-001
    html = client.get("/new/hr.vacation-request").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref
    response = client.post("/new/hr.vacation-request", data={
        "csrf_token": _token(html), "request_id": ref.group(1),
        "f_first_day": (date.today() + timedelta(days=30)).isoformat(), "f_days": "3"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody else can approve this request." in page
