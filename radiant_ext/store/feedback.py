"""Guest feedback: which stores' public pages take feedback, and the rate limits' counts.

A store's public feedback page (``/feedback/<store>``, docs/feedback.md) is off until an admin
enables it; every change is recorded in the audit log (``feedback.enable`` /
``feedback.disable``: who, when, before and after). The counts of accepted guest feedback live
in ``feedback_hit`` so that every portal host enforces the same limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from radiant_ext.store.audit import record_audit
from radiant_ext.store.models import AuditEntry, FeedbackHit, FeedbackStore, utcnow

__all__ = [
    "FEEDBACK_ACTIONS",
    "FeedbackChange",
    "add_feedback_hits",
    "count_feedback_hits",
    "feedback_history",
    "feedback_states",
    "is_feedback_enabled",
    "set_feedback_enabled",
]

FEEDBACK_ACTIONS = ("feedback.enable", "feedback.disable")
"""Audit actions that switch a store's feedback page (its history)."""


@dataclass(frozen=True)
class FeedbackChange:
    """One switch of a store's feedback page: who, when, and the state after it."""

    store: str
    at: datetime
    actor: str
    enabled: bool


def feedback_states(session: Session) -> dict[str, bool]:
    """Every store an admin switched, by store id (a store without a row is off)."""
    return {row.store: bool(row.enabled) for row in session.scalars(select(FeedbackStore))}


def is_feedback_enabled(session: Session, store: str) -> bool:
    """Whether ``store``'s public feedback page takes feedback (off unless enabled)."""
    row = session.get(FeedbackStore, store)
    return bool(row is not None and row.enabled)


def set_feedback_enabled(session: Session, store: str, enabled: bool, actor: str) -> bool:
    """Switch ``store``'s feedback page; record who did it in the audit log.

    Returns whether anything changed (an unchanged switch records nothing).

    :param session: an open session; the caller commits.
    :param store: a store id of the directory (``store-012``) or ``web`` for the web shop.
    :param actor: the admin's login (or ``cli:<user>``).
    """
    row = session.get(FeedbackStore, store)
    before = bool(row is not None and row.enabled)
    if before == enabled and row is not None:
        return False
    if row is None:
        if not enabled:
            return False
        row = FeedbackStore(store=store, enabled=enabled, changed_by=actor)
        session.add(row)
    row.enabled = enabled
    row.changed_by = actor
    row.changed_at = utcnow()
    record_audit(session, actor=actor,
                 action="feedback.enable" if enabled else "feedback.disable", subject=store,
                 details={"before": {"enabled": before}, "after": {"enabled": enabled}})
    session.flush()
    return True


def feedback_history(session: Session, stores: Iterable[str] | None = None,
                     limit: int = 50) -> list[FeedbackChange]:
    """The newest switches of stores' feedback pages first."""
    stmt = (select(AuditEntry).where(AuditEntry.action.in_(FEEDBACK_ACTIONS))
            .order_by(AuditEntry.id.desc()).limit(limit))
    if stores is not None:
        stmt = stmt.where(AuditEntry.subject.in_(list(stores)))
    return [FeedbackChange(store=e.subject, at=e.at, actor=e.actor,
                           enabled=e.action == "feedback.enable")
            for e in session.scalars(stmt)]


def count_feedback_hits(session: Session, key: str, since: float) -> int:
    """How many guest feedbacks were counted against ``key`` at or after ``since``."""
    return int(session.scalar(select(func.count()).select_from(FeedbackHit).where(
        FeedbackHit.key == key, FeedbackHit.at >= since)) or 0)


def add_feedback_hits(session: Session, keys: Sequence[str], at: float, *,
                      older_than: float) -> None:
    """Count one guest feedback at ``at`` against each of ``keys``; forget counts from
    before ``older_than`` (they left every window)."""
    session.execute(delete(FeedbackHit).where(FeedbackHit.at < older_than))
    session.add_all(FeedbackHit(key=key, at=at) for key in keys)
    session.flush()
