"""Login rate limiting: failures counted per login name and per client address.

Counts live in process memory (one gunicorn worker's view); with ``N`` workers an attacker
gets at most ``N`` times the allowance, which still stops password guessing at scale.
"""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["LoginLimiter"]


class LoginLimiter:
    """Sliding-window counter of failed logins.

    :param per_login: failures allowed for one login name within ``window``.
    :param per_address: failures allowed from one client address within ``window``.
    :param window: seconds a failure is remembered.
    """

    def __init__(self, per_login: int, per_address: int, window: float) -> None:
        self._limits = {"login": per_login, "addr": per_address}
        self._window = window
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def blocked(self, login: str, address: str) -> bool:
        """Whether another attempt for ``login`` from ``address`` must be refused now."""
        now = time.monotonic()
        with self._lock:
            return any(
                len(self._recent(key, now)) >= self._limits[key[0]]
                for key in self._keys(login, address)
            )

    def failed(self, login: str, address: str) -> None:
        """Record a failed attempt."""
        now = time.monotonic()
        with self._lock:
            for key in self._keys(login, address):
                self._recent(key, now).append(now)

    def succeeded(self, login: str) -> None:
        """Forget the failures of ``login`` after a successful login."""
        with self._lock:
            self._failures.pop(("login", login.casefold()), None)

    @staticmethod
    def _keys(login: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("login", login.casefold()), ("addr", address)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self._window:
            times.popleft()
        return times
