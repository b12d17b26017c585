"""Server-side portal sessions: the GI session id never leaves the server.

The browser's signed cookie carries only a random key (``secrets.token_urlsafe(32)``); the key
maps to a :class:`PortalSession` here. :class:`MemorySessionStore` serves one process (the demo,
a single gunicorn worker, tests); several workers or hosts pass a shared store implementing
:class:`SessionStore` through the ``PORTAL_SESSION_STORE`` config key.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import Protocol

from radiant_ext.portal.ports import Customer

__all__ = ["MemorySessionStore", "PortalSession", "SessionStore"]


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
