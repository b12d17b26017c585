"""What the workflow guard and the step watch did, once per ticket (``workflow_event``), and
the language each customer user last used the portal in (``customer_language``).

Every function takes an open session; the caller owns the transaction. A unique key per
ticket and kind makes each event happen once even when two processes (the webhook and the
ticket pull, two portal hosts) see the same change: the second insert fails and is ignored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from radiant_ext.store.models import CustomerLanguage, WorkflowEvent

__all__ = [
    "CUSTOMER_MOVE_WINDOW",
    "customer_move_expected",
    "expect_customer_move",
    "language_of",
    "last_refusal",
    "pending_refusals",
    "record_event",
    "remember_language",
]

CUSTOMER_MOVE_WINDOW = timedelta(hours=1)
"""How long a move the portal recorded for a requester lets the same move through: the
portal sends it at once, so Znuny's change follows within seconds (minutes on a retry)."""


def record_event(session: Session, *, ticket_id: int, kind: str, key: str,
                 item: str | None = None, from_state: str | None = None,
                 to_state: str | None = None, actor: str = "", since: datetime | None = None,
                 now: datetime, done: bool = False) -> WorkflowEvent | None:
    """Insert one event; ``None`` when the same ``kind``/``key`` was recorded for the ticket
    before (by this process or another)."""
    row = WorkflowEvent(ticket_id=ticket_id, kind=kind, key=key[:500], item=item,
                        from_state=from_state, to_state=to_state, actor=actor[:200],
                        since=since, created_at=now, done_at=now if done else None, attempts=0)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def expect_customer_move(session: Session, ticket_id: int, from_state: str, to_state: str,
                         customer_user: str, now: datetime) -> None:
    """Record that the portal is about to move ``ticket_id`` from ``from_state`` to
    ``to_state`` for ``customer_user``: the workflow guard lets that change through (as the
    requester's move) for :data:`CUSTOMER_MOVE_WINDOW`. Call it before the TicketUpdate."""
    record_event(session, ticket_id=ticket_id, kind="customer-move",
                 key=f"{from_state}>{to_state}@{now.isoformat()}", from_state=from_state,
                 to_state=to_state, actor=customer_user, now=now, done=True)


def customer_move_expected(session: Session, ticket_id: int, from_state: str, to_state: str,
                           now: datetime) -> bool:
    """Whether the portal recorded this move for the requester within the window."""
    return session.scalar(select(WorkflowEvent.id).where(
        WorkflowEvent.ticket_id == ticket_id, WorkflowEvent.kind == "customer-move",
        WorkflowEvent.from_state == from_state, WorkflowEvent.to_state == to_state,
        WorkflowEvent.created_at >= now - CUSTOMER_MOVE_WINDOW).limit(1)) is not None


def last_refusal(session: Session, ticket_id: int) -> WorkflowEvent | None:
    """The latest refused move of ``ticket_id``, if any."""
    return session.scalars(select(WorkflowEvent).where(
        WorkflowEvent.ticket_id == ticket_id, WorkflowEvent.kind == "refused").order_by(
        WorkflowEvent.id.desc()).limit(1)).first()


def pending_refusals(session: Session, limit: int = 500) -> list[WorkflowEvent]:
    """Refused moves not yet put back in Znuny, oldest first (at most ``limit``)."""
    return list(session.scalars(select(WorkflowEvent).where(
        WorkflowEvent.kind == "refused", WorkflowEvent.done_at.is_(None)).order_by(
        WorkflowEvent.id).limit(limit)))


def remember_language(session: Session, customer_user: str, language: str,
                      now: datetime) -> None:
    """Record the language (``en``/``ru``) ``customer_user`` uses the portal in."""
    row = session.get(CustomerLanguage, customer_user)
    if row is None:
        session.add(CustomerLanguage(customer_user=customer_user, language=language,
                                     seen_at=now))
    else:
        row.language, row.seen_at = language, now


def language_of(session: Session, customer_user: str | None) -> str | None:
    """The language ``customer_user`` last used the portal in, ``None`` when not known."""
    if not customer_user:
        return None
    row = session.get(CustomerLanguage, customer_user)
    return row.language if row else None
