"""One store connection per portal request for the reads every page makes.

A logged-in page reads its portal session row (:class:`~radiant_ext.portal.sessions.
DatabaseSessionStore`), and a request list also its page and the outbox's waiting requests
(:class:`~radiant_ext.portal.adapters.listing.AutoLister`). Each used to check a connection
out of the pool on its own — on PostgreSQL a ping, a ``BEGIN`` and a ``COMMIT`` or
``ROLLBACK`` around every few queries. :class:`RequestSessions` is the session factory those
readers get: inside a request, every session it makes is bound to **one** connection, checked
out (and pinged) once, in autocommit, and returned to the pool when the request ends. A list
page then makes four round trips to PostgreSQL instead of nine.

Autocommit costs these reads no consistency: under PostgreSQL's ``READ COMMITTED`` each
statement sees its own snapshot inside a transaction too, and each read here is one statement
(the session row's idle-expiry ``DELETE`` and the activity ``UPDATE`` are single statements as
well). No transaction is held open while a page waits for Znuny or renders.

Outside a request (jobs, the command line, tests calling a store directly) the factory makes
plain sessions, as :func:`radiant_ext.store.make_session_factory` does.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["RequestSessions", "init_app", "release_request_connections"]

_G_KEY = "_radiant_store_connections"
"""Where a request keeps its connections on ``flask.g``: engine → connection."""


class RequestSessions(sessionmaker[Session]):
    """A session factory on ``engine`` whose sessions share one autocommit connection per
    request (see the module docs); objects stay usable after commit.

    Only for readers and single-statement writes: a unit of work that must commit several
    statements together uses the store's ordinary factory.

    :param engine: the store's engine.
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, expire_on_commit=False)
        self.engine = engine

    def __call__(self, **local_kw: Any) -> Session:
        if "bind" not in local_kw and has_request_context():
            local_kw["bind"] = _request_connection(self.engine)
        return super().__call__(**local_kw)


def _request_connection(engine: Engine) -> Connection:
    """The request's connection to ``engine``, checked out on first use."""
    held: dict[Engine, Connection] = g.setdefault(_G_KEY, {})
    conn = held.get(engine)
    if conn is None or conn.closed or conn.invalidated:
        if conn is not None:
            conn.close()
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        held[engine] = conn
    return conn


def release_request_connections(_error: BaseException | None = None) -> None:
    """Return the request's connections to their pools (at the end of every request)."""
    held: dict[Engine, Connection] = g.pop(_G_KEY, {})
    for conn in held.values():
        conn.close()


def init_app(app: Flask) -> None:
    """Return each request's connections to the pool when the request ends."""
    app.teardown_request(release_request_connections)
