"""Satisfaction against a real Znuny (``pytest -m live``; docs/live-servers.md,
docs/satisfaction.md): as far as the server goes without sending mail.

* A solved request gets one customer-visible article with the rating link (the article
  Znuny's customer notification mails); the link asks the requester to log in first (a
  colleague who sees the request must not rate it in their name), then takes the rating,
  and the rating's article — for agents only — appears on the ticket with the poor rating's
  alert (one step more priority).
* A requester rates another solved request on its detail page: its article appears too, and
  the page shows the rating given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.client import NewArticle, TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal import create_app
from radiant_ext.store import make_engine, session_scope, upgrade_database
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.satisfaction import invite_solved
from radiant_ext.sync.tickets import upsert_tickets
from tests._live import LiveServer, live_settings
from tests.live._portal import DecisionLog, Filed, Simulator, csrf_token, file_request, login

pytestmark = pytest.mark.live

PUBLIC_URL = "https://help.example.com"


@pytest.fixture(scope="module")
def rating_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The companion of this module: its own store, a public address for the links."""
    settings = live_settings(tmp_path_factory.mktemp("live-satisfaction"),
                             public_url=PUBLIC_URL)
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    engine.dispose()
    return settings


@pytest.fixture(scope="module")
def rating_portal(rating_settings: Settings) -> Iterator[Flask]:
    app = create_app({"RADIANT_SETTINGS": rating_settings, "TESTING": True,
                      "PORTAL_SESSION_CHECK_SECONDS": 0})
    yield app
    app.extensions["radiant_portal"]["services"].close()


def _solved(server: LiveServer, portal: Flask, simulator: Simulator, decisions: DecisionLog,
            agent: ZnunyClient, marker: str) -> Filed:
    customer = login(portal, server.customer, server.customer_password)
    item = simulator.visible_items(server.customer_company, "it")[0]
    filed = file_request(customer, simulator, decisions, item.id, customer=server.customer,
                         company=server.customer_company, marker=marker)
    agent.ticket_update(filed.ticket_id, ticket=TicketChanges(state="closed successful"),
                        article=NewArticle(
                            subject="Solved", body=f"Fixed on site ({marker})",
                            content_type="text/plain; charset=utf-8",
                            communication_channel="Internal", is_visible_for_customer=True,
                            sender_type="agent"))
    return filed


def test_the_link_article_then_the_rating_article_appear_on_the_ticket(
    server: LiveServer, portal: Flask, simulator: Simulator, decisions: DecisionLog,
    agent: ZnunyClient, rating_settings: Settings, rating_portal: Flask, run_marker: str,
) -> None:
    filed = _solved(server, portal, simulator, decisions, agent, f"{run_marker}-rate-link")
    ctx = JobContext.from_settings(rating_settings, client_factory=lambda: agent,
                                   owns_client=False)
    with session_scope(ctx.engine) as session:  # this store knows only this ticket
        upsert_tickets(session, [agent.ticket_get(filed.ticket_id, dynamic_fields=True)])
    assert invite_solved(ctx) == {"invited": 1, "failed": 0}
    assert invite_solved(ctx) == {"invited": 0, "failed": 0}
    ctx.engine.dispose()

    ticket = agent.ticket_get(filed.ticket_id, all_articles=True)
    # Znuny puts its ticket hook before the subject of an e-mail it sends
    [invite] = [a for a in ticket.articles if "How did we do? / " in a.subject]
    assert invite.is_visible_for_customer and invite.sender_type == "agent"
    # sent by Znuny as an e-mail to the requester's address (ArticleSend; not on OTRS 6.0)
    assert invite.to == server.customer_email, invite.to
    link = re.search(rf"{re.escape(PUBLIC_URL)}(/rate/\S+)", invite.body)
    assert link, invite.body
    before = agent.ticket_get(filed.ticket_id).priority

    anonymous = rating_portal.test_client().get(link.group(1))
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    guest: FlaskClient = login(rating_portal, server.customer, server.customer_password)
    form = guest.get(link.group(1))
    assert form.status_code == 200, form.status_code
    done = guest.post(link.group(1), data={
        "csrf_token": csrf_token(form.get_data(as_text=True)), "rating": "2",
        "comment": f"Two visits were needed ({run_marker})"})
    assert done.status_code == 200 and "Thank you for your rating." in done.get_data(
        as_text=True)
    assert guest.get(link.group(1)).status_code == 410  # used once

    ticket = agent.ticket_get(filed.ticket_id, all_articles=True)
    [rating] = [a for a in ticket.articles if a.subject == "Customer rating 2/5"]
    assert rating.body.startswith(f"Customer rating 2/5: Two visits were needed ({run_marker})")
    assert not rating.is_visible_for_customer
    levels = ["1 very low", "2 low", "3 normal", "4 high", "5 very high"]
    assert ticket.priority == levels[min(4, levels.index(before) + 1)]


def test_the_requester_rates_on_the_detail_page(
    server: LiveServer, portal: Flask, simulator: Simulator, decisions: DecisionLog,
    agent: ZnunyClient, rating_portal: Flask, run_marker: str,
) -> None:
    filed = _solved(server, portal, simulator, decisions, agent, f"{run_marker}-rate-page")
    customer = login(rating_portal, server.customer, server.customer_password)
    page = customer.get(f"/requests/{filed.ticket_id}").get_data(as_text=True)
    assert "How did we do?" in page
    response = customer.post(f"/requests/{filed.ticket_id}/rating", data={
        "csrf_token": csrf_token(page), "rating": "5", "comment": ""})
    assert response.status_code == 302
    page = customer.get(f"/requests/{filed.ticket_id}").get_data(as_text=True)
    assert "Your rating: 5 of 5" in page
    articles = agent.ticket_get(filed.ticket_id, all_articles=True).articles
    [rating] = [a for a in articles if a.subject == "Customer rating 5/5"]
    assert rating.body.startswith("Customer rating 5/5 (no comment)")
    assert not rating.is_visible_for_customer
    assert "Customer rating" not in page
