"""Internal notes and alert bookkeeping shared by the classification and deadline jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from radiant_ext.store import TicketAlert

__all__ = ["has_alert", "internal_note"]


def internal_note(subject: str, body: str) -> Any:
    """Return an internal (agent-only) article for TicketUpdate."""
    from radiant_ext.client.models import NewArticle

    return NewArticle(subject=subject, body=body, content_type="text/plain; charset=utf-8",
                      communication_channel="Internal", is_visible_for_customer=False,
                      sender_type="system")


def has_alert(session: Session, ticket_id: int, kind: str, key: str) -> bool:
    """Whether alert ``kind``/``key`` was already raised for the ticket."""
    return session.scalar(select(TicketAlert.id).where(
        TicketAlert.ticket_id == ticket_id, TicketAlert.kind == kind,
        TicketAlert.key == key)) is not None
