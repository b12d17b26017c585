"""One store connection per portal request: a list page reads its session row, then its page
with the waiting requests' ids in one query, on one connection taken from the pool once (on
PostgreSQL without a ping unless the server closed it), without a transaction held open,
and given back when the request ends — also when the page fails.

Runs on SQLite and on PostgreSQL (``RADIANT_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.portal import create_app
from radiant_ext.portal.adapters import listing
from radiant_ext.portal.adapters.listing import AutoLister, LiveLister
from radiant_ext.portal.ports import Customer, ListQuery, PortalServices
from radiant_ext.portal.request_store import RequestSessions, release_request_connections
from radiant_ext.portal.sessions import DatabaseSessionStore
from radiant_ext.store import (
    Outbox,
    OutboxState,
    TicketCache,
    make_engine,
    make_session_factory,
    set_cursor,
)
from tests._store_fixtures import ENGINE_PARAMS, store_engine
from tests.portal.conftest import FakeHelpDesk, log_in

BASE = datetime(2026, 11, 1, 8, tzinfo=UTC)


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated store with 30 cached tickets of ``demo-customer``, marked as pulled."""
    with store_engine(request.param, tmp_path, suite="portal") as engine:
        with make_session_factory(engine).begin() as s:
            s.add_all(TicketCache(
                ticket_id=n, ticket_number=f"2026110100{n:06d}", title=f"Printer jams #{n}",
                state="open", state_type="open", customer_user_id="demo-customer",
                customer_id="store-007", store="store-007", category="it.pos-down",
                created=BASE + timedelta(hours=n)) for n in range(1, 31))
            set_cursor(s, "ticket-pull", BASE)
        yield engine


@pytest.fixture
def portal(engine: Engine, tmp_path: Path) -> Iterator[FlaskClient]:
    """The portal listing from the store, its sessions in the store, a customer logged in."""
    desk = FakeHelpDesk()
    desk.list = AutoLister(RequestSessions(engine), LiveLister(None)).list
    app: Flask = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret",
        "PORTAL_SERVICES": PortalServices(auth=desk, catalog=desk, submissions=desk,
                                          tickets=desk),
        "PORTAL_SESSION_STORE": DatabaseSessionStore(RequestSessions(engine)),
        "PORTAL_SESSION_CHECK_SECONDS": 3600, "PORTAL_SESSION_TOUCH_SECONDS": 3600,
    })
    client = app.test_client()
    assert log_in(client).status_code == 302
    yield client


