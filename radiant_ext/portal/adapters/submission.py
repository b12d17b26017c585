"""Submission through the outbox (:func:`radiant_ext.sync.outbox.submit_request`).

The ticket is built here from the routing decision only: ``CustomerUser`` is always the
logged-in customer and queue, type, service, SLA, priority and owner come from automation —
never from the form (design.md, "Security rules"; contract otrs-ce-6 018 and 064).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import NewArticle, NewAttachment, NewTicket, ZnunyClient
from radiant_ext.plugins import RoutingDecision
from radiant_ext.portal.ports import RequestDraft, SubmissionReceipt
from radiant_ext.sync.outbox import new_request_id, submit_request

__all__ = ["OutboxSubmission", "build_ticket"]

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

    :param sessions: the local store's session factory.
    :param client: the companion's agent client.
    """

    def __init__(self, sessions: sessionmaker[Session], client: ZnunyClient) -> None:
        self._sessions = sessions
        self._client = client

    def new_reference(self) -> str:
        return new_request_id()

    def submit(self, draft: RequestDraft) -> SubmissionReceipt:
        ticket, article, fields = build_ticket(draft)
        files = [NewAttachment.from_bytes(a.content, a.filename, a.content_type)
                 for a in draft.attachments]
        result = submit_request(
            self._sessions, self._client, request_id=draft.request_id, ticket=ticket,
            article=article, dynamic_fields=fields, attachments=files,
            category=draft.item.id, promised_deadline=draft.routing.deadline,
        )
        status = _STATUS.get(result.state, "queued")
        return SubmissionReceipt(
            reference=result.request_id,
            ticket_number=result.ticket_number if status == "filed" else None,
            ticket_id=result.ticket_id if status == "filed" else None,
            deadline=draft.routing.deadline,
            status=status,  # type: ignore[arg-type]
        )
