"""Server-side portal sessions: shared between workers, idle expiry, no secrets in cookies."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from radiant_ext.portal.ports import Customer
from radiant_ext.portal.sessions import (
    DatabaseSessionStore,
    MemorySessionStore,
    SessionStore,
    SqliteSessionStore,
)
from radiant_ext.store import make_session_factory
from tests._clock import Clock
from tests._store_fixtures import store_engine

DANA = Customer("demo-customer", "store-007", "Dana Clerk", "dana@example.test")


def test_sqlite_store_is_shared_by_two_workers(tmp_path: Path) -> None:
    worker_a = SqliteSessionStore(tmp_path / "s.sqlite3")
    worker_b = SqliteSessionStore(tmp_path / "s.sqlite3")
    entry = worker_a.create("gi-secret", DANA)
    seen = worker_b.get(entry.key)
    assert seen is not None and seen.customer == DANA and seen.gi_session_id == "gi-secret"
    worker_b.delete(entry.key)
    assert worker_a.get(entry.key) is None


def test_sqlite_store_file_is_private(tmp_path: Path) -> None:
    SqliteSessionStore(tmp_path / "sub" / "s.sqlite3")
    mode = (tmp_path / "sub" / "s.sqlite3").stat().st_mode
    assert not mode & (stat.S_IRGRP | stat.S_IROTH)




STORES = ["memory", "sqlite", "database-sqlite",
          pytest.param("database-postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store_of(request: pytest.FixtureRequest,
             tmp_path: Path) -> Iterator[Callable[..., SessionStore]]:
    """Build the session store under test with an idle limit and a clock."""
    kind: str = request.param
    with ExitStack() as stack:
        def build(idle: float = 8 * 3600, clock: Callable[[], float] = time.time) -> Any:
            if kind == "memory":
                return MemorySessionStore(idle, clock=clock)
            if kind == "sqlite":
                return SqliteSessionStore(tmp_path / "s.sqlite3", idle, clock=clock)
            engine = stack.enter_context(store_engine(
                kind.removeprefix("database-"), tmp_path, suite="portal session"))
            return DatabaseSessionStore(make_session_factory(engine), idle, clock=clock)

        yield build


def test_idle_sessions_expire_and_touch_keeps_them(
        store_of: Callable[..., SessionStore]) -> None:
    clock = Clock()
    store = store_of(300, clock)
    kept = store.create("gi-1", DANA)
    dropped = store.create("gi-2", DANA, kind="agent")
    for _ in range(3):
        clock.now += 150
        store.touch(kept.key)
    seen = store.get(kept.key)
    assert seen is not None and (seen.gi_session_id, seen.customer) == ("gi-1", DANA)
    assert store.get(dropped.key) is None
    store.delete(kept.key)
    assert store.get(kept.key) is None, "logged out"


def test_touch_with_check_records_the_liveness_check(
        store_of: Callable[..., SessionStore]) -> None:
    clock = Clock()
    store = store_of(clock=clock)
    entry = store.create("gi-1", DANA)
    clock.now += 10
    store.touch(entry.key)
    after_plain = store.get(entry.key)
    assert after_plain is not None and after_plain.last_checked == entry.last_checked
    assert after_plain.last_seen == entry.last_seen + 10
    store.touch(entry.key, checked=True)
    after_check = store.get(entry.key)
    assert after_check is not None and after_check.last_checked == entry.last_checked + 10


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
def test_database_sessions_are_shared_by_two_hosts(backend: str, tmp_path: Path) -> None:
    """Two portal hosts on one store database: a login on one is a login on the other, and a
    logout on either ends it on both."""
    with store_engine(backend, tmp_path, suite="portal session") as engine:
        host_a = DatabaseSessionStore(make_session_factory(engine))
        host_b = DatabaseSessionStore(make_session_factory(engine))
        entry = host_a.create("gi-secret", DANA)
        seen = host_b.get(entry.key)
        assert seen is not None and seen.customer == DANA and seen.gi_session_id == "gi-secret"
        host_b.delete(entry.key)
        assert host_a.get(entry.key) is None


def test_keys_are_long_and_random(tmp_path: Path) -> None:
    store = MemorySessionStore()
    keys = {store.create("gi", DANA).key for _ in range(50)}
    assert len(keys) == 50 and all(len(k) >= 40 for k in keys)


class CountingStore(MemorySessionStore):
    """Counts the activity writes (each one is a commit in the SQLite store)."""

    def __init__(self) -> None:
        super().__init__()
        self.touches = 0

    def touch(self, key: str, *, checked: bool = False) -> None:
        self.touches += 1
        super().touch(key, checked=checked)


def test_page_views_record_activity_at_most_once_a_minute(desk: object, tmp_path: Path) -> None:
    import re

    from radiant_ext.portal import create_app
    from radiant_ext.portal.ports import PortalServices

    store = CountingStore()
    services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk)  # type: ignore[arg-type]
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "PORTAL_SERVICES": services,
                      "PORTAL_SESSION_STORE": store, "PORTAL_SESSION_CHECK_SECONDS": 3600})
    client = app.test_client()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                      client.get("/login").get_data(as_text=True))
    assert token
    client.post("/login", data={"login": "demo-customer", "password": "demo",
                                "csrf_token": token.group(1), "next": "/"})
    for _ in range(5):
        assert client.get("/requests").status_code == 200
    assert store.touches == 0  # the login itself was the last activity written
    app.config["PORTAL_SESSION_TOUCH_SECONDS"] = 0
    assert client.get("/requests").status_code == 200
    assert store.touches == 1


def test_sqlite_store_keeps_one_connection_per_thread(tmp_path: Path) -> None:
    import threading

    store = SqliteSessionStore(tmp_path / "s.sqlite3")
    entry = store.create("gi", DANA)
    for _ in range(3):
        store.touch(entry.key)
        assert store.get(entry.key) is not None
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(store.get(entry.key)))
    worker.start()
    worker.join()
    assert seen and seen[0] is not None
    assert store.connections == 2


def test_a_session_file_from_before_keeps_its_customers_and_takes_agents(
        tmp_path: Path) -> None:
    import json
    import sqlite3

    path = tmp_path / "s.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE portal_session (key TEXT PRIMARY KEY, gi_session_id TEXT NOT NULL,"
                " customer TEXT NOT NULL, created REAL NOT NULL, last_seen REAL NOT NULL,"
                " last_checked REAL NOT NULL)")
    now = time.time()
    old.execute("INSERT INTO portal_session VALUES ('k1', 'gi', ?, ?, ?, ?)",
                (json.dumps({"login": "dana", "customer_id": "store-007"}), now, now, now))
    old.commit()
    old.close()
    store = SqliteSessionStore(path)
    kept = store.get("k1")
    assert kept is not None and kept.kind == "customer" and kept.customer.login == "dana"
    agent = store.create("gi-agent", Customer("it-agent", ""), kind="agent")
    found = SqliteSessionStore(path).get(agent.key)  # another worker
    assert found is not None and found.kind == "agent" and found.customer.login == "it-agent"


def test_a_session_answers_only_for_its_own_kind(tmp_path: Path) -> None:
    from radiant_ext.portal.sessions import SessionEnd, SessionPolicy, resume_session

    store = SqliteSessionStore(tmp_path / "s.sqlite3")
    customer = store.create("gi", DANA)
    policy = SessionPolicy(check_seconds=3600)
    assert resume_session(store, customer.key, kind="agent", policy=policy,
                          alive=lambda e: True) is SessionEnd.MISSING
    found = resume_session(store, customer.key, kind="customer", policy=policy,
                           alive=lambda e: True)
    assert not isinstance(found, SessionEnd) and found.customer == DANA
