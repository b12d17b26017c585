"""The audit log: who did what, when."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from radiant_ext.store.models import AuditEntry

__all__ = ["record_audit", "recent_audit"]


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry (the caller commits).

    :param actor: login, ``cli:<user>`` or ``sync``.
    :param action: dotted verb such as ``department.disable`` or ``outbox.park``.
    :param subject: what it was done to (department id, request id, ticket number).
    :param details: JSON-serialisable extra facts.
    """
    entry = AuditEntry(actor=actor, action=action, subject=subject, details=dict(details or {}))
    session.add(entry)
    return entry


def recent_audit(session: Session, limit: int = 50, action: str | None = None) -> list[AuditEntry]:
    """Return the newest audit entries first, optionally only one ``action``."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return list(session.scalars(stmt))
