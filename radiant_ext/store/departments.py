"""Department enablement and catalog item states (admin switches kept in the store)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from radiant_ext.store.audit import record_audit
from radiant_ext.store.models import AuditEntry, CatalogItemState, DepartmentState, utcnow

__all__ = [
    "DepartmentScope",
    "department_history",
    "get_catalog_item_states",
    "get_department_scopes",
    "get_department_states",
    "is_department_enabled",
    "set_catalog_item_state",
    "set_department_enabled",
    "set_department_enablement",
]

DEPARTMENT_ACTIONS = ("department.enable", "department.disable", "department.change")
"""Audit actions that change a department's switch or scope (its history)."""


@dataclass(frozen=True)
class DepartmentScope:
    """For whom an enabled department's catalog is.

    Nothing set: everyone (as before scopes existed). Otherwise a customer is in scope when
    *any* part matches: their store's tier is in ``tiers``, their company is in ``companies``,
    or ``head_office`` is set and their company is one of the head office's (the portal's
    ``admin.head_office`` setting names those companies).
    """

    tiers: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    head_office: bool = False

    @property
    def everyone(self) -> bool:
        """Whether the scope lets every customer in."""
        return not (self.tiers or self.companies or self.head_office)

    def describe(self) -> str:
        """In words, as ``radiant-ext plugins`` prints it: ``everyone`` or ``tiers flagship;
        store-007, store-012; head office``."""
        if self.everyone:
            return "everyone"
        parts = [f"tiers {', '.join(self.tiers)}"] if self.tiers else []
        if self.companies:
            parts.append(", ".join(self.companies))
        if self.head_office:
            parts.append("head office")
        return "; ".join(parts)

    def as_json(self) -> dict[str, Any] | None:
        """The stored form (``None`` for everyone)."""
        if self.everyone:
            return None
        return {"tiers": list(self.tiers), "companies": list(self.companies),
                "head_office": self.head_office}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> DepartmentScope:
        """Read the stored form; ``None`` or an empty mapping is everyone."""
        if not data:
            return cls()
        return cls(tiers=_strings(data.get("tiers")), companies=_strings(data.get("companies")),
                   head_office=bool(data.get("head_office")))

    def allows(self, *, company: str | None, tier: str | None,
               head_office_companies: Iterable[str] = ()) -> bool:
        """Whether a customer of ``company`` (a store of ``tier``, if a store) is in scope."""
        if self.everyone:
            return True
        return bool(
            (company and company in self.companies)
            or (tier and tier in self.tiers)
            or (self.head_office and company and company in set(head_office_companies)))


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(sorted({str(v) for v in value if str(v)}))


@dataclass(frozen=True)
class Change:
    """One recorded change of a department: who, when, before and after."""

    at: datetime
    actor: str
    action: str
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)


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


def get_department_scopes(session: Session) -> dict[str, DepartmentScope]:
    """Return the scope of every department that has one (the others are for everyone)."""
    rows = session.scalars(select(DepartmentState)).all()
    return {row.department: DepartmentScope.from_json(row.scope) for row in rows if row.scope}


def _snapshot(row: DepartmentState | None) -> dict[str, Any]:
    if row is None:
        return {"enabled": True, "scope": None}
    return {"enabled": bool(row.enabled), "scope": DepartmentScope.from_json(row.scope).as_json()}


def set_department_enablement(
    session: Session, department: str, *, enabled: bool, scope: DepartmentScope | None,
    actor: str,
) -> tuple[DepartmentState, bool]:
    """Set whether ``department`` is enabled and for whom, recording the change (who, when,
    the state before and after) in the audit log. Returns the row and whether it changed
    (an unchanged submission records nothing).

    :param scope: ``None`` keeps the stored scope (the CLI's enable / disable).
    """
    row = session.get(DepartmentState, department)
    before = _snapshot(row)
    if row is None:
        row = DepartmentState(department=department, enabled=enabled, changed_by=actor)
        session.add(row)
    row.enabled = enabled
    if scope is not None:
        row.scope = scope.as_json()
    after = _snapshot(row)
    if before == after:
        session.flush()
        return row, False
    row.changed_by = actor
    row.changed_at = utcnow()
    if before["enabled"] != after["enabled"]:
        action = "department.enable" if enabled else "department.disable"
    else:
        action = "department.change"
    record_audit(session, actor=actor, action=action, subject=department,
                 details={"before": before, "after": after})
    session.flush()
    return row, True


def department_history(session: Session, departments: Iterable[str] | None = None,
                       limit: int = 100) -> list[tuple[str, Change]]:
    """The newest changes of departments' switches and scopes first, as (department, change)."""
    stmt = (select(AuditEntry).where(AuditEntry.action.in_(DEPARTMENT_ACTIONS))
            .order_by(AuditEntry.id.desc()).limit(limit))
    if departments is not None:
        stmt = stmt.where(AuditEntry.subject.in_(list(departments)))
    out = []
    for entry in session.scalars(stmt):
        details = entry.details or {}
        out.append((entry.subject, Change(
            at=entry.at, actor=entry.actor, action=entry.action,
            before=details.get("before") or {}, after=details.get("after") or {})))
    return out


def set_department_enabled(
    session: Session, department: str, enabled: bool, actor: str
) -> DepartmentState:
    """Enable or disable ``department`` (its scope kept), recording who did it, with the
    state before and after, in the audit log.

    :param session: an open session; the caller commits.
    :param department: department id such as ``it`` or ``hr``.
    :param enabled: the new state.
    :param actor: login or ``cli:<user>`` of whoever switched it.
    """
    row, changed = set_department_enablement(session, department, enabled=enabled, scope=None,
                                             actor=actor)
    if not changed:  # the switch was asked for: say so in the log, as before
        row.changed_by = actor
        row.changed_at = utcnow()
        action = "department.enable" if enabled else "department.disable"
        record_audit(session, actor=actor, action=action, subject=department,
                     details={"before": _snapshot(row), "after": _snapshot(row)})
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
