"""Server-side portal sessions: the GI session id never leaves the server.

The browser's signed cookie carries only a random key (``secrets.token_urlsafe(32)``); the key
maps to a :class:`PortalSession` here. :class:`SqliteSessionStore` (the default) keeps sessions
in a small SQLite file under the data directory, shared by every worker process of one host;
:class:`MemorySessionStore` serves a single process (tests). :class:`DatabaseSessionStore`
keeps them in the store's database, shared by every host when that is PostgreSQL
(``PORTAL_SESSION_BACKEND``: ``auto`` picks it then).

Customers (the portal's login) and agents (the reports' login) keep their sessions here alike:
:func:`resume_session` is the one guard both pass on every request. It ends a session that
reached its absolute lifetime (``PORTAL_SESSION_LIFETIME_SECONDS``, whatever the activity),
asks Znuny about the GI session behind it at most every ``PORTAL_SESSION_CHECK_SECONDS``, and
records activity at most every ``PORTAL_SESSION_TOUCH_SECONDS``. Logging out deletes the entry,
so a copy of the cookie taken before is worth nothing afterwards.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import asdict, dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.portal.ports import Customer
from radiant_ext.store import PortalSessionRow

__all__ = [
    "COOKIE_KEYS",
    "DEFAULT_LIFETIME_SECONDS",
    "DatabaseSessionStore",
    "MemorySessionStore",
    "PortalSession",
    "SessionEnd",
    "SessionKind",
    "SessionPolicy",
    "SessionStore",
    "SqliteSessionStore",
    "end_cookie_sessions",
    "resume_session",
    "session_policy",
    "store_clock",
]

SessionKind = Literal["customer", "agent"]
"""Whose session: a portal customer's, or an agent's on the reports' login."""

COOKIE_KEYS: dict[SessionKind, str] = {"customer": "sid", "agent": "reports_agent"}
"""The key under which the signed cookie holds a session's store key, per kind."""

DEFAULT_LIFETIME_SECONDS = 12 * 3600
"""``PORTAL_SESSION_LIFETIME_SECONDS`` when not set: a session ends 12 h after login."""


@dataclass(frozen=True)
class PortalSession:
    """What the portal keeps about a logged-in customer or reports agent.

    For an agent (``kind == "agent"``) ``customer.login`` is the agent's login and
    ``customer.customer_id`` is empty.
    """

    key: str
    gi_session_id: str
    customer: Customer
    created: float
    last_seen: float
    last_checked: float
    kind: SessionKind = "customer"


class SessionStore(Protocol):
    """Where portal sessions live."""

    def create(self, gi_session_id: str, customer: Customer, *,
               kind: SessionKind = "customer") -> PortalSession:
        """Store a new session under a fresh random key."""

    def get(self, key: str) -> PortalSession | None:
        """The session under ``key`` unless missing or idle too long (then it is removed)."""

    def touch(self, key: str, *, checked: bool = False) -> None:
        """Record activity; ``checked`` records a successful Znuny liveness check too."""

    def delete(self, key: str) -> None:
        """Forget the session (logout, expiry)."""


