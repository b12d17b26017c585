"""Engines and sessions for the local store (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import os
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.store.errors import StoreError

__all__ = [
    "database_url_problem",
    "make_engine",
    "make_session_factory",
    "normalise_url",
    "session_scope",
    "sqlite_file",
]

_STORE_BACKENDS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
"""The databases the store's migrations support, with the one driver each is used with."""


def normalise_url(url: str) -> str:
    """Return ``url`` with PostgreSQL URLs pointed at psycopg 3.

    ``postgresql://`` and ``postgres://`` would pick psycopg2, which is not a dependency.

    :param url: an SQLAlchemy database URL.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url_problem(url: str, *, store: bool = True) -> str | None:
    """Why ``url`` cannot be used, or ``None`` when its dialect and driver are there.

    The reason never contains the URL (nor its password).

    :param url: an SQLAlchemy URL (``postgres://`` and ``postgresql://`` mean psycopg 3).
    :param store: ``True`` for the local store (SQLite or PostgreSQL with psycopg only, and
        SQLite in a file); ``False`` for any database SQLAlchemy can reach with an installed
        driver (Znuny's).
    """
    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        return "not a database URL (dialect://user:password@host/database)"
    try:  # a URL without a driver names its dialect's default one, which needs the dialect
        backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    except NoSuchModuleError:
        return f"unknown database dialect or driver {parsed.drivername!r}"
    if store and backend not in _STORE_BACKENDS:
        return f"the local store cannot use {backend!r} databases, only SQLite and PostgreSQL"
    if store and driver != _STORE_BACKENDS[backend]:
        return (f"the driver {driver!r} is not supported for {backend}: use "
                f"{backend}+{_STORE_BACKENDS[backend]}")
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return f"unknown database dialect or driver {parsed.drivername!r}"
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        hint = " (pip install 'radiant-ext[postgres]')" if driver == "psycopg" else ""
        return (f"the driver of {parsed.drivername!r} is not installed: no module "
                f"{exc.name or '?'!r}{hint}")
    if store and backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        return "an in-memory SQLite database would lose the store: name a file"
    return None


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite ``url`` (``None`` for other databases and in-memory SQLite)."""
    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):  # a URI filename (?uri=true): left to SQLite
        return None
    return Path(parsed.database)


SQLITE_CACHE_KIB = 32768
"""The most memory, in KiB, one SQLite connection keeps of the database's pages (filled as
pages are read: a small store never reaches it)."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the portal read while the sync process writes; busy_timeout makes concurrent
    # writers wait instead of failing with "database is locked". The page cache holds up to
    # SQLITE_CACHE_KIB per connection (SQLite's default, 2 MiB, keeps too little of a cache of
    # a million tickets: the pages of open tickets look a thousand of them up by id).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.close()


def _create_private(path: Path) -> None:
    """Create the SQLite file readable and writable by its owner only (0600) when missing.

    SQLite gives its ``-wal`` and ``-shm`` files the database file's permissions. No folder is
    created: the data folder is made by the settings (``data_dir``), any other must exist.
    """
    if not path.parent.is_dir():
        return  # connecting says "unable to open database file"; the settings name the folder
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:
        return  # read-only folder and the like: connecting reports it
    os.close(fd)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; a missing SQLite file is created with mode 0600.

    On PostgreSQL a pooled connection is checked without a round trip when it is taken from
    the pool, and pinged only when the server has closed it (:func:`_checked_out`); passing
    ``pool_pre_ping`` gives the pool's own ping instead.

    :param url: SQLAlchemy URL (``Settings.effective_database_url``).
    :param kwargs: passed to :func:`sqlalchemy.create_engine`.
    :raises StoreError: when the URL cannot be parsed, or names a dialect or driver that is
        not installed.
    """
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"invalid database URL {_masked(url)}: {exc}") from exc
    problem = database_url_problem(url, store=False)
    if problem is not None:
        raise StoreError(f"cannot use the database URL {_masked(url)}: {problem}")
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_file(url)
        if path is not None:
            _create_private(path)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if "pool_pre_ping" in kwargs:
        return create_engine(parsed, **kwargs)
    engine = create_engine(parsed, **kwargs)
    event.listen(engine, "checkout", _checked_out(engine))
    return engine


def _checked_out(engine: Engine) -> Any:
    """A pool ``checkout`` listener: the connection is pinged only when its socket has
    something to read — which an idle connection has when the server closed it (a restart,
    ``pg_terminate_backend``, an idle timeout: PostgreSQL says why, then closes) — and
    replaced when the ping fails or the connection is known to be broken.

    The pool's own ``pre_ping`` asks the server on every checkout: a round trip before every
    unit of work, the most frequent on a busy portal. A quiet socket tells as much without
    one; a network that drops a connection without a word fools both alike until TCP does.
    """
    dialect = engine.dialect

    def check(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if getattr(dbapi_connection, "closed", False) or getattr(
                dbapi_connection, "broken", False):
            raise DisconnectionError("the connection is closed")
        try:
            poller = select.poll()  # not select.select: it fails on descriptors above 1023
            poller.register(dbapi_connection.fileno(), select.POLLIN)
            readable = poller.poll(0)
        except (OSError, ValueError) as exc:
            raise DisconnectionError("the connection's socket is gone") from exc
        if not readable:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the server closed the connection") from exc

    return check


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unparsable)"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(source: Engine | sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit when the block ends, roll back on an exception.

    :param source: an engine or a session factory.
    """
    factory = make_session_factory(source) if isinstance(source, Engine) else source
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
