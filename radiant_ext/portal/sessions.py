"""Server-side portal sessions: the GI session id never leaves the server.

The browser's signed cookie carries only a random key (``secrets.token_urlsafe(32)``); the key
maps to a :class:`PortalSession` here. :class:`SqliteSessionStore` (the default) keeps sessions
in a small SQLite file under the data directory, shared by every worker process of one host;
:class:`MemorySessionStore` serves a single process (tests). Several hosts pass a shared store
implementing :class:`SessionStore` through the ``PORTAL_SESSION_STORE`` config key, or use
sticky sessions at the load balancer.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Protocol

from radiant_ext.portal.ports import Customer

__all__ = ["MemorySessionStore", "PortalSession", "SessionStore", "SqliteSessionStore"]


@dataclass(frozen=True)
class PortalSession:
    """What the portal keeps about a logged-in customer."""

    key: str
    gi_session_id: str
    customer: Customer
    created: float
    last_seen: float
    last_checked: float


class SessionStore(Protocol):
    """Where portal sessions live."""

    def create(self, gi_session_id: str, customer: Customer) -> PortalSession:
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
    """

    def __init__(self, idle_seconds: float = 8 * 3600) -> None:
        self._idle = idle_seconds
        self._lock = threading.Lock()
        self._sessions: dict[str, PortalSession] = {}

    def create(self, gi_session_id: str, customer: Customer) -> PortalSession:
        now = time.time()
        entry = PortalSession(secrets.token_urlsafe(32), gi_session_id, customer, now, now, now)
        with self._lock:
            self._expire(now)
            self._sessions[entry.key] = entry
        return entry

    def get(self, key: str) -> PortalSession | None:
        now = time.time()
        with self._lock:
            entry = self._sessions.get(key)
            if entry is not None and now - entry.last_seen > self._idle:
                del self._sessions[key]
                return None
            return entry

    def touch(self, key: str, *, checked: bool = False) -> None:
        now = time.time()
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
    last_checked REAL NOT NULL
)
"""


class SqliteSessionStore:
    """A :class:`SessionStore` in an SQLite file, shared by the worker processes of one host.

    The file holds GI session ids: it is created readable by its owner only.

    :param path: the database file (created with its folder when missing).
    :param idle_seconds: a session unused this long is gone.
    """

    def __init__(self, path: Path, idle_seconds: float = 8 * 3600) -> None:
        self._path = path
        self._idle = idle_seconds
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

    def create(self, gi_session_id: str, customer: Customer) -> PortalSession:
        now = time.time()
        entry = PortalSession(secrets.token_urlsafe(32), gi_session_id, customer, now, now, now)
        with self._connect() as db:
            db.execute("DELETE FROM portal_session WHERE last_seen < ?", (now - self._idle,))
            db.execute(
                "INSERT INTO portal_session VALUES (?, ?, ?, ?, ?, ?)",
                (entry.key, gi_session_id, json.dumps(asdict(customer)), now, now, now),
            )
        return entry

    def get(self, key: str) -> PortalSession | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT gi_session_id, customer, created, last_seen, last_checked "
                "FROM portal_session WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            if time.time() - row[3] > self._idle:
                db.execute("DELETE FROM portal_session WHERE key = ?", (key,))
                return None
        return PortalSession(key, row[0], Customer(**json.loads(row[1])), row[2], row[3], row[4])

    def touch(self, key: str, *, checked: bool = False) -> None:
        now = time.time()
        sql = "UPDATE portal_session SET last_seen = ?"
        sql += ", last_checked = ? WHERE key = ?" if checked else " WHERE key = ?"
        with self._connect() as db:
            db.execute(sql, (now, now, key) if checked else (now, key))

    def delete(self, key: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM portal_session WHERE key = ?", (key,))
