"""Customers use the portal against a real Znuny (``pytest -m live``; docs/live-servers.md).

* One request per department, filed through the form: the ticket Znuny holds carries exactly
  the routing the plugins decide (queue, service, SLA, type, priority, owner, the Radiant*
  fields, customer user and company) — a catalog name Znuny does not know fails here.
* A request's life: a reply with a file, closing, reopening.
* Another company's customer gets 404 for every action on it and never sees it in a list.
* An agent's internal note never reaches the customer's page.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.client import NewArticle, NewAttachment, ZnunyClient
from radiant_ext.plugins import Routing
from tests._live import LiveServer
from tests.live._portal import (
    DecisionLog,
    Filed,
    Simulator,
    csrf_token,
    file_request,
    login,
)

pytestmark = pytest.mark.live

DEPARTMENTS = ("it", "hr", "maintenance", "customer-service", "accounting", "legal")
"""The six department plugins (plugins/radiant-ext-*)."""


def _assert_ticket_matches(agent: ZnunyClient, filed: Filed, routing: Routing, customer: str,
                           company: str) -> None:
    """Znuny's ticket carries the portal's decision, which is the plugins' decision."""
    decision = filed.decision
    ticket = agent.ticket_get(filed.ticket_id, dynamic_fields=True)
    have = {"queue": ticket.queue, "service": ticket.service or None,
            "sla": ticket.sla or None, "type": ticket.type, "priority": ticket.priority,
            "owner": ticket.owner, "customer user": ticket.customer_user_id,
            "customer company": ticket.customer_id,
            **{name: ticket.dynamic_fields.get(name) for name in (
                "RadiantCategory", "RadiantStore", "RadiantDeadline", "RadiantRequestID")}}
    want = {"queue": decision.queue, "service": decision.service, "sla": decision.sla,
            "type": decision.type, "priority": decision.priority,
            "owner": decision.owner or have["owner"], "customer user": customer,
            "customer company": company, "RadiantCategory": decision.item_id,
            "RadiantStore": decision.store_id, "RadiantDeadline": decision.deadline_utc(),
            "RadiantRequestID": filed.reference}
    assert have == want, f"ticket {ticket.ticket_number} ({filed.item_id})"
    assert ticket.ticket_number == filed.ticket_number

    # the portal's decision is what the plugins decide for this request (radiant-ext simulate)
    same = ("item_id", "department", "type", "queue", "service", "sla", "priority",
            "priority_level", "store_id", "calendar", "business_hours")
    assert {k: getattr(decision, k) for k in same} == {k: getattr(filed.before, k) for k in same}
    assert [r.id for r in decision.rules_fired] == [r.id for r in filed.before.rules_fired]
    if routing.owner_pool:  # picked by the moment of filing
        assert decision.owner in routing.owner_pool
    else:
        assert decision.owner == filed.before.owner == routing.owner
    assert filed.before.deadline <= decision.deadline <= filed.after.deadline


def _customer_for(server: LiveServer, simulator: Simulator,
                  department: str) -> tuple[str, str, str, str]:
    """Who files an item of ``department``: the store's staff, or an outside customer for
    a department that serves only them. Returns ``(login, password, company, item id)``."""
    for login_, password, company in server.customers():
        items = simulator.visible_items(company, department)
        if items:
            return login_, password, company, items[0].id
    companies = ", ".join(c for _, _, c in server.customers())
    pytest.fail(f"department {department} offers nothing to {companies}")


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_a_request_of_each_department_is_filed_with_the_plugins_routing(
    department: str, server: LiveServer, portal: Flask, agent: ZnunyClient,
    simulator: Simulator, decisions: DecisionLog, run_marker: str,
) -> None:
    user, password, company, item_id = _customer_for(server, simulator, department)
    client = login(portal, user, password)
    filed = file_request(client, simulator, decisions, item_id, customer=user,
                         company=company, marker=f"{run_marker}-{department}")
    _assert_ticket_matches(agent, filed, simulator.plugins.item(item_id).routing, user, company)
    listed = client.get("/requests?state=all").get_data(as_text=True)
    assert f'href="/requests/{filed.ticket_id}"' in listed


# -- one request through its life, seen by its customer and by another company ----------------


FILED_FILE = (b"register log\nE42 at 09:12\n", "register-photo")
REPLY_FILE = (b"Z-report of register 2\ntotal 1 234,50\n", "z-report.txt")


@pytest.fixture(scope="module")
def customer(server: LiveServer, portal: Flask) -> FlaskClient:
    return login(portal, server.customer, server.customer_password)


@pytest.fixture(scope="module")
def pos_request(server: LiveServer, portal: Flask, customer: FlaskClient,
                simulator: Simulator, decisions: DecisionLog, run_marker: str) -> Filed:
    """An IT request filed by the live customer with a file attached."""
    item = simulator.visible_items(server.customer_company, "it")[0]
    return file_request(customer, simulator, decisions, item.id,
                        customer=server.customer, company=server.customer_company,
                        marker=f"{run_marker}-life", attachment=FILED_FILE)


def _detail(client: FlaskClient, ticket_id: int) -> str:
    page = client.get(f"/requests/{ticket_id}")
    assert page.status_code == 200, page.status_code
    return page.get_data(as_text=True)


