"""radiant-ext-customer-service — feedback and complaints from outside customers.

Registered under the ``radiant_ext`` entry-point group as ``customer-service``. Besides its
catalog it adds one check the declarative fields cannot express: a complaint needs a way to
answer the customer, an e-mail address or a phone number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radiant_ext.plugins import (
    CatalogItem,
    CatalogPackage,
    Department,
    FieldError,
    StoreInfo,
    hookimpl,
)

__all__ = ["catalog", "radiant_catalog_items", "radiant_departments", "radiant_validate_fields"]

catalog = CatalogPackage(__name__, "catalog.yaml")

COMPLAINT = "customer-service.complaint"


@hookimpl
def radiant_departments() -> list[Department]:
    """Register the customer service department."""
    return catalog.departments()


@hookimpl
def radiant_catalog_items() -> list[CatalogItem]:
    """Register feedback and complaint."""
    return catalog.items()


@hookimpl
def radiant_validate_fields(
    item: CatalogItem, fields: Mapping[str, Any], store: StoreInfo | None
) -> list[FieldError]:
    """Require an e-mail address or a phone number on a complaint."""
    if item.id != COMPLAINT:
        return []
    if str(fields.get("email") or "").strip() or str(fields.get("phone") or "").strip():
        return []
    return [FieldError(
        field="email",
        code="contact_required",
        message=catalog.message("Give an e-mail address or a phone number so we can answer you."),
    )]
