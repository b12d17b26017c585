"""Fixtures for the store tests: one migrated database per test, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from radiant_ext.store import upgrade_database
from tests._store_fixtures import ENGINE_PARAMS, store_engine


@pytest.fixture(params=ENGINE_PARAMS)
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty (unmigrated) database engine: SQLite file or a fresh PostgreSQL schema."""
    with store_engine(request.param, tmp_path, suite="store", migrate=False) as engine:
        yield engine


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    """A database migrated to the head revision."""
    upgrade_database(db_engine)
    return db_engine
