"""Which tickets the plugins were told about, once for every host (``ticket_announcement``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.store.models import TicketAnnouncement, utcnow

__all__ = ["ANNOUNCEMENT_MEMORY", "claim_announcement"]

ANNOUNCEMENT_MEMORY = timedelta(days=30)
"""How long an announcement is remembered (Znuny's retries of an event end long before)."""


def claim_announcement(sessions: sessionmaker[Session], ticket_id: int) -> bool:
    """Record that the plugins are told about ``ticket_id`` now.

    :returns: ``True`` for the first claim of any host, ``False`` when one was made before.
    """
    try:
        with sessions.begin() as s:
            s.execute(delete(TicketAnnouncement).where(
                TicketAnnouncement.announced_at < utcnow() - ANNOUNCEMENT_MEMORY))
            s.add(TicketAnnouncement(ticket_id=ticket_id))
        return True
    except IntegrityError:
        return False