class Pool:
    """Counts the engine's pool checkouts and the statements sent."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.checkouts = 0
        self.statements: list[str] = []
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "before_cursor_execute", self._statement)

    def _checkout(self, *_args: Any) -> None:
        self.checkouts += 1

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def close(self) -> None:
        event.remove(self.engine, "checkout", self._checkout)
        event.remove(self.engine, "before_cursor_execute", self._statement)


@pytest.fixture
def pool(engine: Engine) -> Iterator[Pool]:
    counter = Pool(engine)
    yield counter
    counter.close()


def test_a_list_page_uses_one_connection_and_gives_it_back(
    portal: FlaskClient, pool: Pool, engine: Engine,
) -> None:
    portal.get("/requests")  # the first list asks once whether sync has filled the cache
    for path in ("/requests?state=all", "/requests/company?state=open&q=printer"):
        pool.checkouts, pool.statements = 0, []
        html = portal.get(path).get_data(as_text=True)
        assert len(re.findall(r'href="/requests/\d+"', html)) == 25
        assert pool.checkouts == 1
        # the session row, then the page with its count and the waiting requests' ids; no
        # BEGIN or COMMIT around them
        assert [s.split()[0] for s in pool.statements] == ["SELECT"] * 2
        assert engine.pool.checkedout() == 0  # back in the pool when the page is sent


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Engine]:
    with store_engine("postgres", tmp_path, suite="portal", migrate=False) as engine:
        yield engine


@pytest.mark.postgres
def test_a_checkout_asks_the_server_only_after_it_closed_the_connection(
    postgres: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pings: list[object] = []
    ping = postgres.dialect.do_ping
    monkeypatch.setattr(postgres.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    with postgres.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with postgres.connect() as conn:  # a live connection: no round trip before the work
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid
    assert pings == []
    admin = make_engine(postgres.url.render_as_string(hide_password=False))
    with admin.connect() as conn:  # the server closes it (as a restart would), saying why;
        # the call returns once the backend has gone
        assert conn.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid}).scalar()
    admin.dispose()
    with postgres.connect() as conn:  # pinged, found closed, replaced: no error
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    assert len(pings) == 1


def test_waiting_requests_come_with_the_page_in_both_scopes(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        for ref, login, company, state in (
                ("RQ-1", "demo-customer", "store-007", OutboxState.PENDING),
                ("RQ-2", "store-manager", "store-007", OutboxState.PENDING),
                ("RQ-3", "flagship-clerk", "store-001", OutboxState.PENDING),
                ("RQ-4", "demo-customer", "store-007", OutboxState.SENT)):  # filed, cached
            s.add(Outbox(request_id=ref, state=state, customer_user=login, title=ref,
                         customer_id=company, category="it.pos-down",
                         payload={"ticket": {"CustomerID": company}},
                         ticket_id=1 if state is OutboxState.SENT else None))
    lister = AutoLister(RequestSessions(engine), LiveLister(None))  # type: ignore[arg-type]
    clerk = Customer("demo-customer", "store-007")

    def first(scope: Any, state: Any = "all") -> list[str]:
        rows = lister.list(clerk, ListQuery(scope=scope, state=state)).rows
        return [r.ticket_number for r in rows if r.state == "queued"]

    assert first("mine") == ["RQ-1"]
    assert sorted(first("company")) == ["RQ-1", "RQ-2"]
    assert first("company", "closed") == []
    later = lister.list(clerk, ListQuery(scope="company", state="all", per_page=5))
    assert later.total == 30 + 2  # counted on every page
    second = lister.list(clerk, ListQuery(scope="company", state="all", per_page=5,
                                          cursor=later.next_cursor or ""))
    assert all(r.state != "queued" for r in second.rows)  # shown on the first page only


def test_a_page_that_fails_gives_its_connection_back(
    portal: FlaskClient, engine: Engine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the page's query failed")

    monkeypatch.setattr(listing, "_waiting_rows", broken)
    with pytest.raises(RuntimeError):
        portal.get("/requests?state=all")
    assert engine.pool.checkedout() == 0
    monkeypatch.undo()
    assert portal.get("/requests?state=all").status_code == 200  # the next page is served


def test_sessions_of_one_request_share_a_connection_without_a_transaction(
    engine: Engine,
) -> None:
    sessions: sessionmaker[Session] = RequestSessions(engine)
    app = Flask(__name__)
    with app.test_request_context():
        with sessions() as first, sessions() as second:
            one, two = first.connection(), second.connection()
            assert one is two
            dbapi = one.connection.dbapi_connection
            if engine.dialect.name == "postgresql":
                assert dbapi is not None and dbapi.autocommit
        with sessions.begin() as s:  # a single-statement write commits at once
            s.add(TicketCache(ticket_id=99, ticket_number="2026110100000099", title="New",
                              state="new", state_type="new", customer_user_id="x"))
        with make_session_factory(engine)() as other:
            assert other.get(TicketCache, 99) is not None
        assert engine.pool.checkedout() == 1
        release_request_connections()
        assert engine.pool.checkedout() == 0


def test_outside_a_request_the_factory_makes_plain_sessions(engine: Engine) -> None:
    store = DatabaseSessionStore(RequestSessions(engine))
    entry = store.create("gi-1", Customer("demo-customer", "store-007"))
    assert store.get(entry.key) is not None
    assert engine.pool.checkedout() == 0
