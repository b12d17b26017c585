"""Submission through the outbox (:func:`radiant_ext.sync.outbox.submit_request`).

The ticket is built here from the routing decision only: ``CustomerUser`` is always the
logged-in customer and queue, type, service, SLA, priority and owner come from automation —
never from the form (design.md, "Security rules"; contract otrs-ce-6 018 and 064).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import NewArticle, NewAttachment, NewTicket, ZnunyClient
from radiant_ext.plugins import RoutingDecision
from radiant_ext.portal.ports import RequestDraft, SubmissionReceipt
from radiant_ext.store import Outbox
from radiant_ext.sync.outbox import new_request_id, submit_request

__all__ = ["OutboxSubmission", "TicketCreatedHook", "build_ticket"]

TicketCreatedHook = Callable[..., None]
"""``Plugins.ticket_created(ticket_id, ticket_number, item=..., decision=...)``."""

_STATUS = {"sent": "filed", "pending": "queued", "sending": "queued", "parked": "held"}


def _sender(draft: RequestDraft) -> str:
    customer = draft.customer
    name = (customer.full_name or customer.login).replace('"', "'")
    return f'"{name}" <{customer.email}>' if customer.email else name


def build_ticket(draft: RequestDraft) -> tuple[NewTicket, NewArticle, dict[str, str]]:
    """The ticket, first article and dynamic fields for ``draft``.

    :raises TypeError: when the draft carries no :class:`RoutingDecision`.
    """
    decision = draft.routing.decision
    if not isinstance(decision, RoutingDecision):
        raise TypeError("a request needs a routing decision from the plugins")
    ticket = NewTicket(
        title=draft.title[:255],
        queue=decision.queue,
        type=decision.type,
        service=decision.service,
        sla=decision.sla,
        priority=decision.priority,
        owner=decision.owner,
        state="new",
        customer_user=draft.customer.login,
        customer_id=draft.customer.customer_id or None,
    )
    article = NewArticle(
        subject=draft.title[:255],
        body=draft.body,
        content_type="text/plain; charset=utf-8",
        communication_channel="Internal",
        sender_type="customer",
        is_visible_for_customer=True,
        from_=_sender(draft),
        history_comment=f"radiant_ext portal request {draft.request_id}",
    )
    return ticket, article, decision.dynamic_fields()


class OutboxSubmission:
    """:class:`~radiant_ext.portal.ports.SubmissionPort`: outbox first, then one attempt.

    When this submission files the ticket itself (``sent`` on its first attempt),
    ``ticket_created`` is called once. A repeated submission of the same reference (a double
    click, a resent form) gets the first answer from the outbox and calls nothing; a request
    left queued is announced by the outbox drain when it delivers it.

    :param sessions: the local store's session factory.
    :param client: the companion's agent client.
    :param ticket_created: ``Plugins.ticket_created`` (never raises), or ``None``.
    """

    def __init__(self, sessions: sessionmaker[Session], client: ZnunyClient | Any,
                 ticket_created: TicketCreatedHook | None = None) -> None:
        self._sessions = sessions
        self._client = client
        self._ticket_created = ticket_created
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()

    def new_reference(self) -> str:
        return new_request_id()

    def _is_first(self, request_id: str) -> bool:
        """Claim ``request_id`` for this call: ``False`` when the outbox already has it or
        another thread of this process is submitting it right now."""
        with self._lock:
            if request_id in self._in_flight:
                return False
            with self._sessions() as session:
                known = session.scalar(select(Outbox.id).where(Outbox.request_id == request_id))
            if known is not None:
                return False
            self._in_flight.add(request_id)
            return True

    def submit(self, draft: RequestDraft) -> SubmissionReceipt:
        ticket, article, fields = build_ticket(draft)
        files = [NewAttachment.from_bytes(a.content, a.filename, a.content_type)
                 for a in draft.attachments]
        first = self._is_first(draft.request_id)
        try:
            result = submit_request(
                self._sessions, self._client, request_id=draft.request_id, ticket=ticket,
                article=article, dynamic_fields=fields, attachments=files,
                category=draft.item.id, promised_deadline=draft.routing.deadline,
                # Kept with the request and copied into the ticket cache by the pull, so
                # reports can count per serial number or asset model (docs/reports.md).
                form_values=dict(draft.fields),
            )
        finally:
            with self._lock:
                self._in_flight.discard(draft.request_id)
        status = _STATUS.get(result.state, "queued")
        if first and status == "filed" and result.ticket_id is not None:
            self._announce(draft, result.ticket_id, result.ticket_number or "")
        return SubmissionReceipt(
            reference=result.request_id,
            ticket_number=result.ticket_number if status == "filed" else None,
            ticket_id=result.ticket_id if status == "filed" else None,
            deadline=draft.routing.deadline,
            status=status,  # type: ignore[arg-type]
        )

    def _announce(self, draft: RequestDraft, ticket_id: int, ticket_number: str) -> None:
        if self._ticket_created is not None:
            self._ticket_created(ticket_id, ticket_number, item=draft.item.id,
                                 decision=draft.routing.decision)
