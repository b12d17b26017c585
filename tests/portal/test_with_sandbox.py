"""The portal with its real adapters against the sandbox Znuny (retail seed) over HTTP.

These are the security tests that matter most: they go through the client, the plugins and
the outbox exactly as production does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.client import AgentCredentials, NewArticle, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal import create_app
from radiant_ext.portal.adapters import listing
from radiant_ext.store import Outbox, OutboxState, make_engine, session_scope
from tests import _sandbox
from tests._sandbox import sandbox_settings

# the sandbox Znuny's fixtures (tests/_sandbox.py)
faults = _sandbox.faults
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny


@pytest.fixture
def settings(znuny: str, sandbox_dir: Path, tmp_path: Path) -> Settings:
    return sandbox_settings(znuny, sandbox_dir, tmp_path)


@pytest.fixture
def portal(settings: Settings) -> Iterator[Flask]:
    app = create_app({"RADIANT_SETTINGS": settings, "TESTING": True, "SECRET_KEY": "t",
                      "PORTAL_SESSION_CHECK_SECONDS": 0})
    yield app
    app.extensions["radiant_portal"]["services"].close()


@pytest.fixture
def agent(znuny: str) -> Iterator[ZnunyClient]:
    client = ZnunyClient(znuny, credentials=AgentCredentials("radiant", "radiant-demo"))
    yield client
    client.close()


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match
    return match.group(1)


def _login(portal: Flask, login: str, password: str = "demo") -> tuple[FlaskClient, Any]:
    client = portal.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": login, "password": password,
                                           "csrf_token": token, "next": "/"})
    return client, response


def _numbered_confirmation(client: FlaskClient, location: str, seconds: float = 20) -> str:
    """The confirmation page once it shows the ticket number (it refreshes itself until
    Znuny has answered; the request is sent on the portal's sender threads)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        page = client.get(location).get_data(as_text=True)
        if re.search(r'href="/requests/\d+"', page) or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def _file_pos_request(client: FlaskClient, **hostile: str) -> tuple[str, int]:
    html = client.get("/new/it.pos-down").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    impact = re.search(r'<select[^>]*name="f_impact".*?<option value="([^"]+)"', html, re.S)
    assert ref and impact
    data = {"csrf_token": _token(html), "request_id": ref.group(1), "f_register": "2",
            "f_impact": impact.group(1), "f_description": "Register 2 is frozen", **hostile}
    response = client.post("/new/it.pos-down", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = _numbered_confirmation(client, response.headers["Location"])
    link = re.search(r'href="/requests/(\d+)"', page)
    return page, int(link.group(1)) if link else 0


def test_login_with_znuny_customer_credentials(portal: Flask) -> None:
    client, response = _login(portal, "demo-customer")
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert 'href="/new/it.pos-down"' in home
    _, wrong = _login(portal, "demo-customer", "wrong")
    assert wrong.status_code == 401
    _, agent_as_customer = _login(portal, "demo-agent")
    assert agent_as_customer.status_code == 401


def test_filed_request_is_the_logged_in_customers_whatever_the_form_says(
    portal: Flask, agent: ZnunyClient
) -> None:
    client, _ = _login(portal, "demo-customer")
    page, ticket_id = _file_pos_request(
        client, CustomerUser="flagship-clerk", f_store="store-001", Priority="1 very low")
    assert "has the number" in page and "Expected by" in page
    ticket = agent.ticket_get(ticket_id, dynamic_fields=True)
    assert ticket.customer_user_id == "demo-customer"
    assert ticket.dynamic_fields["RadiantStore"] == "store-007"
    assert ticket.dynamic_fields["RadiantCategory"] == "it.pos-down"
    listed = client.get("/requests").get_data(as_text=True)
    assert ticket.ticket_number in listed
    detail = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
    owner = re.search(r"<dt>Handled by</dt><dd>([^<]+)</dd>", detail)
    assert owner and owner.group(1) not in ("", ticket.owner)  # the agent's name, not login


def test_foreign_ticket_is_404_for_every_action(portal: Flask, agent: ZnunyClient) -> None:
    flagship, _ = _login(portal, "flagship-clerk")
    _, ticket_id = _file_pos_request(flagship)
    detail = flagship.get(f"/requests/{ticket_id}").get_data(as_text=True)
    article = re.search(r'id="a(\d+)-h"', detail)
    assert article
    clerk, _ = _login(portal, "demo-customer")
    token = _token(clerk.get("/").get_data(as_text=True))
    assert clerk.get(f"/requests/{ticket_id}").status_code == 404
    assert clerk.get(f"/requests/{ticket_id}/files/{article.group(1)}/1").status_code == 404
    for action in ("reply", "close", "reopen"):
        response = clerk.post(f"/requests/{ticket_id}/{action}",
                              data={"csrf_token": token, "body": "x", "reason": "x"})
        assert response.status_code == 404, action
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    assert len(ticket.articles) == 1 and ticket.state == "new"


def test_internal_note_is_hidden_from_the_customer(portal: Flask, agent: ZnunyClient) -> None:
    client, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(client)
    agent.ticket_update(ticket_id, article=NewArticle(
        subject="note", body="INTERNAL: replace mainboard", content_type="text/plain; charset=utf8",
        communication_channel="Internal", is_visible_for_customer=False))
    agent.ticket_update(ticket_id, article=NewArticle(
        subject="reply", body="A technician comes at 11", content_type="text/plain; charset=utf8",
        communication_channel="Internal", is_visible_for_customer=True, sender_type="agent"))
    html = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert "A technician comes at 11" in html
    assert "INTERNAL" not in html and "mainboard" not in html


def test_expired_znuny_session_returns_to_login_and_back(
    portal: Flask, znuny: str
) -> None:
    client, _ = _login(portal, "demo-customer")
    assert client.get("/requests").status_code == 200
    store = portal.extensions["radiant_portal"]["sessions"]
    with client.session_transaction() as cookie:
        gi_session = store.get(cookie["sid"]).gi_session_id
    requests.post(f"{znuny}/__sandbox__/sessions/age",
                  json={"SessionID": gi_session, "Seconds": 7260}, timeout=5).raise_for_status()
    response = client.get("/requests")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/requests"


def test_znuny_down_at_submit_keeps_the_request_in_the_outbox(
    portal: Flask, settings: Settings, faults: Any
) -> None:
    client, _ = _login(portal, "demo-customer")
    html = client.get("/new/it.pos-down").get_data(as_text=True)
    faults("down")
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    impact = re.search(r'<select[^>]*name="f_impact".*?<option value="([^"]+)"', html, re.S)
    assert ref and impact
    response = client.post("/new/it.pos-down", data={
        "csrf_token": _token(html), "request_id": ref.group(1), "f_register": "3",
        "f_impact": impact.group(1), "f_description": "Down while Znuny is down"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Your reference: {ref.group(1)}" in page
    # the sandbox hangs up without an answer: the ticket may exist, so "being filed", never
    # "cannot be reached"
    assert "request is saved and is being filed" in page and "Expected by" in page
    # The attempt runs on a sender thread and may still be under way (the client retries a
    # hang-up); once it gives up, the request waits in the outbox for the drain.
    engine = make_engine(settings.effective_database_url)
    deadline = time.monotonic() + 30
    while True:
        with session_scope(engine) as s:
            row = s.query(Outbox).filter_by(request_id=ref.group(1)).one()
            state, customer = row.state, row.customer_user
        if state != OutboxState.SENDING or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    engine.dispose()
    assert state == OutboxState.PENDING and customer == "demo-customer"
    listed = client.get("/requests")
    assert listed.status_code == 200
    html = listed.get_data(as_text=True)
    assert ref.group(1) in html and "Saved, being filed" in html
    assert "only requests saved here and not yet filed are shown" in html


def test_znuny_down_at_login_is_503(portal: Flask, faults: Any) -> None:
    faults("down")
    _, response = _login(portal, "demo-customer")
    assert response.status_code == 503


def test_webhook_endpoint_is_served_without_csrf_but_with_auth(portal: Flask) -> None:
    response = portal.test_client().post("/-/znuny/webhook", json={"Event": {}})
    assert response.status_code == 401  # asks for credentials, not for a CSRF token


def test_reports_are_offered_only_to_managers_and_agents(portal: Flask) -> None:
    client, _ = _login(portal, "demo-customer")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/reports/"' in home
    response = client.get("/reports/")
    assert response.status_code in (200, 403)
    assert "Reports are open to help desk agents" in response.get_data(as_text=True)


def _file(client: FlaskClient, item: str, fields: dict[str, str]) -> None:
    html = client.get(f"/new/{item}").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref
    data = {"csrf_token": _token(html), "request_id": ref.group(1), **fields}
    response = client.post(f"/new/{item}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]


def test_live_lists_filter_by_category_and_page(portal: Flask) -> None:
    portal.config["PORTAL_PAGE_SIZE"] = 2
    client, _ = _login(portal, "store-manager")
    html = client.get("/new/it.receipt-printer").get_data(as_text=True)
    required = re.findall(r'<(?:input|textarea|select)[^>]*name="(f_[a-z_]+)"[^>]*required', html)
    fields = {name: "2" for name in required}
    for _ in range(2):
        _file(client, "it.receipt-printer", fields)
    _, pos_id = _file_pos_request(client)
    everything = client.get("/requests").get_data(as_text=True)
    assert "Page 1 of 2 (3 requests)" in everything
    printers = client.get("/requests?category=it.receipt-printer").get_data(as_text=True)
    assert len(re.findall(r'href="/requests/\d+"', printers)) == 2
    assert f'href="/requests/{pos_id}"' not in printers
    clerk, _ = _login(portal, "demo-customer")
    colleague_view = clerk.get("/requests/company?state=all").get_data(as_text=True)
    assert f'href="/requests/{pos_id}"' in colleague_view  # same store, company view
    assert f'href="/requests/{pos_id}"' not in clerk.get("/requests").get_data(as_text=True)


def test_a_customer_with_more_requests_than_a_live_list_holds_sees_the_newest(
    portal: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the live search's limit the oldest requests are left out, never the newest, and
    the page says the list is cut."""
    monkeypatch.setattr(listing, "LIVE_LIMIT", 2)
    client, _ = _login(portal, "store-manager")
    filed = []
    for _ in range(3):  # a second apart: Znuny orders by creation time, in whole seconds
        filed.append(_file_pos_request(client)[1])
        time.sleep(1.05)
    html = client.get("/requests?state=all").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'href="/requests/(\d+)"', html)}
    assert set(filed[-2:]) <= shown
    assert filed[0] not in shown
    assert "Only your newest 2 requests are listed here." in html
    monkeypatch.setattr(listing, "LIVE_LIMIT", 500)
    assert "Only your newest" not in client.get("/requests?state=all").get_data(as_text=True)


def _file_numbered(client: FlaskClient, item: str, fields: dict[str, str]) -> int:
    """File ``item`` and return the new ticket's id from the confirmation page."""
    html = client.get(f"/new/{item}").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref
    response = client.post(f"/new/{item}", data={
        "csrf_token": _token(html), "request_id": ref.group(1), **fields})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    page = _numbered_confirmation(client, response.headers["Location"])
    link = re.search(r'href="/requests/(\d+)"', page)
    assert link, page[-2000:]
    return int(link.group(1))


def test_third_receipt_printer_request_from_a_store_is_raised_by_the_repeat_rule(
    portal: Flask, settings: Settings, agent: ZnunyClient
) -> None:
    from radiant_ext.portal.ports import Customer
    from radiant_ext.sync import JobContext
    from radiant_ext.sync.tickets import pull_tickets

    client, _ = _login(portal, "demo-customer")
    fields = {"f_register": "4", "f_description": "Receipts come out blank"}
    first = _file_numbered(client, "it.receipt-printer", fields)
    _file_numbered(client, "it.receipt-printer", fields)
    context = JobContext.from_settings(settings)
    try:
        pull_tickets(context)  # the ticket cache the repeat-incident rule counts from
    finally:
        context.close()
    catalog = portal.extensions["radiant_portal"]["services"].catalog
    clerk = Customer("demo-customer", "store-007", "Dana Clerk")
    item = catalog.item("it.receipt-printer", clerk, "en")
    preview = catalog.route(item, clerk, {"register": "4"}).decision  # the form's promise
    assert "repeat-incident" in [rule.id for rule in preview.rules_fired]
    third = _file_numbered(client, "it.receipt-printer", fields)
    base = agent.ticket_get(first).priority
    raised = agent.ticket_get(third).priority
    assert (base, raised) == ("3 normal", "4 high")
    assert preview.priority == raised


def test_a_double_submitted_request_announces_its_ticket_to_plugins_once(
    portal: Flask, agent: ZnunyClient
) -> None:
    from radiant_ext.plugins import hookimpl

    calls: list[tuple[int, str, str | None]] = []

    class Recorder:
        @hookimpl
        def radiant_ticket_created(
            self, ticket_id: int, ticket_number: str, item: Any, decision: Any
        ) -> None:
            calls.append((ticket_id, ticket_number, decision.item_id if decision else None))

    portal.extensions["radiant_portal"]["services"].catalog.plugins.pm.register(Recorder())
    client, _ = _login(portal, "demo-customer")
    html = client.get("/new/it.pos-down").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    impact = re.search(r'<select[^>]*name="f_impact".*?<option value="([^"]+)"', html, re.S)
    assert ref and impact
    data = {"csrf_token": _token(html), "request_id": ref.group(1), "f_register": "1",
            "f_impact": impact.group(1), "f_description": "Clicked twice"}
    first, second = (client.post("/new/it.pos-down", data=data) for _ in range(2))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    page = _numbered_confirmation(client, second.headers["Location"])
    link = re.search(r'href="/requests/(\d+)"', page)
    assert link
    ticket = agent.ticket_get(int(link.group(1)), dynamic_fields=True)
    assert ticket.dynamic_fields["RadiantRequestID"] == ref.group(1)
    portal.extensions["radiant_portal"]["services"].submissions.close()  # sends finished
    assert calls == [(ticket.ticket_id, ticket.ticket_number, "it.pos-down")]


def _mark_cache_filled(settings: Settings) -> None:
    """As after the ticket-pull job's first run: lists are served from the ticket cache."""
    from radiant_ext.store import SyncCursor

    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        if s.get(SyncCursor, "ticket-pull") is None:
            s.add(SyncCursor(name="ticket-pull", value=None))
    engine.dispose()
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        s.execute(SyncCursor.__table__.update().values(value=datetime.now(UTC)))
    engine.dispose()


def _list_row(html: str, ticket_id: int) -> str:
    match = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*href="/requests/{ticket_id}"(?:(?!</tr>).)*</tr>',
                      html, re.S)
    assert match, html[-3000:]
    return match.group(0)


def test_lists_show_a_request_right_after_filing_and_closing(
    portal: Flask, settings: Settings
) -> None:
    _mark_cache_filled(settings)
    client, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(client)
    mine = client.get("/requests").get_data(as_text=True)
    row = _list_row(mine, ticket_id)
    # the store, before any pull has read the ticket
    assert re.search(r'data-label="Store">[^<]*Yekaterinburg', row), row
    shown = len(re.findall(r'href="/requests/\d+"', mine))
    assert re.search(rf"<p>{shown} requests?</p>", mine), "the count agrees with the rows"
    colleague, _ = _login(portal, "store-manager")
    company = colleague.get("/requests/company?state=all").get_data(as_text=True)
    _list_row(company, ticket_id)
    detail = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
    response = client.post(f"/requests/{ticket_id}/close",
                           data={"csrf_token": _token(detail), "confirm": "yes"})
    assert response.status_code == 302
    closed = client.get("/requests?state=closed").get_data(as_text=True)
    state = re.search(r'data-label="State">([^<]*)<', _list_row(closed, ticket_id))
    assert state and state.group(1) == "Solved", state  # "closed successful"
    still_open = client.get("/requests?state=open").get_data(as_text=True)
    assert f'href="/requests/{ticket_id}"' not in still_open


def test_a_reference_the_portal_did_not_issue_is_refused(
    portal: Flask, settings: Settings
) -> None:
    victim, _ = _login(portal, "flagship-clerk")
    _, victim_ticket = _file_pos_request(victim)
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        victim_ref = s.query(Outbox).filter_by(ticket_id=victim_ticket).one().request_id
    engine.dispose()
    attacker, _ = _login(portal, "demo-customer")
    for forged in (victim_ref, "RQ-20261123-AAAAAAAA"):
        html = attacker.get("/new/it.pos-down").get_data(as_text=True)
        impact = re.search(r'<select[^>]*name="f_impact".*?<option value="([^"]+)"', html, re.S)
        assert impact
        response = attacker.post("/new/it.pos-down", data={
            "csrf_token": _token(html), "request_id": forged, "f_register": "2",
            "f_impact": impact.group(1), "f_description": "Register 2 is frozen"},
            follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.history[0].status_code == 303  # post/redirect/get
        assert "opened in another session or has expired" in page
        assert forged not in page
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        rows = s.query(Outbox).filter_by(request_id=victim_ref).all()
        assert [r.customer_user for r in rows] == ["flagship-clerk"]
        assert s.query(Outbox).filter_by(request_id="RQ-20261123-AAAAAAAA").count() == 0
    engine.dispose()


def test_hundreds_of_portal_requests_use_one_agent_session(
    portal: Flask, sandbox_dir: Path
) -> None:
    from tests._znuny_sessions import agent_sessions as sessions_of

    def agent_sessions() -> int:
        return sessions_of(sandbox_dir / "sandbox.sqlite")

    before = agent_sessions()  # other tests' portals left theirs
    client, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(client)
    for n in range(500):
        path = f"/requests/{ticket_id}" if n % 2 else "/requests"
        assert client.get(path).status_code == 200
    assert agent_sessions() - before <= 1  # one agent session serves filing and all reads


def test_znuny_answering_500_on_a_request_page_is_a_503_not_a_server_error(
    portal: Flask, faults: Any
) -> None:
    client, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(client)
    faults("error500")
    page = client.get(f"/requests/{ticket_id}")
    assert page.status_code == 503
