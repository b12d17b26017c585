"""Fixtures for the store tests: one migrated database per test, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from radiant_ext.store import make_engine, upgrade_database

PG_ENV = "RADIANT_TEST_POSTGRES_URL"


def postgres_url() -> str:
    """Return the PostgreSQL test URL; fail in CI and skip locally when it is not set."""
    url = os.environ.get(PG_ENV, "")
    if not url:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{PG_ENV} is not set: CI must run the store tests on PostgreSQL")
        pytest.skip(f"{PG_ENV} is not set (PostgreSQL variants run in CI)")
    return url


def _fresh_postgres_engine(url: str) -> tuple[Engine, str]:
    # One schema per test: tests stay isolated and may run beside another suite on the server.
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty (unmigrated) database engine: SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        yield engine
        engine.dispose()
        return
    url = postgres_url()
    engine, schema = _fresh_postgres_engine(url)
    yield engine
    engine.dispose()
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    """A database migrated to the head revision."""
    upgrade_database(db_engine)
    return db_engine