def _post(client: FlaskClient, url: str, token: str, **data: object) -> int:
    response = client.post(url, data={"csrf_token": token, **data},
                           content_type="multipart/form-data")
    return response.status_code


def test_reply_with_a_file_close_and_reopen(
    pos_request: Filed, customer: FlaskClient, agent: ZnunyClient, run_marker: str
) -> None:
    ticket_id = pos_request.ticket_id
    before = len(agent.ticket_get(ticket_id, all_articles=True).articles)
    token = csrf_token(_detail(customer, ticket_id))
    reply = f"The register shows error E42 ({run_marker})"
    assert _post(customer, f"/requests/{ticket_id}/reply", token, body=reply,
                 attachments=(BytesIO(REPLY_FILE[0]), REPLY_FILE[1])) == 302

    ticket = agent.ticket_get(ticket_id, all_articles=True, attachments=True)
    added = ticket.articles[before:]
    assert [a.body for a in added] == [reply]
    assert added[0].sender_type == "customer" and added[0].is_visible_for_customer
    files = {a.filename: a.content for a in added[0].attachments}
    assert files.get(REPLY_FILE[1]) == REPLY_FILE[0]

    page = _detail(customer, ticket_id)
    assert reply in page
    link = re.search(rf'href="(/requests/{ticket_id}/files/{added[0].article_id}/\d+)"[^>]*>'
                     rf"{re.escape(REPLY_FILE[1])}<", page)
    assert link, "the reply's file is offered for download"
    download = customer.get(link.group(1))
    assert download.status_code == 200 and download.data == REPLY_FILE[0]

    assert _post(customer, f"/requests/{ticket_id}/close", csrf_token(page), confirm="yes") == 302
    closed = agent.ticket_get(ticket_id)
    assert (closed.state, closed.state_type) == ("closed successful", "closed")

    page = _detail(customer, ticket_id)
    reason = f"The register froze again ({run_marker})"
    assert _post(customer, f"/requests/{ticket_id}/reopen", csrf_token(page),
                 reason=reason) == 302
    reopened = agent.ticket_get(ticket_id, all_articles=True)
    assert reopened.state == "open"
    assert reopened.articles[-1].body == reason
    assert reopened.articles[-1].is_visible_for_customer
    assert len(reopened.articles) == before + 3  # the reply, the closing note, the reason


def test_another_companys_customer_gets_404_for_everything(
    server: LiveServer, portal: Flask, pos_request: Filed, customer: FlaskClient,
    agent: ZnunyClient,
) -> None:
    ticket_id = pos_request.ticket_id
    ticket = agent.ticket_get(ticket_id, all_articles=True, attachments=True)
    files = [(a.article_id, f.file_id) for a in ticket.articles for f in a.attachments
             if a.is_visible_for_customer and f.file_id]
    first_article = ticket.articles[0].article_id
    other = login(portal, server.other, server.other_password)
    token = csrf_token(other.get("/").get_data(as_text=True))

    assert other.get(f"/requests/{ticket_id}").status_code == 404
    for article_id, file_id in files or [(first_article, 1)]:
        url = f"/requests/{ticket_id}/files/{article_id}/{file_id}"
        assert other.get(url).status_code == 404, url
        assert customer.get(url).status_code == 200, url  # the owner may download it
    for action in ("reply", "close", "reopen"):
        status = _post(other, f"/requests/{ticket_id}/{action}", token, body="mine now",
                       reason="mine now")
        assert status == 404, action
    link = f'href="/requests/{ticket_id}"'
    for page in ("/requests", "/requests?state=all", "/requests?state=closed",
                 "/requests/company", "/requests/company?state=all"):
        response = other.get(page)
        assert response.status_code == 200, page
        assert link not in response.get_data(as_text=True), page
    after = agent.ticket_get(ticket_id, all_articles=True)
    assert (len(after.articles), after.state) == (len(ticket.articles), ticket.state)
    # the same request is in its own company's list
    assert link in customer.get("/requests/company?state=all").get_data(as_text=True)


def test_an_internal_note_never_reaches_the_customer(
    pos_request: Filed, customer: FlaskClient, agent: ZnunyClient, run_marker: str
) -> None:
    ticket_id = pos_request.ticket_id
    secret = f"INTERNAL {run_marker}: replace the mainboard, supplier owes us"
    note = agent.ticket_update(ticket_id, article=NewArticle(
        subject=f"Internal {run_marker}", body=secret,
        content_type="text/plain; charset=utf-8", communication_channel="Internal",
        is_visible_for_customer=False, sender_type="agent"),
        attachments=[NewAttachment.from_bytes(b"cost 12 000\n", "internal-costs.txt",
                                              "text/plain")])
    answer = f"A technician comes at 11 ({run_marker})"
    agent.ticket_update(ticket_id, article=NewArticle(
        subject="Technician", body=answer, content_type="text/plain; charset=utf-8",
        communication_channel="Internal", is_visible_for_customer=True, sender_type="agent"))
    page = _detail(customer, ticket_id)
    assert answer in page
    assert "INTERNAL" not in page and "mainboard" not in page and run_marker + ":" not in page
    assert "internal-costs.txt" not in page
    assert note.article_id is not None
    assert customer.get(f"/requests/{ticket_id}/files/{note.article_id}/1").status_code == 404