class MemorySessionStore:
    """A thread-safe in-process :class:`SessionStore` with idle expiry.

    :param idle_seconds: a session unused this long is gone.
    :param clock: the time in seconds (tests pass their own).
    """

    def __init__(self, idle_seconds: float = 8 * 3600, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._idle = idle_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, PortalSession] = {}

    def create(self, gi_session_id: str, customer: Customer, *,
               kind: SessionKind = "customer") -> PortalSession:
        now = self.clock()
        entry = PortalSession(secrets.token_urlsafe(32), gi_session_id, customer, now, now, now,
                              kind)
        with self._lock:
            self._expire(now)
            self._sessions[entry.key] = entry
        return entry

    def get(self, key: str) -> PortalSession | None:
        now = self.clock()
        with self._lock:
            entry = self._sessions.get(key)
            if entry is not None and now - entry.last_seen > self._idle:
                del self._sessions[key]
                return None
            return entry

    def touch(self, key: str, *, checked: bool = False) -> None:
        now = self.clock()
        with self._lock:
            entry = self._sessions.get(key)
            if entry is None:
                return
            self._sessions[key] = replace(
                entry, last_seen=now, last_checked=now if checked else entry.last_checked
            )

    def delete(self, key: str) -> None:
        with self._lock:
            self._sessions.pop(key, None)

    def _expire(self, now: float) -> None:
        stale = [k for k, v in self._sessions.items() if now - v.last_seen > self._idle]
        for key in stale:
            del self._sessions[key]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS portal_session (
    key TEXT PRIMARY KEY,
    gi_session_id TEXT NOT NULL,
    customer TEXT NOT NULL,
    created REAL NOT NULL,
    last_seen REAL NOT NULL,
    last_checked REAL NOT NULL,
    kind TEXT NOT NULL DEFAULT 'customer'
)
"""


class SqliteSessionStore:
    """A :class:`SessionStore` in an SQLite file, shared by the worker processes of one host.

    The file holds GI session ids: it is created readable by its owner only.

    :param path: the database file (created with its folder when missing).
    :param idle_seconds: a session unused this long is gone.
    :param clock: the time in seconds (tests pass their own).
    """

    def __init__(self, path: Path, idle_seconds: float = 8 * 3600, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._path = path
        self._idle = idle_seconds
        self.clock = clock
        self._local = threading.local()
        self._count_lock = threading.Lock()
        self.connections = 0
        """Connections opened so far (one per thread that used the store)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        db = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            _add_kind_column(db)
        finally:
            db.close()  # nothing opened here crosses a fork into the workers

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use and kept (autocommit, WAL).

        ``synchronous=NORMAL`` skips the fsync on every commit; in WAL mode a power loss can
        lose the last moments of activity, never corrupt the file — sessions can afford that.
        """
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=10, isolation_level=None)
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._count_lock:
                self.connections += 1
        return db

    def create(self, gi_session_id: str, customer: Customer, *,
               kind: SessionKind = "customer") -> PortalSession:
        now = self.clock()
        entry = PortalSession(secrets.token_urlsafe(32), gi_session_id, customer, now, now, now,
                              kind)
        with self._connect() as db:
            db.execute("DELETE FROM portal_session WHERE last_seen < ?", (now - self._idle,))
            db.execute(
                "INSERT INTO portal_session (key, gi_session_id, customer, created, last_seen, "
                "last_checked, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry.key, gi_session_id, json.dumps(asdict(customer)), now, now, now, kind),
            )
        return entry

    def get(self, key: str) -> PortalSession | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT gi_session_id, customer, created, last_seen, last_checked, kind "
                "FROM portal_session WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            if self.clock() - row[3] > self._idle:
                db.execute("DELETE FROM portal_session WHERE key = ?", (key,))
                return None
        kind: SessionKind = "agent" if row[5] == "agent" else "customer"
        return PortalSession(key, row[0], Customer(**json.loads(row[1])), row[2], row[3], row[4],
                             kind)

    def touch(self, key: str, *, checked: bool = False) -> None:
        now = self.clock()
        sql = "UPDATE portal_session SET last_seen = ?"
        sql += ", last_checked = ? WHERE key = ?" if checked else " WHERE key = ?"
        with self._connect() as db:
            db.execute(sql, (now, now, key) if checked else (now, key))

    def delete(self, key: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM portal_session WHERE key = ?", (key,))


class DatabaseSessionStore:
    """A :class:`SessionStore` in the local store's database (``portal_session``).

    With the store on PostgreSQL every portal host sees the same sessions: a customer logged
    in on one host goes on on another, and logging out on one ends the session on all.

    :param sessions: the store's session factory (``radiant_ext.store.make_session_factory``).
    :param idle_seconds: a session unused this long is gone.
    :param clock: the time in seconds (tests pass their own).
    """

    def __init__(self, sessions: sessionmaker[Session], idle_seconds: float = 8 * 3600, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._sessions = sessions
        self._idle = idle_seconds
        self.clock = clock

    def create(self, gi_session_id: str, customer: Customer, *,
               kind: SessionKind = "customer") -> PortalSession:
        now = self.clock()
        entry = PortalSession(secrets.token_urlsafe(32), gi_session_id, customer, now, now, now,
                              kind)
        with self._sessions.begin() as s:
            s.execute(sa_delete(PortalSessionRow)
                      .where(PortalSessionRow.last_seen < now - self._idle))
            s.add(PortalSessionRow(key=entry.key, kind=kind, gi_session_id=gi_session_id,
                                   customer=asdict(customer), created=now, last_seen=now,
                                   last_checked=now))
        return entry

    def get(self, key: str) -> PortalSession | None:
        with self._sessions.begin() as s:
            row = s.get(PortalSessionRow, key)
            if row is None:
                return None
            if self.clock() - row.last_seen > self._idle:
                s.delete(row)
                return None
            kind: SessionKind = "agent" if row.kind == "agent" else "customer"
            return PortalSession(key, row.gi_session_id, Customer(**row.customer), row.created,
                                 row.last_seen, row.last_checked, kind)

    def touch(self, key: str, *, checked: bool = False) -> None:
        now = self.clock()
        values = {"last_seen": now, **({"last_checked": now} if checked else {})}
        with self._sessions.begin() as s:
            s.execute(sa_update(PortalSessionRow).where(PortalSessionRow.key == key)
                      .values(**values))

    def delete(self, key: str) -> None:
        with self._sessions.begin() as s:
            s.execute(sa_delete(PortalSessionRow).where(PortalSessionRow.key == key))


def _add_kind_column(db: sqlite3.Connection) -> None:
    """Give a session file from an earlier release its ``kind`` column (all customers)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(portal_session)")}
    if "kind" in columns:
        return
    try:
        db.execute("ALTER TABLE portal_session ADD COLUMN kind TEXT NOT NULL DEFAULT 'customer'")
    except sqlite3.OperationalError as exc:  # another worker added it a moment ago
        if "duplicate column" not in str(exc):
            raise


