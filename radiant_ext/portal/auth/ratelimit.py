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

Counts live in process memory (one gunicorn worker's view); with ``N`` workers an attacker
gets at most ``N`` times the allowance, which still stops password guessing at scale.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginLimiter"]

_SWEEP_AT = 10_000  # keys kept before the empty ones are dropped


class LoginLimiter:
    """Sliding-window counts of failed logins and the wait they impose.

    :param per_login: failures allowed for one login name from one address within ``window``;
        also the failures of a name, from all addresses, before the progressive delay starts.
    :param per_address: failures allowed from one client address within ``window``.
    :param window: seconds a failure is remembered.
    :param max_delay: the longest progressive delay (seconds).
    :param clock: monotonic seconds (tests pass their own).
    """

    def __init__(self, per_login: int, per_address: int, window: float,
                 max_delay: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._per_login = per_login
        self._per_address = per_address
        self._window = window
        self._max_delay = max_delay
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, ...], deque[float]] = {}

    def wait(self, login: str, address: str, *, known_browser: bool = False) -> float:
        """Seconds before an attempt for ``login`` from ``address`` is accepted (0: now).

        :param known_browser: the browser has logged in as ``login`` before; the name's
            progressive delay does not apply to it.
        """
        now = self._clock()
        name = login.casefold()
        waits = [0.0]
        with self._lock:
            pair = self._recent(("pair", name, address), now)
            if len(pair) >= self._per_login:
                waits.append(pair[0] + self._window - now)
            by_address = self._recent(("addr", address), now)
            if len(by_address) >= self._per_address:
                waits.append(by_address[0] + self._window - now)
            by_name = self._recent(("login", name), now)
            excess = len(by_name) - self._per_login
            if not known_browser and excess >= 0:
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
        with self._lock:
            if len(self._failures) > _SWEEP_AT:
                self._sweep(now)
            for key in (("pair", name, address), ("addr", address), ("login", name)):
                self._recent(key, now).append(now)

    def succeeded(self, login: str, address: str | None = None) -> None:
        """Forget the failures of ``login`` from ``address`` after a successful login.

        The name's count over all addresses stays (it is what slows guessing from many
        addresses); it ends with the window.
        """
        name = login.casefold()
        with self._lock:
            if address is None:
                for key in [k for k in self._failures if k[0] == "pair" and k[1] == name]:
                    del self._failures[key]
            else:
                self._failures.pop(("pair", name, address), None)

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self._window:
            times.popleft()
        return times

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
