"""Fixtures for the plugins tests: catalog text factories and plugin managers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from radiant_ext.plugins import (
    CatalogFile,
    EnablementStore,
    MemoryEnablement,
    Plugins,
    load_catalog_text,
    make_plugin_manager,
)
from radiant_ext.plugins.builtin import CatalogFilesPlugin

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "contract"

BASE_CATALOG = """\
department:
  id: ops
  title: {en: Operations, ru: Операции}
rules:
  - id: flagship
    text: "Flagship store {store}"
    text_ru: "Флагманский магазин {store}"
    when: {store_tiers: [flagship]}
    raise: 1
items:
  - id: ops.till
    title: {en: Till, ru: Касса}
    fields:
      - id: impact
        kind: choice
        label: {en: Impact, ru: Влияние}
        options:
          - {value: one, label: {en: One till, ru: Одна касса}}
          - {value: all, label: {en: Whole store, ru: Весь магазин}}
    routing: {type: Incident, queue: "IT::Stores", service: "IT::Cash register",
              sla: POS critical, priority: 3}
    deadline: {business_hours: 4}
    rules: [flagship]
    keywords: [till, касса]
  - id: ops.paper
    title: {en: Paper, ru: Бумага}
    visibility: {companies: [head-office]}
    routing: {type: Service Request, queue: IT, priority: 2, owner_pool: [a1, a2, a3]}
    deadline: {business_hours: 8}
    keywords: [paper, бумага]
"""


@pytest.fixture
def base_catalog() -> str:
    """A small valid catalog: department ``ops``, items ``ops.till`` and ``ops.paper``."""
    return BASE_CATALOG


@pytest.fixture
def contract_znuny_db() -> Path:
    """``shared/contract/znuny-db`` (sample rows of Znuny's metadata tables)."""
    path = CONTRACT / "znuny-db"
    if not path.is_dir():
        pytest.fail(f"shared/contract not found at {CONTRACT}")
    return path


@pytest.fixture
def make_plugins() -> Callable[..., Plugins]:
    """Factory: ``make_plugins(text_or_files, *extra_plugins, enablement=...)``."""

    def factory(
        catalog: str | Iterable[CatalogFile] = BASE_CATALOG,
        *extra: object,
        enablement: EnablementStore | None = None,
        blocked: Iterable[str] = (),
    ) -> Plugins:
        files = [load_catalog_text(catalog, "test.yaml")] if isinstance(catalog, str) \
            else list(catalog)
        pm = make_plugin_manager(load_entrypoints=False, blocked=blocked,
                                 plugins=[CatalogFilesPlugin(files), *extra])
        return Plugins(pm, enablement=enablement or MemoryEnablement())

    return factory
