"""E-mail routing: one decision for a ticket that did not come through the portal.

A mail reaches the companion by two doors: Znuny's invoker calls the webhook when the
PostMaster creates the ticket (``radiant_ext.webhook``), and the ``email-classify`` sync job
finds the tickets the webhook missed (``radiant_ext.sync.classify``). Both describe the ticket
as an :class:`InboundMail` and ask the same :class:`EmailRouter`, so the same mail is routed
the same way whichever door it took.

A ticket is routed only when all of these hold:

1. it has no ``RadiantCategory`` (already routed) and no ``RadiantRequestID`` (created by
   the portal, which routed it);
2. its state type and queue are not ones routing leaves alone (closed/merged/removed; Junk);
3. the plugins classify it, the catalog item they suggest is not disabled by the catalog
   check, and the item's department is enabled.

What the mail says is trusted only as far as Znuny knows its sender:

* the store is the sender's customer company when that is a store of the directory; only for
  a sender Znuny knows as a customer user may the text name the store ("store 12" →
  ``store-012``), and a stranger's mail names none;
* a sender Znuny does not know gets at most priority "3 normal" (:func:`unverified_sender`):
  anyone can send an e-mail that says the flagship's cash registers are down.

Nothing here talks to Znuny or the database: the caller passes what it knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from radiant_ext.errors import RadiantError
from radiant_ext.i18n import message
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

__all__ = [
    "UNVERIFIED_MAX_LEVEL",
    "EmailRouter",
    "EmailRouting",
    "InboundMail",
    "RoutingPlugins",
    "postmaster_knows_sender",
    "unverified_sender",
]


class RoutingPlugins(Protocol):
    """What e-mail routing needs from :class:`radiant_ext.plugins.Plugins`."""

    def classify(self, ticket: EmailTicket) -> Classification | None:
        """Suggest a catalog item for a ticket that did not come through the portal."""

    def item(self, item_id: str) -> CatalogItem:
        """Return an enabled catalog item (raises a ``PluginError`` otherwise)."""

    def store(self, store_id: str) -> StoreInfo | None:
        """Return a store of the directory, ``None`` when unknown."""

    def route(self, item: CatalogItem, request: RequestContext) -> RoutingDecision:
        """Decide type, queue, service, SLA, priority, owner and deadline."""


@dataclass(frozen=True)
class InboundMail:
    """An e-mail-born ticket as both doors see it.

    :param ticket_id: Znuny's ticket id.
    :param title: the ticket's title (the mail's subject).
    :param body: the first article's body.
    :param customer_id: the ticket's customer company (``CustomerID``).
    :param customer_user: the ticket's customer user (``CustomerUserID``).
    :param sender_known: whether Znuny knows the sender as a valid customer user.
    :param created: when Znuny created the ticket (aware), if known.
    :param queue: the ticket's queue.
    :param state_type: the ticket's state type (``new``, ``open``, ``closed``…).
    :param category: its ``RadiantCategory`` (set once routed).
    :param request_id: its ``RadiantRequestID`` (set for portal requests).
    """

    ticket_id: int
    title: str
    body: str = ""
    customer_id: str | None = None
    customer_user: str | None = None
    sender_known: bool = False
    created: datetime | None = None
    queue: str | None = None
    state_type: str | None = None
    category: str | None = None
    request_id: str | None = None

    def email_ticket(self) -> EmailTicket:
        """What classification looks at (title, first article, customer, queue)."""
        return EmailTicket(ticket_id=self.ticket_id, title=self.title, body=self.body,
                           customer_id=self.customer_id, customer_user=self.customer_user,
                           queue=self.queue)


@dataclass(frozen=True)
class EmailRouting:
    """The decision for one mail, and why.

    :param outcome: ``routed``; ``skipped`` (routing leaves this ticket alone: already
        routed, a portal request, closed, in an ignored queue); ``unmatched`` (no enabled
        catalog item fits it — agents triage it).
    :param reason: one line for logs, notes and the webhook's answer header.
    """

    outcome: Literal["routed", "skipped", "unmatched"]
    reason: str
    classification: Classification | None = None
    decision: RoutingDecision | None = None


@dataclass
class EmailRouter:
    """Route e-mail-born tickets through the plugins.

    :param plugins: the typed plugin wrapper (or anything with the same four methods).
    :param ignored_queues: queues whose tickets are never routed.
    :param ignored_state_types: state types whose tickets are never routed.
    :param recent_incidents: answers repeat-incident rules, if the caller has history.
    :param disabled_items: the ids of catalog items the catalog check switched off (their
        Znuny names are missing); such items are never routed to.
    :param now: clock used when the ticket's creation time is unknown.
    """

    plugins: RoutingPlugins
    ignored_queues: frozenset[str] = frozenset({"Junk"})
    ignored_state_types: frozenset[str] = frozenset({"closed", "merged", "removed"})
    recent_incidents: RecentIncidents | None = None
    disabled_items: Callable[[], Collection[str]] | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def route(self, mail: InboundMail) -> EmailRouting:
        """Decide for ``mail``; never raises for a ticket routing leaves alone."""
        skip = self._skip_reason(mail)
        if skip:
            return EmailRouting("skipped", skip)
        classification = self.plugins.classify(mail.email_ticket())
        if classification is None:
            return EmailRouting("unmatched", "no catalog item matches the ticket")
        if self.disabled_items is not None and classification.item_id in self.disabled_items():
            return EmailRouting("unmatched", f"catalog item {classification.item_id} is "
                                "disabled by the catalog check", classification)
        try:
            item = self.plugins.item(classification.item_id)
            decision = self.plugins.route(item, self._request(mail))
        except RadiantError as exc:  # a disabled department, an item that vanished…
            return EmailRouting("unmatched", f"routing refused: {exc}", classification)
        if not mail.sender_known:
            decision = unverified_sender(decision)
        return EmailRouting(
            "routed", f"routed as {decision.item_id} to {decision.queue}, {decision.priority}",
            classification, decision)

    def _skip_reason(self, mail: InboundMail) -> str | None:
        if mail.category:
            return f"already classified (RadiantCategory={mail.category})"
        if mail.request_id:
            return "created by the portal (RadiantRequestID is set)"
        if mail.state_type and mail.state_type.lower() in self.ignored_state_types:
            return f"state type {mail.state_type} is not routed"
        if mail.queue and mail.queue in self.ignored_queues:
            return f"queue {mail.queue} is not routed"
        return None

    def _request(self, mail: InboundMail) -> RequestContext:
        return RequestContext(
            store_id=self._store_of(mail),
            submitted_at=mail.created or self.now(),
            customer_user=mail.customer_user or None,
            customer_company=mail.customer_id or None,
            recent_incidents=self.recent_incidents,
        )

    def _store_of(self, mail: InboundMail) -> str | None:
        """The ticket's store: its customer company if that is a store, else — for a sender
        Znuny knows as a customer user — one named in the title or first article."""
        if not mail.sender_known:
            return None
        if mail.customer_id and self.plugins.store(mail.customer_id) is not None:
            return mail.customer_id
        for match in _STORE_IN_TEXT.finditer(f"{mail.title}\n{mail.body}"):
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
        text=message("the sender is not a known customer user: the priority is not raised "
                     "above normal and no store is taken from the text"),
        effect=f"priority {decision.priority} → {priority_name(UNVERIFIED_MAX_LEVEL)}",
    )
    return decision.model_copy(update={
        "priority": priority_name(UNVERIFIED_MAX_LEVEL),
        "priority_level": UNVERIFIED_MAX_LEVEL,
        "rules_fired": [*decision.rules_fired, rule],
    })


def postmaster_knows_sender(customer_id: str | None, customer_user: str | None) -> bool:
    """Whether Znuny's PostMaster found the sender of a mail among its customer users.

    For a sender it does not know, the PostMaster files the ticket with the sender's address
    as both customer user and customer company (``Kernel/System/PostMaster/NewTicket.pm``);
    for a known one the customer company is the customer user's company. This is what a
    ticket read through the GenericInterface tells (the webhook's payload carries the
    customer user's record itself).
    """
    company = (customer_id or "").strip()
    user = (customer_user or "").strip()
    return bool(company) and "@" not in company and company.casefold() != user.casefold()


_STORE_IN_TEXT = re.compile(r"(?<!\w)(?:store|магазин[а-я]*)[\s#№-]*0*(\d{1,4})(?!\d)", re.I)
