"""Submission through the outbox (:func:`radiant_ext.sync.outbox.submit_request`).

The ticket is built here from the routing decision only: ``CustomerUser`` is always the
logged-in customer and queue, type, service, SLA, priority and owner come from automation —
never from the form (design.md, "Security rules"; contract otrs-ce-6 018 and 064).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, sessionmaker

from radiant_ext.client import NewArticle, NewAttachment, NewTicket
from radiant_ext.plugins import RoutingDecision
from radiant_ext.portal.ports import (
    Customer,
    InvalidReference,
    RequestDraft,
    SubmissionReceipt,
)
from radiant_ext.store import Outbox
from radiant_ext.sync.errors import ReferenceTakenError
from radiant_ext.sync.outbox import (
    DEFAULT_RETRY,
    RetryPolicy,
    SubmitResult,
    attempt,
    new_request_id,
    store_request,
)
from radiant_ext.sync.ports import HelpDesk

__all__ = ["APPROVAL_PENDING_MINUTES", "OutboxSubmission", "TicketCreatedHook", "build_ticket"]

TicketCreatedHook = Callable[..., None]
"""``Plugins.ticket_created(ticket_id, ticket_number, item=..., decision=...)``."""

APPROVAL_PENDING_MINUTES = 72 * 60
"""The pending time of a request filed to wait for its approval: Znuny needs one for a
pending state; the approval's own limits are watched by the deadline job."""

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
        # a request that needs approval waits for it (a pending state: Znuny needs a time)
        state=draft.item.approval_state or "new",
        pending_time=APPROVAL_PENDING_MINUTES if draft.item.approval_state else None,
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

    The request is committed to the outbox in the web request; ``TicketCreate`` runs on one
    of this process's sender threads, and the web request waits for it at most
    ``wait_seconds`` (default 0: not at all). So the customer's confirmation never waits on
    Znuny, and a web thread is never held while Znuny calls back into the companion (the
    webhook) in the middle of that ``TicketCreate``. A request still being sent is confirmed
    with its reference and promise; its number appears when Znuny answers (:meth:`receipt`). A
    sender thread that dies with its process leaves the row ``sending``; the outbox drain
    recovers it and looks its key up before sending it again.

    When this submission files the ticket itself (``sent`` on its first attempt),
    ``ticket_created`` is called once. A repeated submission of the same reference (a double
    click, a resent form) gets the first answer from the outbox and calls nothing; a request
    left queued is announced by the outbox drain when it delivers it.

    :param sessions: the local store's session factory.
    :param client: the companion's agent client.
    :param ticket_created: ``Plugins.ticket_created`` (never raises), or ``None``.
    :param wait_seconds: how long a web request waits for Znuny's answer.
    :param senders: sender threads of this process (``TicketCreate`` calls at once).
    :param retry: when a failed first attempt is tried again by the outbox drain
        (``RADIANT_OUTBOX_RETRY_SECONDS``, ``RADIANT_OUTBOX_RETRY_MAX_SECONDS``).
    """

    def __init__(self, sessions: sessionmaker[Session], client: HelpDesk,
                 ticket_created: TicketCreatedHook | None = None, *,
                 wait_seconds: float = 0.0, senders: int = 4,
                 retry: RetryPolicy | None = None) -> None:
        self._sessions = sessions
        self._client = client
        self._ticket_created = ticket_created
        self._wait = wait_seconds
        self._retry = retry or DEFAULT_RETRY
        self._pool = ThreadPoolExecutor(max_workers=senders,
                                        thread_name_prefix="radiant-submit")

    def new_reference(self) -> str:
        return new_request_id()

    def submit(self, draft: RequestDraft) -> SubmissionReceipt:
        ticket, article, fields = build_ticket(draft)
        files = [NewAttachment.from_bytes(a.content, a.filename, a.content_type)
                 for a in draft.attachments]
        try:
            stored = self._store(draft, ticket, article, fields, files)
        except ReferenceTakenError as exc:
            raise InvalidReference(draft.request_id) from exc
        if isinstance(stored, SubmitResult):  # already stored: a repeated submission
            return self._receipt(stored, draft.routing.deadline)
        future = self._pool.submit(self._deliver, draft, stored)
        if self._wait > 0:
            try:
                return self._receipt(future.result(timeout=self._wait), draft.routing.deadline)
            except FutureTimeout:
                pass
        return SubmissionReceipt(draft.request_id, None, None, draft.routing.deadline,
                                 "queued")

    def _store(self, draft: RequestDraft, ticket: NewTicket, article: NewArticle,
               fields: dict[str, str], files: list[NewAttachment]) -> int | SubmitResult:
        return store_request(
            self._sessions, request_id=draft.request_id, ticket=ticket, article=article,
            dynamic_fields=fields, attachments=files, category=draft.item.id,
            promised_deadline=draft.routing.deadline,
            # Kept with the request and copied into the ticket cache by the pull, so
            # reports can count per serial number or asset model (docs/reports.md).
            form_values=dict(draft.fields),
        )

    def receipt(self, reference: str, customer: Customer) -> SubmissionReceipt | None:
        # One query without the payload: the confirmation page reloads itself until the
        # number is known, so this runs often while a burst of requests is being filed.
        with self._sessions() as session:
            row = session.scalar(
                select(Outbox).options(defer(Outbox.payload), defer(Outbox.form_values))
                .where(Outbox.request_id == reference,
                       Outbox.customer_user == customer.login))
            if row is None:
                return None
            return self._receipt(SubmitResult.of(row), row.promised_deadline)

    def close(self) -> None:
        """Wait for the requests being sent (each bounded by the client's timeout)."""
        self._pool.shutdown(wait=True)

    def _deliver(self, draft: RequestDraft, row_id: int) -> SubmitResult:
        result = attempt(self._sessions, self._client, row_id, self._retry,
                         lookup_first=False)
        if result.state == "sent" and result.ticket_id is not None:
            self._announce(draft, result.ticket_id, result.ticket_number or "")
        return result

    @staticmethod
    def _receipt(result: SubmitResult, deadline: datetime | None) -> SubmissionReceipt:
        status = _STATUS.get(result.state, "queued")
        return SubmissionReceipt(
            reference=result.request_id,
            ticket_number=result.ticket_number if status == "filed" else None,
            ticket_id=result.ticket_id if status == "filed" else None,
            deadline=deadline,
            status=status,  # type: ignore[arg-type]
            unreachable=result.unreachable,
        )

    def _announce(self, draft: RequestDraft, ticket_id: int, ticket_number: str) -> None:
        if self._ticket_created is not None:
            self._ticket_created(ticket_id, ticket_number, item=draft.item.id,
                                 decision=draft.routing.decision)
