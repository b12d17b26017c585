"""Rate limits of guest feedback: per client address and per store, over a sliding window.

Only accepted feedback counts (a form refused for a missing text costs nothing). The counts
live in the store's ``feedback_hit`` table, so every worker of every portal host enforces the
same limits; time is an input (``clock``), so the tests need no waiting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Literal

from sqlalchemy import Engine

from radiant_ext.store import session_scope
from radiant_ext.store.feedback import add_feedback_hits, count_feedback_hits

__all__ = ["FeedbackLimiter", "Refusal"]

Refusal = Literal["address", "store"]


def _key(kind: str, value: str) -> str:
    return json.dumps([kind, value], ensure_ascii=False)


class FeedbackLimiter:
    """At most ``per_address`` accepted feedbacks from one client address (all stores) and
    ``per_store`` for one store within ``window`` seconds.

    :param engine: the store's engine.
    :param clock: epoch seconds now (``time.time``).
    """

    def __init__(self, engine: Engine, *, per_address: int, per_store: int, window: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self.per_address = per_address
        self.per_store = per_store
        self.window = window
        self._clock = clock

    def refusal(self, address: str, store: str) -> Refusal | None:
        """Which limit a new feedback from ``address`` for ``store`` would break, if any."""
        since = self._clock() - self.window
        with session_scope(self._engine) as s:
            if count_feedback_hits(s, _key("address", address), since) >= self.per_address:
                return "address"
            if count_feedback_hits(s, _key("store", store), since) >= self.per_store:
                return "store"
        return None

    def record(self, address: str, store: str) -> None:
        """Count one accepted feedback from ``address`` for ``store``."""
        now = self._clock()
        with session_scope(self._engine) as s:
            add_feedback_hits(s, [_key("address", address), _key("store", store)], now,
                              older_than=now - self.window)
