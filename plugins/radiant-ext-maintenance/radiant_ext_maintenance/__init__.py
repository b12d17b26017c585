"""radiant-ext-maintenance — the maintenance department's catalog for radiant_ext.

Registered under the ``radiant_ext`` entry-point group as ``maintenance``; the catalog lives in
``catalog.yaml`` next to this module.
"""

from __future__ import annotations

from radiant_ext.plugins import CatalogItem, CatalogPackage, Department, hookimpl

__all__ = ["catalog", "radiant_catalog_items", "radiant_departments"]

catalog = CatalogPackage(__name__, "catalog.yaml")


@hookimpl
def radiant_departments() -> list[Department]:
    """Register the maintenance department."""
    return catalog.departments()


@hookimpl
def radiant_catalog_items() -> list[CatalogItem]:
    """Register the maintenance catalog items."""
    return catalog.items()
