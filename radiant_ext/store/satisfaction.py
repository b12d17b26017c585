"""Satisfaction ratings and rating links (``satisfaction_rating``, ``satisfaction_invite``).

A request is rated once: ``satisfaction_rating.ticket_id`` is unique, so a second rating —
from the portal, from a link, from another host at the same moment — is refused by the
database. ``recorded_at`` is empty until the rating's article is in Znuny (the
``satisfaction-record`` job writes the ones the portal could not). A rating link is sent once
per ticket (``satisfaction_invite``) and can be used once (``used_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from radiant_ext.store.models import Base, UTCDateTime, utcnow

__all__ = [
    "AlreadyRated",
    "NewRating",
    "SatisfactionInvite",
    "SatisfactionRating",
    "add_rating",
    "mark_invite_used",
    "pending_ratings",
    "rating_of",
]


class SatisfactionRating(Base):
    """One requester's rating of a solved or closed request."""

    __tablename__ = "satisfaction_rating"
    __table_args__ = (Index("ix_satisfaction_rating_worst", "rating", "rated_at"),)
    """The worst-rated comments report walks it: per rating, newest first."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    ticket_number: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str | None] = mapped_column(String(64))
    item: Mapped[str | None] = mapped_column(String(200), index=True)
    store: Mapped[str | None] = mapped_column(String(200), index=True)
    department: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    rated_by: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(16), default="portal")
    """``portal`` (the detail page) or ``link`` (the rating link)."""
    follow_up: Mapped[str] = mapped_column(String(16), default="")
    """What a poor rating asks for: ``reopen``, ``alert`` or ``""`` (nothing)."""
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    """When the rating's article (and follow-up) reached Znuny; empty: still to do."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class SatisfactionInvite(Base):
    """The rating link sent for a ticket (one per ticket), and when it was used."""

    __tablename__ = "satisfaction_invite"

    ticket_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    customer_user: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the article with the link reached Znuny; empty: claimed, not written yet."""
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlreadyRated(Exception):  # noqa: N818 - an outcome, not a failure
    """The request has a rating already."""


@dataclass(frozen=True)
class NewRating:
    """What is stored for one rating."""

    ticket_id: int
    ticket_number: str
    request_id: str | None
    item: str | None
    store: str | None
    department: str | None
    owner: str | None
    rating: int
    comment: str
    rated_by: str
    rated_at: datetime
    via: str = "portal"
    follow_up: str = ""


def add_rating(session: Session, new: NewRating) -> SatisfactionRating:
    """Store ``new`` (flushed); :class:`AlreadyRated` when the ticket has a rating."""
    if rating_of(session, new.ticket_id) is not None:
        raise AlreadyRated(str(new.ticket_id))
    row = SatisfactionRating(
        ticket_id=new.ticket_id, ticket_number=new.ticket_number, request_id=new.request_id,
        item=new.item, store=new.store, department=new.department, owner=new.owner,
        rating=new.rating, comment=new.comment, rated_at=new.rated_at, rated_by=new.rated_by,
        via=new.via, follow_up=new.follow_up, attempts=0, last_error="")
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # another host stored one a moment ago
        raise AlreadyRated(str(new.ticket_id)) from exc
    return row


def rating_of(session: Session, ticket_id: int) -> SatisfactionRating | None:
    """The rating of ``ticket_id``, if it has one."""
    return session.scalar(select(SatisfactionRating).where(
        SatisfactionRating.ticket_id == ticket_id))


def pending_ratings(session: Session, limit: int = 100) -> Sequence[SatisfactionRating]:
    """Ratings whose article is not in Znuny yet, oldest first."""
    return session.scalars(select(SatisfactionRating).where(
        SatisfactionRating.recorded_at.is_(None)).order_by(SatisfactionRating.id)
        .limit(limit)).all()


def mark_invite_used(session: Session, ticket_id: int, nonce: str,
                     at: datetime | None = None) -> bool:
    """Use the link ``nonce`` of ``ticket_id``: ``False`` when it was used (or replaced)."""
    invite = session.get(SatisfactionInvite, ticket_id, with_for_update=True)
    if invite is None or invite.nonce != nonce or invite.used_at is not None:
        return False
    invite.used_at = at or utcnow()
    return True
