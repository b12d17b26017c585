"""Login rate limiting that a stranger cannot turn into a lockout of someone else.

Three counts of failed logins, each over a sliding window (``PORTAL_LOGIN_WINDOW_SECONDS``):

* **name and address**: ``PORTAL_LOGIN_MAX_FAILURES`` failures of one login name from one
  client address block that name *from that address* until the oldest failure leaves the
  window. Someone guessing from elsewhere never blocks the real customer's address.
* **address**: ``PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS`` failures from one address, whatever
  the names, block the address.
* **name, from every address** (a progressive delay): once a name has failed
  ``PORTAL_LOGIN_MAX_FAILURES`` times from anywhere, each further attempt for it waits 1, 2,
  4, … seconds (at most ``PORTAL_LOGIN_MAX_DELAY_SECONDS``) after the name's last failure, so
  guessing one account from many addresses gets about one try per maximum delay. The delay
  does not apply to a browser the name has logged in from before (a signed mark in the
  portal's cookie, see :func:`radiant_ext.portal.auth.views.known_browser`): the real
  customer at their own browser is never held up by someone else's guesses.

Where the failures are kept is a :class:`FailureLog`: :class:`MemoryFailureLog` (one process,
so with ``N`` workers an attacker gets at most ``N`` times the allowance) or
:class:`DatabaseFailureLog` (the store's ``login_failure`` table: every worker of every host
counts the same failures). The portal takes the database log whenever its sessions live in
the database (``PORTAL_SESSION_BACKEND``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.store import LoginFailure

__all__ = ["DatabaseFailureLog", "FailureLog", "LoginLimiter", "MemoryFailureLog"]


class FailureLog(Protocol):
    """Where failed logins are remembered, by key (what they count against)."""

    def recent(self, key: str, since: float) -> list[float]:
        """The times of ``key``'s failures at or after ``since``, oldest first."""

    def add(self, keys: Sequence[str], at: float, *, older_than: float) -> None:
        """Record one failure at ``at`` against each of ``keys``; forget failures of any key
        from before ``older_than`` (they left the window)."""

    def forget(self, key: str) -> None:
        """Forget ``key``'s failures."""

    def forget_prefix(self, prefix: str) -> None:
        """Forget the failures of every key starting with ``prefix``."""


class MemoryFailureLog:
    """Failures in this process's memory (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def recent(self, key: str, since: float) -> list[float]:
        with self._lock:
            times = self._failures.get(key)
            if not times:
                return []
            while times and times[0] < since:
                times.popleft()
            return list(times)

    def add(self, keys: Sequence[str], at: float, *, older_than: float) -> None:
        with self._lock:
            if len(self._failures) > _SWEEP_AT:
                for key in list(self._failures):
                    times = self._failures[key]
                    while times and times[0] < older_than:
                        times.popleft()
                    if not times:
                        del self._failures[key]
            for key in keys:
                self._failures.setdefault(key, deque()).append(at)

    def forget(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def forget_prefix(self, prefix: str) -> None:
        with self._lock:
            for key in [k for k in self._failures if k.startswith(prefix)]:
                del self._failures[key]


class DatabaseFailureLog:
    """Failures in the store's ``login_failure`` table, shared by every portal host.

    :param sessions: the store's session factory.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def recent(self, key: str, since: float) -> list[float]:
        with self._sessions() as s:
            return list(s.scalars(select(LoginFailure.at).where(
                LoginFailure.key == key, LoginFailure.at >= since).order_by(LoginFailure.at)))

    def add(self, keys: Sequence[str], at: float, *, older_than: float) -> None:
        with self._sessions.begin() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.at < older_than))
            s.add_all(LoginFailure(key=key, at=at) for key in keys)

    def forget(self, key: str) -> None:
        with self._sessions.begin() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.key == key))

    def forget_prefix(self, prefix: str) -> None:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self._sessions.begin() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.key.like(pattern, escape="\\")))


def _key(*parts: str) -> str:
    """One key of the log: unambiguous whatever the name or address holds."""
    return json.dumps(parts, ensure_ascii=False)

_SWEEP_AT = 10_000  # keys kept before the empty ones are dropped


class LoginLimiter:
    """Sliding-window counts of failed logins and the wait they impose.

    :param per_login: failures allowed for one login name from one address within ``window``;
        also the failures of a name, from all addresses, before the progressive delay starts.
    :param per_address: failures allowed from one client address within ``window``.
    :param window: seconds a failure is remembered.
    :param max_delay: the longest progressive delay (seconds).
    :param log: where failures are kept (default: this process's memory).
    :param clock: the time in seconds (tests pass their own); the same on every host that
        shares ``log``.
    """

    def __init__(self, per_login: int, per_address: int, window: float,
                 max_delay: float = 60.0, *, log: FailureLog | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._per_login = per_login
        self._per_address = per_address
        self._window = window
        self._max_delay = max_delay
        self._clock = clock
        self.log: FailureLog = log if log is not None else MemoryFailureLog()

    def wait(self, login: str, address: str, *, known_browser: bool = False) -> float:
        """Seconds before an attempt for ``login`` from ``address`` is accepted (0: now).

        :param known_browser: the browser has logged in as ``login`` before; the name's
            progressive delay does not apply to it.
        """
        now = self._clock()
        since = now - self._window
        name = login.casefold()
        waits = [0.0]
        pair = self.log.recent(_key("pair", name, address), since)
        if len(pair) >= self._per_login:
            waits.append(pair[0] + self._window - now)
        by_address = self.log.recent(_key("addr", address), since)
        if len(by_address) >= self._per_address:
            waits.append(by_address[0] + self._window - now)
        if not known_browser:
            by_name = self.log.recent(_key("login", name), since)
            excess = len(by_name) - self._per_login
            if excess >= 0:
                delay = min(2.0 ** min(excess, 30), self._max_delay)
                waits.append(by_name[-1] + delay - now)
        return max(waits)

    def blocked(self, login: str, address: str, *, known_browser: bool = False) -> bool:
        """Whether an attempt for ``login`` from ``address`` must be refused now."""
        return self.wait(login, address, known_browser=known_browser) > 0

    def failed(self, login: str, address: str) -> None:
        """Record a failed attempt."""
        now = self._clock()
        name = login.casefold()
        self.log.add([_key("pair", name, address), _key("addr", address), _key("login", name)],
                     now, older_than=now - self._window)

    def succeeded(self, login: str, address: str | None = None) -> None:
        """Forget the failures of ``login`` from ``address`` after a successful login.

        The name's count over all addresses stays (it is what slows guessing from many
        addresses); it ends with the window.
        """
        name = login.casefold()
        if address is None:
            self.log.forget_prefix(_key("pair", name)[:-1] + ", ")
        else:
            self.log.forget(_key("pair", name, address))
