"""Fixtures for the plugins tests: catalog text factories and plugin managers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

from radiant_ext.plugins import (
    CatalogFile,
    EnablementStore,
    MemoryEnablement,
    Plugins,
    StoreDefaults,
    load_catalog_text,
    make_plugin_manager,
)
from radiant_ext.plugins.builtin import CatalogFilesPlugin
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "contract"

BASE_CATALOG = """\
department:
  id: ops
  title: Operations
rules:
  - id: flagship
    text: "Flagship store {store}"
    when: {store_tiers: [flagship]}
    raise: 1
items:
  - id: ops.till
    title: Till
    fields:
      - id: impact
        kind: choice
        label: Impact
        options:
          - {value: one, label: One till}
          - {value: all, label: Whole store}
    routing: {type: Incident, queue: "IT::Stores", service: "IT::Cash register",
              sla: POS critical, priority: 3}
    deadline: {business_hours: 4}
    rules: [flagship]
    keywords: [till, касса]
  - id: ops.paper
    title: Paper
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
    """Factory: ``make_plugins(text_or_files, *extra_plugins, enablement=...)``.

    The plugins see the demo world's store directory (store-001 … store-030, flagships
    001–003) unless ``demo_stores=False``: then, as in a production installation without a
    directory, every store is unknown. ``store_defaults`` replaces the defaults.
    """

    def factory(
        catalog: str | Iterable[CatalogFile] = BASE_CATALOG,
        *extra: object,
        enablement: EnablementStore | None = None,
        blocked: Iterable[str] = (),
        demo_stores: bool = True,
        store_defaults: StoreDefaults | None = None,
    ) -> Plugins:
        files = [load_catalog_text(catalog, "test.yaml")] if isinstance(catalog, str) \
            else list(catalog)
        pm = make_plugin_manager(load_entrypoints=False, blocked=blocked,
                                 catalog_dirs=[DEMO_CATALOG_DIR] if demo_stores else [],
                                 plugins=[CatalogFilesPlugin(files), *extra])
        return Plugins(pm, enablement=enablement or MemoryEnablement(),
                       store_defaults=store_defaults)

    return factory


RETAIL = {
    "queue": ["IT::Stores", "HR", "Accounting", "Legal", "Maintenance", "Customer Service"],
    "ticket_type": ["Incident", "Service Request", "Feedback"],
    "dynamic_field": ["RadiantRequestID", "RadiantCategory", "RadiantStore", "RadiantDeadline"],
}
RETAIL_SLAS = {  # SLA -> services it is linked to in service_sla
    "POS critical": ["IT::Cash register"],
    "IT standard": ["IT::Receipt printer", "IT::Price-tag printer", "IT::ERP access",
                    "IT::E-mail", "IT::Password reset", "IT::Workstation"],
    "HR standard": ["HR::Vacation request", "HR::Certificate of employment", "HR::Onboarding"],
    "Maintenance contract": ["Maintenance::Display case", "Maintenance::Lighting",
                             "Maintenance::HVAC", "Maintenance::Door and lock"],
    "Customer Service standard": ["Customer Service::Feedback", "Customer Service::Complaint"],
}
RETAIL_SLA_SOLUTION_MINUTES = {  # as the sandbox's retail seed and scripts/znuny provision them
    "POS critical": 240, "IT standard": 1440, "HR standard": 1800,
    "Maintenance contract": 360, "Customer Service standard": 1200,
}
RETAIL_SERVICES = ["HR", "Accounting", "Accounting::Invoice question", "Legal",
                   "Legal::Contract review", "Maintenance", "Customer Service"]


def _create_znuny_db(url: str, contract: Path, skip: set[str],
                     state_types: Mapping[str, str] | None = None) -> None:
    """Znuny's metadata tables with the contract's rows plus the demo world's names (and
    the workflow states the Znuny package creates, with ``state_types`` overriding theirs)."""
    import json

    from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, insert

    from radiant_ext_sandbox.seeds.retail import WORKFLOW_STATES

    meta = MetaData()
    rows: dict[str, list[dict[str, object]]] = {}
    for name in ("queue", "service", "sla", "service_sla", "ticket_type", "ticket_priority",
                 "dynamic_field", "ticket_state", "ticket_state_type"):
        data = json.loads((contract / f"{name}.json").read_text("utf-8"))
        keep = ("id", "name", "valid_id", "object_type", "service_id", "sla_id", "type_id",
                *(("solution_time",) if name == "sla" else ()))
        rows[name] = [{k: v for k, v in r.items() if k in keep} for r in data["rows"]]
        cols = list(rows[name][0])
        Table(name, meta, *[Column(c, Integer if c.endswith(("id", "_time")) else Text)
                            for c in cols])

    def add(table: str, name: str, **extra: object) -> int:
        new_id = 1 + max(int(str(r["id"])) for r in rows[table])
        if name not in skip:
            rows[table].append({"id": new_id, "name": name, "valid_id": 1, **extra})
        return new_id

    for table_name, names in RETAIL.items():
        for n in names:
            add(table_name, n,
                **({"object_type": "Ticket"} if table_name == "dynamic_field" else {}))
    for n in RETAIL_SERVICES:
        add("service", n)
    type_ids = {r["name"]: r["id"] for r in rows["ticket_state_type"]}
    for n, state_type in {**WORKFLOW_STATES, **(state_types or {})}.items():
        stock = next((r for r in rows["ticket_state"] if r["name"] == n), None)
        if stock is not None:
            stock["type_id"] = type_ids[state_type]
        else:
            add("ticket_state", n, type_id=type_ids[state_type])
    for sla, services in RETAIL_SLAS.items():
        sla_id = add("sla", sla, solution_time=RETAIL_SLA_SOLUTION_MINUTES[sla])
        for service in services:
            service_id = add("service", service)
            if f"{service}|{sla}" not in skip:
                rows["service_sla"].append({"service_id": service_id, "sla_id": sla_id})
    engine = create_engine(url)
    meta.create_all(engine)
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            conn.execute(insert(table), rows[table.name])
    engine.dispose()


@pytest.fixture
def make_znuny_db(tmp_path: Path, contract_znuny_db: Path) -> Callable[..., str]:
    """Factory: an SQLite copy of Znuny's metadata with the demo world; ``skip`` leaves
    names (or ``"service|SLA"`` links) out, ``state_types`` gives states another state type
    (``{"client testing": "open"}``). Returns the SQLAlchemy URL."""
    counter = iter(range(1000))

    def factory(skip: Iterable[str] = (), state_types: Mapping[str, str] | None = None) -> str:
        url = f"sqlite:///{tmp_path / f'znuny-{next(counter)}.sqlite3'}"
        _create_znuny_db(url, contract_znuny_db, set(skip), state_types)
        return url

    return factory
