"""The step log (``step_entry``): one row per entry of a catalogued ticket into an open state.

The ticket cache keeps a ticket's current state and when it entered it; the step log keeps
every entry the store has seen, so the time spent in steps a ticket has left (and every step
of a closed ticket) is known: the ``time-per-step`` report reads it (``docs/reports.md``,
"Workflow steps").

Every door that changes a cached ticket's state tells :func:`follow_states` what it saw —
the ticket pull and the portal's cache writes (``upsert_changes``), the outbox when it files a
request, the workflow guard when it puts a refused move back, and the state-update webhook
(which reports each move as Znuny makes it, also when the pull would see two moves as one).
:func:`follow_states` is idempotent: a state already logged as current changes nothing, an
observation older than the current entry is ignored (a late webhook after the pull). Its
writers take turns (:func:`_serialise`): two webhook calls of one move, delivered at once,
log one stay.

Only tickets with a catalog item are logged, and only entries into open state types (``new``,
``open``, ``pending …``): a closed, merged or removed ticket's time is not a step's. A ticket
first seen already in its state is logged from the cache's ``state_since`` (its last change
in Znuny), which may be later than its real entry.

Every function takes an open session; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Index,
    Integer,
    String,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, Session, mapped_column

from radiant_ext.store.models import Base, UTCDateTime

__all__ = ["OPEN_STATE_TYPES", "StateSeen", "StepEntry", "follow_states"]

OPEN_STATE_TYPES = ("new", "open", "pending reminder", "pending auto")
"""Znuny's state types of an open ticket (the others are closed, removed and merged)."""
LOCK_KEY = 0x52535445
"""The PostgreSQL advisory lock the writers of the step log take (:func:`_serialise`)."""


class StepEntry(Base):
    """A catalogued ticket's stay in one open state: entered, and left (``None``: still in it)."""

    __tablename__ = "step_entry"
    __table_args__ = (Index("ix_step_entry_ticket", "ticket_id", "left_at"),
                      Index("ix_step_entry_left", "left_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    item: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_state: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The state the ticket went to (a closed one too)."""


@dataclass(frozen=True)
class StateSeen:
    """A ticket seen in ``state`` (of ``state_type``) since ``at``."""

    ticket_id: int
    item: str | None
    state: str
    state_type: str | None
    at: datetime | None


def _open(state_type: str | None) -> bool:
    return (state_type or "").lower() in OPEN_STATE_TYPES


def follow_states(session: Session, seen: Iterable[StateSeen]) -> int:
    """Log what ``seen`` tells of each ticket's state; return how many entries were opened.

    A ticket whose current entry holds the seen state is left as it is. Otherwise its current
    entry (if any) is closed at ``at`` and, when the state is open, a new entry starts at
    ``at``. Times are compared to the whole second (Znuny's resolution). An observation older
    than the ticket's last logged move (or without a time) changes nothing: older than its
    current entry, or — once it left the open states — older than that move or telling of the
    state it left or went to by then (a webhook delivered after the close would otherwise
    open a stay the ticket has long left).
    """
    latest = {s.ticket_id: s for s in seen if s.item and s.at is not None}
    if not latest:
        return 0
    _serialise(session)
    current = _current(session, sorted(latest))
    last_left = _last_left(session, sorted(set(latest) - set(current)))
    opened = []
    for ticket_id, s in latest.items():
        assert s.at is not None and s.item is not None
        at = _second(s.at)
        entry = current.get(ticket_id)
        if entry is not None and (entry.state == s.state or at < _second(entry.entered_at)):
            continue
        left = last_left.get(ticket_id)
        if left is not None and left.left_at is not None and (
                at < _second(left.left_at)
                or (at == _second(left.left_at) and s.state in (left.state, left.next_state))):
            continue
        if entry is not None:
            # in the second the stay began (Znuny's times are whole seconds, ours are not)
            at = max(at, entry.entered_at)
            entry.left_at, entry.next_state = at, s.state
        if _open(s.state_type):
            opened.append({"ticket_id": ticket_id, "item": s.item, "state": s.state,
                           "entered_at": at})
    if opened:
        session.execute(insert(StepEntry), opened)
    return len(opened)


def _serialise(session: Session) -> None:
    """Wait until no other transaction can write the step log, before reading it.

    Znuny's daemon delivers the webhook calls of one move at once, each in a thread of its
    own; reading a ticket's current stay side by side, both would see it in its old step and
    both open a stay in the new one. So the reading starts only when the transaction holds
    the log until its commit: on PostgreSQL an advisory lock for the transaction; on SQLite
    its write lock, which a writing statement takes (a reading one does not, and the driver
    begins a transaction only for writes) — the reads then see every earlier commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
    else:
        session.execute(update(StepEntry).where(false()).values(state=StepEntry.state))


def _second(moment: datetime) -> datetime:
    """``moment`` to the whole second: Znuny tells times in seconds, the outbox and the
    portal in microseconds, so a move Znuny made in the second a stay began is not older."""
    return moment.replace(microsecond=0)


def _current(session: Session, ids: Sequence[int]) -> dict[int, StepEntry]:
    """The entry each ticket of ``ids`` is in now (the newest, should there be two)."""
    return _latest(session, ids, StepEntry.left_at.is_(None), StepEntry.entered_at)


def _last_left(session: Session, ids: Sequence[int]) -> dict[int, StepEntry]:
    """For tickets without a current entry: the stay each left last (a closed ticket's last
    step), by the time it was left."""
    return _latest(session, ids, StepEntry.left_at.is_not(None), StepEntry.left_at)


def _latest(session: Session, ids: Sequence[int], which: ColumnElement[bool],
            order: InstrumentedAttribute[Any]) -> dict[int, StepEntry]:
    """Per ticket of ``ids``, the last of its entries matching ``which`` by ``order``."""
    found: dict[int, StepEntry] = {}
    for start in range(0, len(ids), 500):
        rows = session.scalars(select(StepEntry).where(
            StepEntry.ticket_id.in_(ids[start:start + 500]), which)
            .order_by(order, StepEntry.id))
        found.update((row.ticket_id, row) for row in rows)
    return found