def store_clock(store: SessionStore) -> Callable[[], float]:
    """The clock ``store`` measures time with: its ``clock`` attribute, else ``time.time``."""
    clock = getattr(store, "clock", None)
    return clock if callable(clock) else time.time


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live and how often they are checked (seconds).

    :param check_seconds: ask Znuny about the GI session at most this often.
    :param touch_seconds: write the last activity (idle expiry) at most this often.
    :param lifetime_seconds: a session ends this long after login, however active.
    """

    check_seconds: float = 60
    touch_seconds: float = 60
    lifetime_seconds: float = DEFAULT_LIFETIME_SECONDS


def session_policy(config: Mapping[str, Any]) -> SessionPolicy:
    """The :class:`SessionPolicy` of an app's config (``PORTAL_SESSION_CHECK_SECONDS``,
    ``PORTAL_SESSION_TOUCH_SECONDS``, ``PORTAL_SESSION_LIFETIME_SECONDS``)."""
    return SessionPolicy(
        check_seconds=float(config.get("PORTAL_SESSION_CHECK_SECONDS", 60)),
        touch_seconds=float(config.get("PORTAL_SESSION_TOUCH_SECONDS", 60)),
        lifetime_seconds=float(
            config.get("PORTAL_SESSION_LIFETIME_SECONDS", DEFAULT_LIFETIME_SECONDS)),
    )


class SessionEnd(Enum):
    """Why :func:`resume_session` found no live session."""

    MISSING = "missing"
    """No such key (logged out, idle too long, never existed) or a session of another kind."""
    EXPIRED = "expired"
    """The absolute lifetime is over."""
    REVOKED = "revoked"
    """Znuny no longer knows the GI session (removed, expired, the user made invalid)."""


def resume_session(
    store: SessionStore,
    key: str,
    *,
    kind: SessionKind,
    policy: SessionPolicy,
    alive: Callable[[PortalSession], bool | None],
) -> PortalSession | SessionEnd:
    """The live session of ``kind`` under ``key``, or why there is none.

    An expired or revoked session is deleted from ``store``.

    :param alive: asks Znuny whether the session's GI session still stands: ``True``,
        ``False`` (revoked), or ``None`` when Znuny cannot be asked now (the session is kept
        and asked about again on the next request).
    """
    entry = store.get(key)
    if entry is None or entry.kind != kind:
        return SessionEnd.MISSING
    now = store_clock(store)()
    if now - entry.created >= policy.lifetime_seconds:
        store.delete(key)
        return SessionEnd.EXPIRED
    if now - entry.last_checked < policy.check_seconds:
        if now - entry.last_seen >= policy.touch_seconds:
            store.touch(key)  # idle expiry needs no finer grain than this: one write a minute
        return entry
    verdict = alive(entry)
    if verdict is False:
        store.delete(key)
        return SessionEnd.REVOKED
    store.touch(key, checked=verdict is True)
    return entry


def end_cookie_sessions(store: SessionStore, cookie: MutableMapping[str, Any]) -> None:
    """Log out every session the signed cookie refers to: delete the store entries and drop
    their keys from the cookie (logout, and before a new login replaces the cookie)."""
    for name in COOKIE_KEYS.values():
        key = cookie.pop(name, None)
        if isinstance(key, str) and key:
            store.delete(key)
