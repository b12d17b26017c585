"""Store engines for the test packages that need a database (store, sync, reports).

Each package's conftest builds its ``engine`` fixture from :func:`store_engine`, parametrised
with :data:`ENGINE_PARAMS`: an SQLite file, or a fresh schema on the PostgreSQL server named by
``RADIANT_TEST_POSTGRES_URL``. Without that variable the PostgreSQL variants fail in CI and are
skipped locally.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from radiant_ext.store import make_engine, upgrade_database

PG_ENV = "RADIANT_TEST_POSTGRES_URL"
ENGINE_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url(suite: str) -> str:
    """Return the PostgreSQL test URL; fail in CI and skip locally when it is not set.

    :param suite: which tests need it, for the CI message ("store", "sync", "report").
    """
    url = os.environ.get(PG_ENV, "")
    if not url:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{PG_ENV} is not set: CI must run the {suite} tests on PostgreSQL")
        pytest.skip(f"{PG_ENV} is not set (PostgreSQL variants run in CI)")
    return url


@contextmanager
def _postgres_engine(url: str, prefix: str, schema_in_url: bool) -> Iterator[Engine]:
    # One schema per test: tests stay isolated and may run beside another suite on the server.
    schema = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    if schema_in_url:
        # The schema rides in the URL, so a subprocess given engine.url lands in it too.
        engine = make_engine(f"{url}?options=-csearch_path%3D{schema}")
    else:
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@contextmanager
def store_engine(
    kind: str,
    tmp_path: Path,
    *,
    suite: str,
    migrate: bool = True,
    prefix: str = "t_",
    schema_in_url: bool = False,
) -> Iterator[Engine]:
    """An engine on an SQLite file (``kind="sqlite"``) or a fresh PostgreSQL schema.

    :param suite: named in the CI failure when the PostgreSQL URL is missing.
    :param migrate: upgrade the database to the head revision first.
    :param prefix: start of the PostgreSQL schema name.
    :param schema_in_url: put the schema in the URL rather than in the connect arguments.
    """
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        if migrate:
            upgrade_database(engine)
        yield engine
        engine.dispose()
        return
    with _postgres_engine(postgres_url(suite), prefix, schema_in_url) as engine:
        if migrate:
            upgrade_database(engine)
        yield engine
