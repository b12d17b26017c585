"""Decide the answer to one invoker call: route the ticket, or acknowledge and do nothing.

A ticket is routed only when the event is one that routes (``TicketCreate`` by default) — so
the events our own write-back fires (the note's ``ArticleCreate``, file 09; a
``TicketStateUpdate``, file 11) never start another round: no loop — and the e-mail routing
shared with the ``email-classify`` job routes it
(:class:`radiant_ext.plugins.email_routing.EmailRouter`: not yet routed, not a portal request,
not closed or in Junk, a catalog item fits; a sender Znuny does not know gets the public
defaults). Otherwise the answer is ``{}``, which Znuny accepts and applies nothing from.

Nothing here talks to Znuny or the database: Znuny waits for the answer (file 19), so the
decision is computed from the payload and the plugins alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from radiant_ext.plugins.email_routing import (
    EmailRouter,
    InboundMail,
    RoutingPlugins,
    unverified_sender,
)
from radiant_ext.plugins.models import EmailTicket, RoutingDecision
from radiant_ext.webhook.answers import CATEGORY_FIELD, REQUEST_ID_FIELD, routing_answer
from radiant_ext.webhook.payload import WebhookPayload, WebhookTicket

__all__ = [
    "RoutingPlugins", "TicketRouter", "WebhookResult", "email_ticket", "ignored", "inbound_mail",
    "unverified_sender",
]


@dataclass(frozen=True)
class WebhookResult:
    """The answer to one call, and why.

    :param answer: the JSON object sent back (``{}`` when nothing is to be written back).
    :param outcome: ``routed`` (write-back keys) or ``ignored`` (empty answer).
    :param reason: one line for logs and the ``X-Radiant-Webhook`` header.
    :param ticket_id: the ticket concerned, when known.
    :param decision: the routing decision when routed.
    """

    answer: dict[str, Any]
    outcome: Literal["routed", "ignored"]
    reason: str
    ticket_id: int | None = None
    decision: RoutingDecision | None = None


def ignored(reason: str, ticket_id: int | None = None) -> WebhookResult:
    """Build an empty answer with its reason."""
    return WebhookResult({}, "ignored", reason, ticket_id)


@dataclass
class TicketRouter(EmailRouter):
    """Turn a validated payload into a :class:`WebhookResult` through the e-mail routing.

    The e-mail routing's settings (:class:`~radiant_ext.plugins.email_routing.EmailRouter`:
    plugins, ignored queues and state types, repeat incidents, disabled items, clock), plus:

    :param route_events: events that may route a ticket.
    """

    route_events: frozenset[str] = frozenset({"TicketCreate"})

    def handle(self, payload: WebhookPayload) -> WebhookResult:
        """Return the answer for ``payload``; never raises for tickets routing skips."""
        ticket = payload.ticket
        if payload.event.event not in self.route_events:
            return ignored(f"event {payload.event.event} does not route tickets",
                           ticket.ticket_id)
        routed = self.route(inbound_mail(ticket))
        if routed.decision is None or routed.classification is None:
            return ignored(routed.reason, ticket.ticket_id)
        return WebhookResult(routing_answer(routed.decision, routed.classification), "routed",
                             routed.reason, ticket.ticket_id, routed.decision)


def inbound_mail(ticket: WebhookTicket) -> InboundMail:
    """The payload's ticket as e-mail routing sees it."""
    first = ticket.first_article()
    return InboundMail(
        ticket_id=ticket.ticket_id,
        title=ticket.title,
        body=(first.body or "") if first else "",
        customer_id=ticket.customer_id,
        customer_user=ticket.customer_user_id,
        sender_known=ticket.sender_known,
        created=ticket.created_at(),
        queue=ticket.queue,
        state_type=ticket.state_type,
        category=_text(ticket.dynamic_field(CATEGORY_FIELD)),
        request_id=_text(ticket.dynamic_field(REQUEST_ID_FIELD)),
    )


def _text(value: Any) -> str | None:
    return str(value) if value else None


def email_ticket(ticket: WebhookTicket) -> EmailTicket:
    """Reduce a payload ticket to what classification looks at (title, first article)."""
    return inbound_mail(ticket).email_ticket()
