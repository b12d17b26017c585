"""Department enablement and catalog item states (admin switches kept in the store)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from radiant_ext.store.audit import record_audit
from radiant_ext.store.models import CatalogItemState, DepartmentState, utcnow

__all__ = [
    "get_catalog_item_states",
    "get_department_states",
    "is_department_enabled",
    "set_catalog_item_state",
    "set_department_enabled",
]


def get_department_states(session: Session) -> dict[str, DepartmentState]:
    """Return every department an admin switched, by department id.

    A department without a row keeps its plugin's default.
    """
    rows = session.scalars(select(DepartmentState)).all()
    return {row.department: row for row in rows}


def is_department_enabled(session: Session, department: str, default: bool = True) -> bool:
    """Return whether ``department`` is enabled, or ``default`` when nobody switched it."""
    row = session.get(DepartmentState, department)
    return default if row is None else row.enabled


def set_department_enabled(
    session: Session, department: str, enabled: bool, actor: str
) -> DepartmentState:
    """Enable or disable ``department``, recording who did it in the audit log.

    :param session: an open session; the caller commits.
    :param department: department id such as ``it`` or ``hr``.
    :param enabled: the new state.
    :param actor: login or ``cli:<user>`` of whoever switched it.
    """
    row = session.get(DepartmentState, department)
    if row is None:
        row = DepartmentState(department=department, enabled=enabled, changed_by=actor)
        session.add(row)
    row.enabled = enabled
    row.changed_by = actor
    row.changed_at = utcnow()
    action = "department.enable" if enabled else "department.disable"
    record_audit(session, actor=actor, action=action, subject=department)
    session.flush()
    return row


def get_catalog_item_states(session: Session) -> dict[str, CatalogItemState]:
    """Return the catalog items the catalog check switched, by item id."""
    rows = session.scalars(select(CatalogItemState)).all()
    return {row.item_id: row for row in rows}


def set_catalog_item_state(
    session: Session, item_id: str, enabled: bool, reason: str | None, actor: str = "sync"
) -> bool:
    """Record whether catalog item ``item_id`` is usable; return ``True`` when it changed.

    :param reason: why it was disabled (shown to admins); ``None`` when enabled.
    """
    row = session.get(CatalogItemState, item_id)
    if row is not None and row.enabled == enabled and row.reason == reason:
        return False
    if row is None:
        if enabled:
            return False
        row = CatalogItemState(item_id=item_id, enabled=True)
        session.add(row)
    changed = row.enabled != enabled
    row.enabled = enabled
    row.reason = reason
    row.changed_at = utcnow()
    if changed:
        action = "catalog_item.enable" if enabled else "catalog_item.disable"
        record_audit(session, actor=actor, action=action, subject=item_id,
                     details={"reason": reason})
    session.flush()
    return changed
