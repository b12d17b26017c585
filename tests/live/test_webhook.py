"""E-mail → Znuny's PostMaster → the ``Ticket::Generic`` invoker → our webhook → routed.

Mails are handed to ``Maint::PostMaster::Read`` as Znuny's mail fetcher would; Znuny creates
the ticket and calls the webhook (``RadiantWebhook``, synchronous), which answers with the
routing keys Znuny applies before the PostMaster returns. A follow-up to the ticket (its number
in the subject) adds an article and routes nothing again; a call the webhook answers with 500
is retried by Znuny's daemon a minute later (``RadiantWebhook.yml``: RequestRetry, first retry
after 60 s) — by then the ticket has two articles and Znuny 7.0.9 sends ``"Article": {}``.
Either way the webhook answers 2xx and the ticket is routed exactly once.

((OTRS)) 6.0 has no ``Ticket::Generic`` invoker: these tests skip there (the sync job's e-mail
classification routes such tickets, ``test_sync_jobs.py``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from radiant_ext.client import Ticket, ZnunyClient
from radiant_ext.plugins import RoutingDecision
from tests._live import LiveServer
from tests.live._mail import DaemonRetry, find_ticket_by_title, mail
from tests.live._portal import Simulator, login, wait_for
from tests.live._webhook import WebhookRecorder, WebhookSlot

pytestmark = pytest.mark.live

NOTE_SUBJECT = "Routed by Radiant: "


@pytest.fixture(scope="module")
def recorder(webhook: WebhookSlot) -> WebhookRecorder:
    return webhook.require()


def routing_notes(ticket: Ticket) -> list[Any]:
    return [a for a in ticket.articles if a.subject.startswith(NOTE_SUBJECT)]


def assert_routed_once(ticket: Ticket, decision: RoutingDecision, *,
                       exact_priority: bool = True) -> None:
    """The ticket carries ``decision`` and exactly one internal routing note."""
    fields = ticket.dynamic_fields
    have = {"queue": ticket.queue, "service": ticket.service or None, "sla": ticket.sla or None,
            "type": ticket.type, "category": fields.get("RadiantCategory"),
            "store": fields.get("RadiantStore"), "request id": fields.get("RadiantRequestID")}
    want = {"queue": decision.queue, "service": decision.service, "sla": decision.sla,
            "type": decision.type, "category": decision.item_id, "store": decision.store_id,
            "request id": None}
    if exact_priority:
        have.update(priority=ticket.priority, deadline=fields.get("RadiantDeadline"))
        want.update(priority=decision.priority, deadline=decision.deadline_utc())
    assert have == want, f"ticket {ticket.ticket_number}"
    notes = routing_notes(ticket)
    assert len(notes) == 1, f"{len(notes)} routing notes on {ticket.ticket_number}"
    note = notes[0]
    assert note.subject == NOTE_SUBJECT + decision.item_id
    assert not note.is_visible_for_customer and note.sender_type == "system"


def test_an_email_is_routed_by_the_webhook_and_a_follow_up_changes_nothing(
    server: LiveServer, recorder: WebhookRecorder, agent: ZnunyClient, simulator: Simulator,
    portal: Flask, run_marker: str,
) -> None:
    marker = f"{run_marker}-mail"
    recorder.label(marker, "e-mail routed by the webhook")
    server.postmaster(mail(server.customer_email,
                           f"Cash register in store 007 does not work [{marker}]",
                           "The cash register in store 007 does not work since the morning.\n"
                           "Customers queue at the other register.", marker))
    ticket_id = find_ticket_by_title(agent, marker)

    def routed() -> Ticket | None:
        ticket = agent.ticket_get(ticket_id, all_articles=True, dynamic_fields=True)
        return ticket if ticket.dynamic_fields.get("RadiantCategory") else None

    ticket = wait_for("the webhook's routing", routed, 30)
    decision = simulator.for_email(ticket)
    assert decision.department == "it", decision.item_id
    assert (ticket.customer_user_id, ticket.customer_id) == (server.customer,
                                                              server.customer_company)
    assert_routed_once(ticket, decision)
    calls = recorder.for_ticket(ticket_id)
    assert [(c.event, c.status) for c in calls] == [("TicketCreate", 200)], calls
    assert calls[0].outcome.startswith("routed"), calls[0].outcome

    server.postmaster(mail(server.customer_email,
                           f"Re: [Ticket#{ticket.ticket_number}] Cash register in store 007 "
                           "does not work", "It works again after a restart, thank you.",
                           f"{marker}-2"))
    after = agent.ticket_get(ticket_id, all_articles=True, dynamic_fields=True)
    assert len(after.articles) == len(ticket.articles) + 1, "the follow-up is an article"
    assert after.articles[-1].body.startswith("It works again")
    assert_routed_once(after, decision)
    assert all(200 <= c.status < 300 for c in recorder.for_ticket(ticket_id))

    # the routing note is Znuny-internal: the customer's page never shows it
    client = login(portal, server.customer, server.customer_password)
    page = client.get(f"/requests/{ticket_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "It works again" in html and NOTE_SUBJECT not in html and "Rules fired" not in html


def test_a_failed_webhook_call_is_retried_by_the_daemon_and_routes_once(
    recorder: WebhookRecorder, daemon_retry: DaemonRetry, agent: ZnunyClient,
    simulator: Simulator,
) -> None:
    started = time.monotonic()
    daemon_retry.wait(agent)
    ticket = agent.ticket_get(daemon_retry.ticket_id, all_articles=True, dynamic_fields=True)
    calls = recorder.for_ticket(daemon_retry.ticket_id)
    assert calls and calls[0].injected, "the first call was answered with 500"
    retries = calls[1:]
    assert retries and all(200 <= c.status < 300 for c in retries), [
        (c.status, c.outcome) for c in retries]
    assert [c.outcome.split(";")[0] for c in retries].count("routed") == 1
    assert retries[0].outcome.startswith("routed")
    # the ticket had two articles at the retry: Znuny 7.0.9 and 6.5.4 send "Article": {}
    assert retries[0].article_shape == "article-empty", retries[0].article_shape
    # the customer's mail and its follow-up (the call was retried after both), then our note
    assert [a.sender_type for a in ticket.articles][:2] == ["customer", "customer"]
    decision = simulator.for_email(ticket)  # from the ticket's creation time
    assert decision.department == "maintenance", decision.item_id
    assert_routed_once(ticket, decision)
    print(f"daemon retry routed ticket {ticket.ticket_number} "
          f"(waited {time.monotonic() - started:.0f} s in this test)")


def test_every_call_znuny_made_was_answered_2xx(recorder: WebhookRecorder) -> None:
    """No call of this run got a 4xx or 5xx from the webhook (besides the injected 500s)."""
    foreign = [c for c in recorder.calls if c.foreign]
    if foreign:
        print(f"{len(foreign)} call(s) from another server on this machine (other credentials)")
    answered = [c for c in recorder.own_calls() if not c.injected]
    assert answered, "Znuny called the webhook"
    bad = [(c.journey, c.ticket_id, c.event, c.article_shape, c.status, c.answer)
           for c in answered if not 200 <= c.status < 300]
    assert not bad, bad
