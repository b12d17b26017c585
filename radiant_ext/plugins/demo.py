"""The demo world's store directory: 30 stores of a retail chain and their trading hours.

Only the demo loads it: ``radiant-ext demo`` names :data:`DEMO_CATALOG_DIR` in its
``catalog_dirs``, the sandbox's retail seed creates these stores as Znuny customer companies,
and the tests that use the demo world name the folder themselves. A production installation
never sees it — its store directory is the ``stores:`` of its own catalog directories
(``docs/catalogs.md``, "Stores").
"""

from __future__ import annotations

from pathlib import Path

from radiant_ext.plugins.catalog import CatalogFile
from radiant_ext.plugins.loader import load_catalog_file
from radiant_ext.plugins.models import StoreInfo

__all__ = ["DEMO_CATALOG_DIR", "DEMO_STORES_FILE", "demo_stores"]

DEMO_CATALOG_DIR = Path(__file__).resolve().parent / "data" / "demo"
"""A catalog directory holding only the demo's ``stores.yaml`` (stores and their calendars)."""

DEMO_STORES_FILE = DEMO_CATALOG_DIR / "stores.yaml"


def demo_stores() -> list[StoreInfo]:
    """Return the demo's stores, ``store-001`` … ``store-030`` (flagships 001–003)."""
    demo: CatalogFile = load_catalog_file(DEMO_STORES_FILE)
    return list(demo.stores)
