"""Decide the answer to one invoker call: route the ticket, or acknowledge and do nothing.

A ticket is routed only when all of these hold (otherwise the answer is ``{}``, which Znuny
accepts and applies nothing from):

1. the event is one that routes (``TicketCreate`` by default) — so the events our own
   write-back fires (the note's ``ArticleCreate``, file 09; a ``TicketStateUpdate``, file 11)
   never start another round: no loop;
2. the ticket has no ``RadiantCategory`` (already routed — a retry by the daemon, file 22, or
   a second invoker) and no ``RadiantRequestID`` (created by the portal, which routed it);
3. its state type and queue are not ones routing leaves alone (closed/merged/removed; Junk);
4. the plugins classify it, and route the catalog item they suggest.

Nothing here talks to Znuny or the database: Znuny waits for the answer (file 19), so the
decision is computed from the payload and the plugins alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from radiant_ext.errors import RadiantError
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.models import (
    Classification,
    EmailTicket,
    RecentIncidents,
    RequestContext,
    RoutingDecision,
    RuleFired,
    StoreInfo,
    priority_name,
)
from radiant_ext.webhook.answers import CATEGORY_FIELD, REQUEST_ID_FIELD, routing_answer
from radiant_ext.webhook.payload import WebhookPayload, WebhookTicket

__all__ = ["RoutingPlugins", "TicketRouter", "WebhookResult", "email_ticket", "ignored"]


class RoutingPlugins(Protocol):
    """What the router needs from :class:`radiant_ext.plugins.Plugins`."""

    def classify(self, ticket: EmailTicket) -> Classification | None:
        """Suggest a catalog item for a ticket that did not come through the portal."""

    def item(self, item_id: str) -> CatalogItem:
        """Return an enabled catalog item (raises a ``PluginError`` otherwise)."""

    def store(self, store_id: str) -> StoreInfo | None:
        """Return a store of the directory, ``None`` when unknown."""

    def route(self, item: CatalogItem, request: RequestContext) -> RoutingDecision:
        """Decide type, queue, service, SLA, priority, owner and deadline."""


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
class TicketRouter:
    """Turn a validated payload into a :class:`WebhookResult` through the plugins.

    :param plugins: the typed plugin wrapper (or anything with the same three methods).
    :param route_events: events that may route a ticket.
    :param ignored_queues: queues whose tickets are never routed.
    :param ignored_state_types: state types whose tickets are never routed.
    :param recent_incidents: answers repeat-incident rules, if the caller has history.
    :param disabled_items: returns the ids of catalog items the catalog check switched off
        (their Znuny names are missing); such items are never routed to.
    :param now: clock used when the payload has no ``Created`` time.
    """

    plugins: RoutingPlugins
    route_events: frozenset[str] = frozenset({"TicketCreate"})
    ignored_queues: frozenset[str] = frozenset({"Junk"})
    ignored_state_types: frozenset[str] = frozenset({"closed", "merged", "removed"})
    recent_incidents: RecentIncidents | None = None
    disabled_items: Callable[[], Collection[str]] | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def handle(self, payload: WebhookPayload) -> WebhookResult:
        """Return the answer for ``payload``; never raises for tickets routing skips."""
        ticket = payload.ticket
        skip = self._skip_reason(payload.event.event, ticket)
        if skip:
            return ignored(skip, ticket.ticket_id)
        try:
            return self._route(ticket)
        except RadiantError as exc:  # a disabled department, an item that vanished…
            return ignored(f"routing refused: {exc}", ticket.ticket_id)

    def _skip_reason(self, event: str, ticket: WebhookTicket) -> str | None:
        if event not in self.route_events:
            return f"event {event} does not route tickets"
        if ticket.dynamic_field(CATEGORY_FIELD):
            return f"already classified ({CATEGORY_FIELD}={ticket.dynamic_field(CATEGORY_FIELD)})"
        if ticket.dynamic_field(REQUEST_ID_FIELD):
            return f"created by the portal ({REQUEST_ID_FIELD} is set)"
        if ticket.state_type and ticket.state_type.lower() in self.ignored_state_types:
            return f"state type {ticket.state_type} is not routed"
        if ticket.queue and ticket.queue in self.ignored_queues:
            return f"queue {ticket.queue} is not routed"
        return None

    def _route(self, ticket: WebhookTicket) -> WebhookResult:
        classification = self.plugins.classify(email_ticket(ticket))
        if classification is None:
            return ignored("no catalog item matches the ticket", ticket.ticket_id)
        if self.disabled_items is not None and classification.item_id in self.disabled_items():
            return ignored(f"catalog item {classification.item_id} is disabled by the catalog "
                           "check", ticket.ticket_id)
        item = self.plugins.item(classification.item_id)
        decision = self.plugins.route(item, self._request(ticket))
        if not ticket.sender_known:
            decision = unverified_sender(decision)
        reason = f"routed as {decision.item_id} to {decision.queue}, {decision.priority}"
        return WebhookResult(
            routing_answer(decision, classification), "routed", reason, ticket.ticket_id, decision
        )

    def _request(self, ticket: WebhookTicket) -> RequestContext:
        return RequestContext(
            store_id=self._store_of(ticket),
            submitted_at=ticket.created_at() or self.now(),
            customer_user=ticket.customer_user_id,
            customer_company=ticket.customer_id,
            recent_incidents=self.recent_incidents,
        )

    def _store_of(self, ticket: WebhookTicket) -> str | None:
        """The ticket's store: its customer company if that is a store, else — for a sender
        Znuny knows as a customer user — one named in the title or first article
        ("store 12" → ``store-012``). A stranger's mail names no store."""
        if ticket.customer_id and self.plugins.store(ticket.customer_id) is not None \
                and ticket.sender_known:
            return ticket.customer_id
        if not ticket.sender_known:
            return None
        first = ticket.first_article()
        text = f"{ticket.title}\n{first.body if first and first.body else ''}"
        for match in _STORE_IN_TEXT.finditer(text):
            store_id = f"store-{int(match.group(1)):03d}"
            if self.plugins.store(store_id) is not None:
                return store_id
        return None


