"""A settable clock for the code that takes one (``clock=``): tests move time, never sleep."""

from __future__ import annotations


class Clock:
    """Seconds since the epoch, moved by assigning ``now`` (starts in 2027)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
