"""Fixtures for the store tests: one database per test, empty or at the head revision, on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests._store_fixtures import ENGINE_PARAMS, store_engine


@pytest.fixture(params=ENGINE_PARAMS)
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty (unmigrated) database engine: SQLite file or a fresh PostgreSQL schema."""
    with store_engine(request.param, tmp_path, suite="store", migrate=False) as engine:
        yield engine


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at the head revision (a copy of one migrated once per process: the
    migrations are tested from ``db_engine``)."""
    with store_engine(request.param, tmp_path, suite="store") as eng:
        yield eng
