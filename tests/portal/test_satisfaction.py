"""Satisfaction after a solved request, with the real adapters against the sandbox Znuny.

The walk of the issue: a requester rates a solved request on its detail page, the rating is
stored and recorded in Znuny as an article agents read, and the store's manager sees it in
the satisfaction report next to the SLA figures. Then the refusals, the rating link, Znuny
down, and a poor rating's follow-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from radiant_ext.client import AgentCredentials, NewArticle, TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.plugins.catalog import SatisfactionPolicy
from radiant_ext.portal import create_app
from radiant_ext.portal.satisfaction import EXTENSION, SatisfactionService
from radiant_ext.store import (
    SatisfactionInvite,
    SatisfactionRating,
    make_engine,
    make_session_factory,
)
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.satisfaction import invite_solved, rate, record_ratings
from radiant_ext.sync.tickets import pull_tickets
from tests import _sandbox
from tests._sandbox import sandbox_settings
from tests.portal.test_with_sandbox import _file_pos_request, _login, _token

# the sandbox Znuny's fixtures (tests/_sandbox.py)
faults = _sandbox.faults
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny


@pytest.fixture
def settings(znuny: str, sandbox_dir: Path, tmp_path: Path) -> Settings:
    return sandbox_settings(znuny, sandbox_dir, tmp_path, secret_key="s" * 40,
                            public_url="https://help.example.com",
                            reports={"managers": {"store-007": ["store-manager"]}})


@pytest.fixture
def portal(settings: Settings) -> Iterator[Flask]:
    app = create_app({"RADIANT_SETTINGS": settings, "TESTING": True,
                      "PORTAL_SESSION_CHECK_SECONDS": 0})
    yield app
    app.extensions["radiant_portal"]["services"].close()


@pytest.fixture
def agent(znuny: str) -> Iterator[ZnunyClient]:
    client = ZnunyClient(znuny, credentials=AgentCredentials("radiant", "radiant-demo"))
    yield client
    client.close()


@pytest.fixture
def job(settings: Settings, agent: ZnunyClient) -> Iterator[JobContext]:
    ctx = JobContext.from_settings(settings, client_factory=lambda: agent)
    yield ctx
    ctx.engine.dispose()


def _solve(agent: ZnunyClient, ticket_id: int, state: str = "closed successful") -> None:
    pending = {"pending_time": 3 * 24 * 60} if state.startswith("pending") else {}
    agent.ticket_update(ticket_id, ticket=TicketChanges(state=state, **pending),
                        article=NewArticle(
        subject="Fixed", body="The register works again.",
        content_type="text/plain; charset=utf-8", communication_channel="Internal",
        is_visible_for_customer=True, sender_type="agent"))


def _ratings(settings: Settings) -> list[SatisfactionRating]:
    engine = make_engine(settings.effective_database_url)
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(select(SatisfactionRating)))
    engine.dispose()
    return rows


def _rate(client: FlaskClient, ticket_id: int, rating: int, comment: str = "") -> Any:
    page = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
    return client.post(f"/requests/{ticket_id}/rating", data={
        "csrf_token": _token(page), "rating": str(rating), "comment": comment})


def test_a_requester_rates_a_solved_request_and_the_manager_sees_it_beside_the_sla(
    portal: Flask, agent: ZnunyClient, settings: Settings, job: JobContext
) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    assert "How did we do?" not in clerk.get(f"/requests/{ticket_id}").get_data(as_text=True)
    _solve(agent, ticket_id)
    before = agent.ticket_get(ticket_id).priority
    page = clerk.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert "How did we do?" in page and 'name="rating" value="5"' in page

    response = _rate(clerk, ticket_id, 2, "The fix took two visits")
    assert response.status_code == 302
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your rating." in page and "Your rating: 2 of 5" in page
    assert "The fix took two visits" in page and 'name="rating"' not in page
    assert "Rated on " in page  # in the zone of the store (007: Yekaterinburg)
    assert "(Yekaterinburg, GMT+05:00). Thank you!" in page

    [row] = _ratings(settings)
    assert (row.ticket_id, row.rating, row.item, row.store, row.department, row.rated_by) == (
        ticket_id, 2, "it.pos-down", "store-007", "it", "demo-customer")
    assert row.recorded_at is not None and row.owner
    ticket = agent.ticket_get(ticket_id, all_articles=True)
    [note] = [a for a in ticket.articles if a.subject == "Customer rating 2/5"]
    assert note.body.startswith("Customer rating 2/5: The fix took two visits")
    assert not note.is_visible_for_customer
    levels = ["1 very low", "2 low", "3 normal", "4 high", "5 very high"]
    assert levels.index(ticket.priority) == levels.index(before) + 1  # poor: alert, raise
    assert "Customer rating 2/5" not in page  # the note is the agents', never the customer's

    pull_tickets(job)
    manager, _ = _login(portal, "store-manager")
    report = manager.get("/reports/satisfaction-items").get_data(as_text=True)
    table = report[report.index("<table"):report.index("</table>")]
    row_html = table[table.index("Cash register / POS down"):]  # items by title, not id
    row_html = row_html[:row_html.index("</tr>")]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row_html)
    assert "2" in cells or "2.0" in cells or "2,0" in cells, cells
    assert "Solution met %" in table and "Average rating" in table
    comments = manager.get("/reports/satisfaction-comments").get_data(as_text=True)
    assert "The fix took two visits" in comments


def test_asked_once_and_only_the_requester(
    portal: Flask, agent: ZnunyClient, settings: Settings
) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    _solve(agent, ticket_id)
    colleague, _ = _login(portal, "store-manager")  # the same store, sees the request
    shown = colleague.get(f"/requests/{ticket_id}")
    assert shown.status_code == 200 and "How did we do?" not in shown.get_data(as_text=True)
    refused = _rate(colleague, ticket_id, 5)
    assert refused.status_code == 403
    assert "Only the person who filed the request can rate it." in refused.get_data(as_text=True)
    stranger, _ = _login(portal, "flagship-clerk")
    token = _token(stranger.get("/").get_data(as_text=True))
    assert stranger.post(f"/requests/{ticket_id}/rating",
                         data={"csrf_token": token, "rating": "5"}).status_code == 404
    assert _ratings(settings) == []

    priority = agent.ticket_get(ticket_id).priority
    assert _rate(clerk, ticket_id, 4).status_code == 302
    again = _rate(clerk, ticket_id, 1)
    assert again.status_code == 302
    assert "rated already" in clerk.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert [r.rating for r in _ratings(settings)] == [4]
    articles = agent.ticket_get(ticket_id, all_articles=True).articles
    assert [a.subject for a in articles].count("Customer rating 4/5") == 1
    assert agent.ticket_get(ticket_id).priority == priority  # 4 is not poor: no alert


def test_an_open_request_cannot_be_rated(portal: Flask, settings: Settings) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    response = _rate(clerk, ticket_id, 5)
    assert response.status_code == 403
    assert "Only a solved or closed request can be rated." in response.get_data(as_text=True)
    assert _ratings(settings) == []


def test_russian_rating_form(portal: Flask, agent: ZnunyClient) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    _solve(agent, ticket_id)
    page = clerk.get(f"/requests/{ticket_id}", headers={"Accept-Language": "ru"})
    html = page.get_data(as_text=True)
    assert "Как мы справились?" in html and "5 — отлично" in html


def test_znuny_down_the_rating_is_kept_and_written_later(
    portal: Flask, agent: ZnunyClient, settings: Settings, job: JobContext, faults: Any
) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    _solve(agent, ticket_id)
    ticket = agent.ticket_get(ticket_id, dynamic_fields=True)
    service: SatisfactionService = portal.extensions[EXTENSION]
    faults("down")
    row = rate(service.sessions, agent, service.items(), ticket, rating=3, comment="ok",
               rated_by="demo-customer")
    assert row.recorded_at is None and row.attempts == 1
    assert record_ratings(job) == {"recorded": 0, "failed": 1}
    faults("none")
    assert record_ratings(job) == {"recorded": 1, "failed": 0}
    assert record_ratings(job) == {"recorded": 0, "failed": 0}  # written once
    subjects = [a.subject for a in agent.ticket_get(ticket_id, all_articles=True).articles]
    assert subjects.count("Customer rating 3/5") == 1


def test_a_rating_sent_while_znuny_is_down_is_kept_from_the_ticket_cache(
    portal: Flask, agent: ZnunyClient, settings: Settings, job: JobContext, faults: Any
) -> None:
    """The requester's rating and comment are not lost when Znuny is down as they send it: the
    ticket cache vouches for requester and state, the article follows once Znuny is back."""
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    _solve(agent, ticket_id)
    pull_tickets(job)
    invite_solved(job)
    path = _link(agent, ticket_id)
    form = clerk.get(path)
    assert form.status_code == 200
    faults("down")
    done = clerk.post(path, data={"csrf_token": _token(form.get_data(as_text=True)),
                                  "rating": "4", "comment": "Fixed while the line was down"})
    assert done.status_code == 200 and "Thank you for your rating." in done.get_data(
        as_text=True)
    [row] = [r for r in _ratings(settings) if r.ticket_id == ticket_id]
    assert (row.rating, row.comment, row.recorded_at) == (4, "Fixed while the line was down",
                                                          None)
    faults("none")
    assert record_ratings(job)["recorded"] >= 1
    subjects = [a.subject for a in agent.ticket_get(ticket_id, all_articles=True).articles]
    assert subjects.count("Customer rating 4/5") == 1


def test_a_poor_rating_reopens_when_the_item_says_so(
    portal: Flask, agent: ZnunyClient
) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    _solve(agent, ticket_id)
    service: SatisfactionService = portal.extensions[EXTENSION]
    items = dict(service.items())
    items["it.pos-down"] = items["it.pos-down"].model_copy(
        update={"satisfaction": SatisfactionPolicy(poor_at_most=2, on_poor="reopen")})
    ticket = agent.ticket_get(ticket_id, dynamic_fields=True)
    row = rate(service.sessions, agent, items, ticket, rating=1, comment="Still broken",
               rated_by="demo-customer")
    assert row.follow_up == "reopen" and row.recorded_at is not None
    again = agent.ticket_get(ticket_id)
    assert again.state == "open" and again.state_type == "open"


def _link(agent: ZnunyClient, ticket_id: int) -> str:
    articles = agent.ticket_get(ticket_id, all_articles=True).articles
    [invite] = [a for a in articles if "How did we do? / " in a.subject]
    assert invite.is_visible_for_customer
    # an e-mail Znuny sends to the requester (the address of their first article)
    first = next(a for a in articles if a.sender_type == "customer")
    assert invite.to and invite.to in first.from_, (invite.to, first.from_)
    found = re.search(r"https://help\.example\.com(/rate/\S+)", invite.body)
    assert found
    return found.group(1)


def test_the_rating_link_is_sent_once_used_once_and_by_the_requester_only(
    portal: Flask, agent: ZnunyClient, settings: Settings, job: JobContext
) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    _solve(agent, ticket_id)
    pull_tickets(job)
    assert invite_solved(job)["invited"] >= 1
    assert invite_solved(job)["invited"] == 0  # once per ticket
    path = _link(agent, ticket_id)

    other, _ = _login(portal, "flagship-clerk")
    refused = other.get(path)
    assert refused.status_code == 403 and "someone else" in refused.get_data(as_text=True)

    colleague, _ = _login(portal, "store-manager")  # same store: sees the request and link
    assert colleague.get(path).status_code == 403
    # without a login a portal customer's link asks for the requester's login first
    anonymous = portal.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert all(r.ticket_id != ticket_id for r in _ratings(settings))

    form = clerk.get(path)
    assert form.status_code == 200 and "Rate your request" in form.get_data(as_text=True)
    done = clerk.post(path, data={"csrf_token": _token(form.get_data(as_text=True)),
                                  "rating": "5", "comment": "Quick and friendly"})
    assert done.status_code == 200 and "Thank you for your rating." in done.get_data(
        as_text=True)
    [row] = [r for r in _ratings(settings) if r.ticket_id == ticket_id]
    assert (row.rating, row.via, row.rated_by) == (5, "link", "demo-customer")
    second = clerk.get(path)
    assert second.status_code == 410 and "works once" in second.get_data(as_text=True)
    page = clerk.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert "Your rating: 5 of 5" in page
    assert clerk.get(path[:-3] + "xyz").status_code == 404


def test_an_expired_link_says_so(
    portal: Flask, agent: ZnunyClient, settings: Settings, job: JobContext
) -> None:
    clerk, _ = _login(portal, "demo-customer")
    _, ticket_id = _file_pos_request(clerk)
    _solve(agent, ticket_id, "pending auto close+")  # shown as "solved, closing soon"
    pull_tickets(job)
    invite_solved(job)
    path = _link(agent, ticket_id)
    service: SatisfactionService = portal.extensions[EXTENSION]
    sent = datetime.now(UTC)
    service.clock = lambda: sent + timedelta(days=settings.satisfaction_link_days, hours=1)
    expired = clerk.get(path)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    service.clock = lambda: sent + timedelta(days=settings.satisfaction_link_days - 1)
    assert clerk.get(path).status_code == 200
    engine = make_engine(settings.effective_database_url)
    with make_session_factory(engine)() as session:
        invite = session.get(SatisfactionInvite, ticket_id)
        assert invite is not None and invite.sent_at is not None and invite.used_at is None
    engine.dispose()
