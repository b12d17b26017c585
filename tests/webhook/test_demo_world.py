"""Every installed catalog item's webhook answer applies in full to the retail demo Znuny."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from radiant_ext.plugins import Plugins, RequestContext, make_plugin_manager
from radiant_ext.webhook import routing_answer
from radiant_ext_sandbox.znuny_writeback import apply_writeback, plan_writeback


def _names(conn: Any, table: str, column: str = "name") -> set[str]:
    rows = conn.execute(text(f"SELECT {column} FROM {table} WHERE valid_id = 1"))
    return {str(r[0]) for r in rows}


@pytest.fixture(scope="module")
def demo_znuny(tmp_path_factory: pytest.TempPathFactory, kit: Any) -> Any:
    """A FakeZnuny that knows exactly the names of the sandbox's retail seed."""
    from radiant_ext_sandbox import create_app

    data_dir: Path = tmp_path_factory.mktemp("retail")
    create_app(data_dir=data_dir, seed="retail")
    engine = create_engine(f"sqlite:///{data_dir / 'sandbox.sqlite'}")
    with engine.connect() as conn:
        tables = {
            "queues": _names(conn, "queue"), "services": _names(conn, "service"),
            "slas": _names(conn, "sla"), "types": _names(conn, "ticket_type"),
            "priorities": _names(conn, "ticket_priority"), "agents": _names(conn, "users", "login"),
            "states": _names(conn, "ticket_state"),
            "dynamic_fields": _names(conn, "dynamic_field"),
        }
    engine.dispose()
    return lambda ticket: kit.FakeZnuny(ticket=ticket, **tables)


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=True))


def test_the_department_plugins_are_installed(plugins: Plugins) -> None:
    departments = {d.id for d in plugins.departments()}
    assert "it" in departments
    assert len(plugins.catalog_items()) >= 8


def test_every_catalog_item_routes_a_ticket_completely(plugins: Plugins, demo_znuny: Any) -> None:
    created = datetime(2026, 11, 27, 14, 50, tzinfo=UTC)  # Friday 17:50 in Moscow
    for item in plugins.catalog_items():
        decision = plugins.route(item, RequestContext(store_id="store-001", submitted_at=created))
        body = json.dumps(routing_answer(decision))
        plan = plan_writeback(200, "application/json", body)
        ticket = {"Queue": "Postmaster", "Priority": "3 normal", "Type": "Unclassified"}
        znuny = demo_znuny(ticket)
        outcome = apply_writeback(plan.actions, znuny.apply)
        assert outcome.failed is None, f"{item.id}: {outcome.failed}"
        assert ticket["DynamicField_RadiantCategory"] == item.id
        assert ticket["Queue"] == decision.queue
        assert ticket["DynamicField_RadiantStore"] == "store-001"
        assert znuny.history[0] == "AddNote"
