"""Named sync cursors (high-water marks such as the last ticket change time pulled)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from radiant_ext.store.models import SyncCursor

__all__ = ["get_cursor", "set_cursor"]


def get_cursor(session: Session, name: str) -> datetime | None:
    """Return cursor ``name``'s value, or ``None`` when it was never set (first run)."""
    row = session.get(SyncCursor, name)
    return None if row is None else row.value


def set_cursor(session: Session, name: str, value: datetime | None) -> None:
    """Set cursor ``name`` to ``value`` (``None`` forces a full pull next time)."""
    row = session.get(SyncCursor, name)
    if row is None:
        session.add(SyncCursor(name=name, value=value))
    else:
        row.value = value
    session.flush()
