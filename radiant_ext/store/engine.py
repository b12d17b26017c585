"""Engines and sessions for the local store (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.store.errors import StoreError

__all__ = ["make_engine", "make_session_factory", "normalise_url", "session_scope"]


def normalise_url(url: str) -> str:
    """Return ``url`` with PostgreSQL URLs pointed at psycopg 3.

    ``postgresql://`` and ``postgres://`` would pick psycopg2, which is not a dependency.

    :param url: an SQLAlchemy database URL.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the portal read while the sync process writes; busy_timeout makes concurrent
    # writers wait instead of failing with "database is locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; an SQLite file's folder is created when missing.

    :param url: SQLAlchemy URL (``Settings.effective_database_url``).
    :param kwargs: passed to :func:`sqlalchemy.create_engine`.
    :raises StoreError: when the URL cannot be parsed.
    """
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


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
