"""Department switches persisted in the local store (SQLite, and PostgreSQL when available)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from radiant_ext.plugins import DatabaseEnablement, Plugins
from radiant_ext.store import make_engine, session_scope, set_catalog_item_state, upgrade_database

MakePlugins = Callable[..., Plugins]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()


def _roundtrip(engine: Engine, make_plugins: MakePlugins, catalog: str) -> None:
    first = make_plugins(catalog, enablement=DatabaseEnablement(lambda: session_scope(engine)))
    first.set_department_enabled("ops", False, actor="cli:admin")
    second = make_plugins(catalog, enablement=DatabaseEnablement(lambda: session_scope(engine)))
    assert second.department_states() == {"ops": False}
    assert second.catalog_items() == []
    with engine.connect() as conn:
        who = conn.execute(text("SELECT changed_by FROM department_state")).scalar_one()
    assert who == "cli:admin"
    second.set_department_enabled("ops", True, actor="cli:admin")
    with session_scope(engine) as session:
        set_catalog_item_state(session, "ops.paper", False, "SLA 'X' not in Znuny")
    third = make_plugins(catalog, enablement=DatabaseEnablement(lambda: session_scope(engine)))
    assert [i.id for i in third.catalog_items()] == ["ops.till"]
    assert third.disabled_items() == {"ops.paper": "SLA 'X' not in Znuny"}


def test_switches_persist_in_sqlite_store(
    sqlite_engine: Engine, make_plugins: MakePlugins, base_catalog: str
) -> None:
    _roundtrip(sqlite_engine, make_plugins, base_catalog)


@pytest.mark.postgres
def test_switches_persist_in_postgres_store(make_plugins: MakePlugins, base_catalog: str) -> None:
    url = os.environ.get("RADIANT_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("RADIANT_TEST_POSTGRES_URL is not set")
    engine = make_engine(url)
    upgrade_database(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM department_state WHERE department = 'ops'"))
        conn.execute(text("DELETE FROM catalog_item_state WHERE item_id LIKE 'ops.%'"))
    try:
        _roundtrip(engine, make_plugins, base_catalog)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM department_state WHERE department = 'ops'"))
            conn.execute(text("DELETE FROM catalog_item_state WHERE item_id LIKE 'ops.%'"))
        engine.dispose()


def test_a_reader_with_max_age_reads_the_store_once_per_window(sqlite_engine: Engine) -> None:
    reads = 0

    def counting_scope() -> Any:
        nonlocal reads
        reads += 1
        return session_scope(sqlite_engine)

    reader = DatabaseEnablement(counting_scope, max_age=60.0)
    writer = DatabaseEnablement(lambda: session_scope(sqlite_engine))
    writer.set_department_enabled("ops", False, actor="cli:admin")
    for _ in range(5):
        assert reader.department_states() == {"ops": False}
        assert reader.disabled_items() == {}
    assert reads == 2  # one read of the switches, one of the disabled items
    # Another process's switch shows after the window; this object's own switch at once.
    writer.set_department_enabled("ops", True, actor="cli:admin")
    assert reader.department_states() == {"ops": False}
    reader.set_department_enabled("ops", True, actor="cli:admin")
    assert reader.department_states() == {"ops": True}


def test_without_max_age_every_read_sees_the_store(sqlite_engine: Engine) -> None:
    reader = DatabaseEnablement(lambda: session_scope(sqlite_engine))
    writer = DatabaseEnablement(lambda: session_scope(sqlite_engine))
    writer.set_department_enabled("ops", False, actor="cli:admin")
    assert reader.department_states() == {"ops": False}
    writer.set_department_enabled("ops", True, actor="cli:admin")
    assert reader.department_states() == {"ops": True}
