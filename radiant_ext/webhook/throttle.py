"""Throttling of failed webhook authentications, per client address.

An address whose calls failed authentication ``max_failures`` times within ``window`` seconds
is answered 429 with ``Retry-After`` — before its credentials are looked at — until the oldest
of those failures leaves the window. Addresses that have authenticated correctly since the
process started (Znuny's) are never throttled, so a stranger's wrong secrets cannot hold up
Znuny's calls even from behind the same address; their failures are still answered 401 and
logged. Counts live in process memory: with ``N`` workers an address gets ``N`` times the
allowance.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["AuthThrottle"]

_SWEEP_AT = 10_000  # addresses kept before the ones without recent failures are dropped


class AuthThrottle:
    """Sliding-window count of failed authentications per client address.

    :param max_failures: failures allowed from one address within ``window``.
    :param window: seconds a failure is remembered.
    :param known_addresses: how many addresses that authenticated correctly are remembered.
    :param clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, max_failures: int = 10, window: float = 60.0, *,
                 known_addresses: int = 256,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._max = max_failures
        self._window = window
        self._known_max = known_addresses
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}
        self._known: OrderedDict[str, None] = OrderedDict()

    def retry_after(self, address: str) -> float:
        """Seconds until ``address`` may try to authenticate again (0: now)."""
        now = self._clock()
        with self._lock:
            if address in self._known:
                return 0.0
            times = self._recent(address, now)
            if len(times) < self._max:
                return 0.0
            return max(0.0, times[0] + self._window - now)

    def failed(self, address: str) -> None:
        """Record a failed authentication from ``address``."""
        now = self._clock()
        with self._lock:
            if len(self._failures) > _SWEEP_AT:
                for key in list(self._failures):
                    if not self._recent(key, now):
                        del self._failures[key]
            self._recent(address, now).append(now)

    def succeeded(self, address: str) -> None:
        """Remember ``address`` as one that knows the secret; it is never throttled."""
        with self._lock:
            self._failures.pop(address, None)
            self._known[address] = None
            self._known.move_to_end(address)
            while len(self._known) > self._known_max:
                self._known.popitem(last=False)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.setdefault(address, deque())
        while times and now - times[0] > self._window:
            times.popleft()
        return times
