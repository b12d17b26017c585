"""Bundles (``bundle``, ``bundle_part``): a request filed as a parent ticket and its parts.

The portal records a bundle and its parts, each part with its routing decided when the
request was filed, before the outbox stores the parent. The ``bundle-parts`` job files each
part through the outbox under its own request id (``<parent request id>-P<n>``), so a part
is filed once however often the job runs, and closes the parent once every part is closed
(``closed_at`` claimed with one conditional UPDATE). See ``docs/catalogs.md``, "Bundles".

Every function takes an open session; the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, and_, exists, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from radiant_ext.store.models import Base, Outbox, TicketCache, utcnow

__all__ = [
    "BundlePartRow",
    "BundleRow",
    "PartStatus",
    "bundle_of_ticket",
    "claim_parent_close",
    "closable_bundles",
    "part_request_id",
    "part_statuses",
    "release_parent_close",
]


class BundleRow(Base):
    """A bundle request: its parent's request id (the outbox reference), item, requester.

    ``closed_at``: when the parent was closed because every part was (claimed before Znuny
    is told; given back when Znuny refuses).
    """

    __tablename__ = "bundle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    item: Mapped[str] = mapped_column(String(200))
    customer_user: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(400), default="")
    """The requester as the parts' first articles name them (``"Name" <address>``)."""
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class BundlePartRow(Base):
    """One part of a bundle, ready to be filed: its ticket's title, text and routing.

    ``request_id`` is the part's own outbox reference; ``decision`` what routing decided when
    the bundle was filed (type, queue, service, sla, priority, owner, deadline and the
    ``Radiant*`` dynamic fields).
    """

    __tablename__ = "bundle_part"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundle.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    item: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    customer_id: Mapped[str | None] = mapped_column(String(200))


def part_request_id(parent: str, number: int) -> str:
    """The outbox reference of part ``number`` (1-based) of the bundle filed as ``parent``."""
    return f"{parent}-P{number}"


@dataclass(frozen=True)
class PartStatus:
    """What the store knows of one part: its row, and its ticket once filed and pulled."""

    part: BundlePartRow
    ticket_id: int | None
    ticket_number: str | None
    state: str | None
    state_type: str | None

    @property
    def closed(self) -> bool:
        """Whether the part's ticket is closed (as the ticket cache last saw it)."""
        return self.state_type == "closed"


def part_statuses(session: Session, bundle_id: int) -> list[PartStatus]:
    """The parts of ``bundle_id`` in order, each with its ticket and state when known."""
    rows = session.execute(
        select(BundlePartRow, Outbox.ticket_id, Outbox.ticket_number, TicketCache.state,
               TicketCache.state_type)
        .outerjoin(Outbox, Outbox.request_id == BundlePartRow.request_id)
        .outerjoin(TicketCache, TicketCache.ticket_id == Outbox.ticket_id)
        .where(BundlePartRow.bundle_id == bundle_id).order_by(BundlePartRow.number))
    return [PartStatus(part, tid, number, state, kind)
            for part, tid, number, state, kind in rows]


def bundle_of_ticket(session: Session, ticket_id: int) -> BundleRow | None:
    """The bundle whose parent is ticket ``ticket_id`` (through the outbox), or ``None``."""
    return session.scalar(
        select(BundleRow).join(Outbox, Outbox.request_id == BundleRow.request_id)
        .where(Outbox.ticket_id == ticket_id))


def closable_bundles(session: Session, limit: int) -> list[tuple[int, int, str, str]]:
    """Bundles not closed yet whose parent is filed and whose parts are all filed and closed
    (as the ticket cache has them), oldest first: ``(bundle id, parent ticket id, the
    parent's state type, the bundle's language)``. A bundle that never completes (declined,
    a part held) is never among them, so it holds up no other."""
    part_box, part_cache = Outbox.__table__.alias("part_box"), TicketCache.__table__.alias(
        "part_cache")
    open_part = exists().select_from(
        BundlePartRow.__table__.outerjoin(part_box, part_box.c.request_id
                                          == BundlePartRow.request_id)
        .outerjoin(part_cache, part_cache.c.ticket_id == part_box.c.ticket_id)
    ).where(BundlePartRow.bundle_id == BundleRow.id,
            or_(part_cache.c.state_type.is_(None), part_cache.c.state_type != "closed"))
    rows = session.execute(
        select(BundleRow.id, Outbox.ticket_id, TicketCache.state_type, BundleRow.language)
        .join(Outbox, and_(Outbox.request_id == BundleRow.request_id,
                           Outbox.ticket_id.is_not(None)))
        .outerjoin(TicketCache, TicketCache.ticket_id == Outbox.ticket_id)
        .where(BundleRow.closed_at.is_(None), ~open_part)
        .order_by(BundleRow.id).limit(limit))
    return [(int(b), int(t or 0), str(kind or ""), str(lang)) for b, t, kind, lang in rows]


def claim_parent_close(session: Session, bundle_id: int, now: datetime) -> bool:
    """Claim closing the parent of ``bundle_id``; ``False`` when it was claimed before."""
    done = session.execute(
        update(BundleRow).where(BundleRow.id == bundle_id, BundleRow.closed_at.is_(None))
        .values(closed_at=now).execution_options(synchronize_session=False))
    return bool(getattr(done, "rowcount", 0))


def release_parent_close(session: Session, bundle_id: int) -> None:
    """Give back a claim whose change Znuny did not take (the next run tries again)."""
    session.execute(update(BundleRow).where(BundleRow.id == bundle_id)
                    .values(closed_at=None).execution_options(synchronize_session=False))
