"""radiant-ext-accounting — the accounting department's catalog for radiant_ext.

Registered under the ``radiant_ext`` entry-point group as ``accounting``; the catalog lives in
``catalog.yaml`` next to this module. One check goes beyond the declarative fields: a cash
discrepancy of 5 000 roubles or more needs a photo of the shift's Z-report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radiant_ext.plugins import CatalogItem, CatalogPackage, Department, FieldError, hookimpl

__all__ = [
    "Z_REPORT_FROM",
    "catalog",
    "radiant_catalog_items",
    "radiant_departments",
    "radiant_validate_fields",
]

catalog = CatalogPackage(__name__, "catalog.yaml")

Z_REPORT_FROM = 5000.0
"""Discrepancies of this many roubles or more need the Z-report attached."""


@hookimpl
def radiant_departments() -> list[Department]:
    """Register the accounting department."""
    return catalog.departments()


@hookimpl
def radiant_catalog_items() -> list[CatalogItem]:
    """Register invoice question, cash discrepancy and expense reimbursement."""
    return catalog.items()


def _amount(value: object) -> float | None:
    try:
        return float(str(value or "").strip().replace(",", "."))
    except ValueError:
        return None  # empty or not a number: the built-in number check reports it


def _has_files(value: object) -> bool:
    values = value if isinstance(value, list | tuple) else [value]
    return any(getattr(v, "filename", v) for v in values)


@hookimpl
def radiant_validate_fields(item: CatalogItem, fields: Mapping[str, Any]) -> list[FieldError]:
    """Require the Z-report on a cash discrepancy of 5 000 roubles or more."""
    if item.id != "accounting.cash-discrepancy" or _has_files(fields.get("z_report")):
        return []
    amount = _amount(fields.get("amount"))
    if amount is None or amount < Z_REPORT_FROM:
        return []
    return [FieldError(
        field="z_report", code="z_report_required",
        message=catalog.message(
            "Attach a photo of the Z-report: the discrepancy is 5 000 roubles or more."))]
