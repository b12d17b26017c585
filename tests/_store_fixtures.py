"""Store engines for the test packages that need a database (store, sync, reports).

Each package's conftest builds its ``engine`` fixture from :func:`store_engine`, parametrised
with :data:`ENGINE_PARAMS`: an SQLite file, or a fresh schema on the PostgreSQL server named by
``RADIANT_TEST_POSTGRES_URL``. Without that variable the PostgreSQL variants fail in CI and are
skipped locally.

A migrated store is a copy of one the migrations made once per test process: an SQLite file
copied, a PostgreSQL database created from it as its template (where the role may create
databases; else a fresh schema migrated for the test). The migrations themselves are tested on
empty databases (``tests/store``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import DBAPIError

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


def _database_url(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


_templates: dict[str, str | None] = {}
"""Per kind (and PostgreSQL URL), the migrated store of this process: an SQLite file, the name
of a template database (``None``: the role cannot create databases)."""


def _sqlite_template() -> str:
    if "sqlite" not in _templates:
        folder = tempfile.mkdtemp(prefix="radiant-store-template-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "store.sqlite3")
        engine = make_engine(f"sqlite:///{path}")
        upgrade_database(engine)
        engine.dispose()
        with sqlite3.connect(path) as conn:  # everything in the one file that is copied
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _templates["sqlite"] = path
    found = _templates["sqlite"]
    assert found is not None
    return found


def _postgres_template(url: str) -> str | None:
    if url not in _templates:
        name = f"radiant_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except DBAPIError:  # no right to create databases: a schema per test, migrated
            _templates[url] = None
            admin.dispose()
            return None
        engine = make_engine(_database_url(url, name))
        upgrade_database(engine)
        engine.dispose()

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        atexit.register(drop)
        _templates[url] = name
    return _templates[url]


@contextmanager
def _postgres_copy(url: str, template: str, prefix: str) -> Iterator[Engine]:
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine = make_engine(_database_url(url, name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
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
        path = tmp_path / "store.sqlite3"
        if migrate:
            shutil.copyfile(_sqlite_template(), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    url = postgres_url(suite)
    template = _postgres_template(url) if migrate else None
    if template is not None:  # the database rides in the URL, for a subprocess too
        with _postgres_copy(url, template, prefix) as engine:
            yield engine
        return
    with _postgres_engine(url, prefix, schema_in_url) as engine:
        if migrate:
            upgrade_database(engine)
        yield engine