UNVERIFIED_MAX_LEVEL = 3
"""Highest priority level a mail from an unknown sender is routed with ("3 normal")."""


def unverified_sender(decision: RoutingDecision) -> RoutingDecision:
    """Cap the priority of a decision for a sender Znuny does not know.

    Anyone can send an e-mail: its text may not raise a ticket above normal. The ticket is
    still classified and queued, so an agent sees it and can raise it.
    """
    if decision.priority_level <= UNVERIFIED_MAX_LEVEL:
        return decision
    rule = RuleFired(
        id="unverified-sender",
        text="the sender is not a known customer user: the priority is not raised above "
             "normal and no store is taken from the text",
        text_ru="отправитель не известен как клиент: приоритет не выше обычного, магазин из "
                "текста не берётся",
        effect=f"priority {decision.priority} → {priority_name(UNVERIFIED_MAX_LEVEL)}",
    )
    return decision.model_copy(update={
        "priority": priority_name(UNVERIFIED_MAX_LEVEL),
        "priority_level": UNVERIFIED_MAX_LEVEL,
        "rules_fired": [*decision.rules_fired, rule],
    })


_STORE_IN_TEXT = re.compile(r"(?<!\w)(?:store|магазин[а-я]*)[\s#№-]*0*(\d{1,4})(?!\d)", re.I)


def email_ticket(ticket: WebhookTicket) -> EmailTicket:
    """Reduce a payload ticket to what classification looks at (title, first article)."""
    first = ticket.first_article()
    body = (first.body or "") if first else ""
    return EmailTicket(
        ticket_id=ticket.ticket_id,
        title=ticket.title,
        body=body,
        customer_id=ticket.customer_id,
        customer_user=ticket.customer_user_id,
        queue=ticket.queue,
    )
