"""The outbox and the ticket pull against the sandbox (real HTTP, real client)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine

from radiant_ext.client import NewArticle, NewTicket
from radiant_ext.config import Settings
from radiant_ext.store import TicketCache, session_scope
from radiant_ext.sync import (
    JobContext,
    RetryPolicy,
    drain_outbox,
    new_request_id,
    submit_request,
)
from radiant_ext.sync.tickets import pull_tickets


def _request(engine: Engine, client: Any, rid: str, **ticket: Any) -> Any:
    fields = {"title": f"Receipt printer jammed ({rid})", "queue": "IT::Stores", "state": "new",
              "priority": "3 normal", "type": "Incident", "customer_user": "demo-customer"}
    fields.update(ticket)
    return submit_request(
        engine, client, request_id=rid, ticket=NewTicket(**fields),
        article=NewArticle(subject="Receipt printer", body="Paper jam at till 1",
                           content_type="text/plain; charset=utf-8",
                           communication_channel="Internal"),
        dynamic_fields={"RadiantCategory": "it.receipt-printer", "RadiantStore": "store-007"},
        retry=RetryPolicy.backing_off(0.01, 0.02))


@pytest.mark.parametrize("extra_routes", [False, True], ids=["fallback", "df-search"])
def test_timeout_after_commit_never_duplicates_on_the_wire(
        engine: Engine, sandbox: Any, settings: Settings, extra_routes: bool) -> None:
    client = sandbox.client(timeout=0.5, extra_routes=extra_routes)
    sandbox.faults("timeout_after_commit", count=1, delay=1.0)
    rid = new_request_id()
    assert _request(engine, client, rid).state == "pending"
    sandbox.faults("none")
    time.sleep(0.05)
    ctx = JobContext(settings=settings, engine=engine,
                     client_factory=lambda: sandbox.client(extra_routes=extra_routes))
    counts = drain_outbox(ctx)
    assert (counts["found"], counts["sent"]) == (1, 0)
    # the check reads with the usual timeout: the 0.5 s one is only for the fault above, and
    # a loaded machine may take longer than that to answer a search
    checker = sandbox.client(extra_routes=extra_routes)
    found = checker.ticket_search(customer_user_login="demo-customer", limit=100)
    tickets = checker.ticket_get_many(found, dynamic_fields=True)
    assert [t.dynamic_fields.get("RadiantRequestID") for t in tickets].count(rid) == 1


def test_invalid_request_is_parked_with_znunys_reason(engine: Engine, sandbox: Any) -> None:
    result = _request(engine, sandbox.client(), new_request_id(), queue="No such queue")
    assert result.state == "parked"
    assert "Queue" in (result.error or "")


def test_pull_caches_what_the_portal_filed(engine: Engine, sandbox: Any,
                                          settings: Settings) -> None:
    client = sandbox.client()
    rid = new_request_id()
    sent = _request(engine, client, rid)
    assert sent.state == "sent"
    ctx = JobContext(settings=settings, engine=engine, client_factory=sandbox.client)
    assert pull_tickets(ctx)["pulled"] >= 1
    with session_scope(engine) as s:
        row = s.get(TicketCache, sent.ticket_id)
        assert row is not None
        assert (row.request_id, row.category, row.store, row.queue) == (
            rid, "it.receipt-printer", "store-007", "IT::Stores")
        assert row.ticket_number == sent.ticket_number


@pytest.mark.parametrize("parallel", [1, 3])
def test_keyset_pages_over_the_sandbox_miss_nothing(engine: Engine, sandbox: Any,
                                                    settings: Settings, parallel: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import func, select

    from radiant_ext.sync import tickets as tickets_module

    monkeypatch.setattr(tickets_module, "PAGE", 4 * parallel)
    monkeypatch.setattr(tickets_module, "GET_CHUNK", 3)
    settings = settings.model_copy(update={"sync_pull_parallel_batches": parallel})
    client = sandbox.client()
    for n in range(25):  # many share a second: the page boundary falls inside one
        _request(engine, client, f"RQ-PAGE-{n:02d}")
    ctx = JobContext(settings=settings, engine=engine, client_factory=sandbox.client)
    assert tickets_module.full_resync(ctx)["pulled"] >= 25
    with session_scope(engine) as s:
        cached = set(s.scalars(select(TicketCache.request_id)))
        assert cached == {f"RQ-PAGE-{n:02d}" for n in range(25)}
        assert s.scalar(select(func.count()).select_from(TicketCache)) == 25


def test_email_ticket_is_classified_in_the_sandbox(engine: Engine, sandbox: Any,
                                                   settings: Settings) -> None:
    from radiant_ext.plugins import Plugins, make_plugin_manager
    from radiant_ext.sync.classify import classify_email_tickets

    client = sandbox.client()
    created = client.ticket_create(
        NewTicket(title="Касса не работает", queue="Raw", state="new", priority="3 normal",
                  type="Unclassified", customer_user="flagship-clerk"),
        NewArticle(subject="Касса", body="The cash register in aisle 1 is dead",
                   content_type="text/plain; charset=utf-8", communication_channel="Email",
                   sender_type="customer", is_visible_for_customer=True))
    plugins = Plugins(make_plugin_manager())
    ctx = JobContext(settings=settings, engine=engine, client_factory=sandbox.client,
                     plugins_factory=lambda: plugins)
    pull_tickets(ctx)
    assert classify_email_tickets(ctx)["classified"] == 1
    ticket = client.ticket_get(created.ticket_id, dynamic_fields=True, all_articles=True)
    assert ticket.dynamic_fields["RadiantCategory"] == "it.pos-down"
    assert ticket.dynamic_fields["RadiantStore"] == "store-001"
    assert (ticket.queue, ticket.service, ticket.sla) == (
        "IT::Stores", "IT::Cash register", "POS critical")
    assert ticket.owner in {"it-agent", "demo-agent"}
    note = ticket.articles[-1]
    assert not note.is_visible_for_customer and "it.pos-down" in note.body
    with session_scope(engine) as s:
        row = s.get(TicketCache, created.ticket_id)
        assert row is not None and row.category == "it.pos-down"


def test_overdue_ticket_is_escalated_in_the_sandbox(engine: Engine, sandbox: Any,
                                                    settings: Settings) -> None:
    from radiant_ext.sync.deadlines import watch_deadlines

    client = sandbox.client()
    sent = _request(engine, client, new_request_id())
    client.ticket_update(sent.ticket_id, dynamic_fields={"RadiantDeadline": "2020-01-01 00:00:00"})
    ctx = JobContext(settings=settings, engine=engine, client_factory=sandbox.client)
    pull_tickets(ctx)
    assert watch_deadlines(ctx)["escalate"] == 1
    ticket = client.ticket_get(sent.ticket_id, all_articles=True)
    assert ticket.priority == "4 high"
    assert ticket.articles[-1].subject == "Deadline passed: escalated"
    assert not ticket.articles[-1].is_visible_for_customer
