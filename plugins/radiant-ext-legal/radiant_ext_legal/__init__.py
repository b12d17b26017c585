"""radiant-ext-legal — the legal department's catalog for radiant_ext.

Registered under the ``radiant_ext`` entry-point group as ``legal``. Besides its catalog
(``catalog.yaml`` next to this module) it checks what the declarative fields cannot — a
power of attorney must end after it starts, a large contract needs its draft — and writes
every ticket it created to the legal register (the ``radiant_ext_legal.register`` logger).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from radiant_ext.plugins import (
    CatalogItem,
    CatalogPackage,
    Department,
    FieldError,
    RoutingDecision,
    hookimpl,
)

__all__ = [
    "catalog",
    "radiant_catalog_items",
    "radiant_departments",
    "radiant_ticket_created",
    "radiant_validate_fields",
]

catalog = CatalogPackage(__name__, "catalog.yaml")
register = logging.getLogger("radiant_ext_legal.register")


@hookimpl
def radiant_departments() -> list[Department]:
    """Register the legal department."""
    return catalog.departments()


@hookimpl
def radiant_catalog_items() -> list[CatalogItem]:
    """Register contract review, power of attorney and the stores' legal questions."""
    return catalog.items()


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None  # empty or malformed: the built-in date check reports it


def _period_error(fields: Mapping[str, Any]) -> FieldError | None:
    start, end = _date(fields.get("valid_from")), _date(fields.get("valid_until"))
    if start is None or end is None or end > start:
        return None
    return FieldError(
        field="valid_until", code="ends_before_start",
        message=catalog.message("The power of attorney must end after the day it starts."))


def _has_files(value: object) -> bool:
    values = value if isinstance(value, list | tuple) else [value]
    return any(getattr(v, "filename", v) for v in values)


def _draft_error(fields: Mapping[str, Any]) -> FieldError | None:
    if fields.get("value_band") != "over-10m" or _has_files(fields.get("draft")):
        return None
    return FieldError(
        field="draft", code="draft_required",
        message=catalog.message(
            "Attach the draft: contracts over 10 million roubles are reviewed on paper."))


@hookimpl
def radiant_validate_fields(item: CatalogItem, fields: Mapping[str, Any]) -> list[FieldError]:
    """Check a power of attorney's period and a large contract's draft."""
    checks = {"legal.power-of-attorney": _period_error, "legal.contract-review": _draft_error}
    check = checks.get(item.id)
    error = check(fields) if check else None
    return [error] if error else []


@hookimpl
def radiant_ticket_created(
    ticket_number: str, item: CatalogItem | None, decision: RoutingDecision | None
) -> None:
    """Write a legal ticket to the register: number, item, priority, owner and deadline."""
    if item is None or item.department != "legal" or decision is None:
        return
    register.info("%s %s priority %s owner %s due %s UTC", ticket_number, item.id,
                  decision.priority, decision.owner or "-", decision.deadline_utc())
