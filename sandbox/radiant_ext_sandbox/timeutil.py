"""Clock, business calendar and Znuny's date-based ticket numbers."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
FMT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Clock:
    """Server time: the real clock shifted by ``offset`` seconds (set through test controls)."""

    offset: float = 0.0

    def now(self) -> dt.datetime:
        """Return the current server time, naive UTC, whole seconds (like Znuny's DB)."""
        return dt.datetime.fromtimestamp(int(time.time() + self.offset), UTC).replace(tzinfo=None)

    def epoch(self) -> int:
        """Return the current server time as an epoch."""
        return int(time.time() + self.offset)

    def set_now(self, when: dt.datetime) -> None:
        """Make :meth:`now` read ``when`` (naive UTC) from this moment on."""
        self.offset = when.replace(tzinfo=UTC).timestamp() - time.time()


def epoch_of(value: dt.datetime) -> int:
    """Return the epoch of a naive UTC datetime."""
    return int(value.replace(tzinfo=UTC).timestamp())


def fmt(value: dt.datetime | None) -> str:
    """Format a naive timestamp the way Znuny does."""
    return value.strftime(FMT) if value else ""


def parse(value: str) -> dt.datetime | None:
    """Parse ``YYYY-MM-DD HH:MM:SS``; ``None`` when the text is not such a timestamp."""
    try:
        return dt.datetime.strptime(value.strip(), FMT)
    except (ValueError, AttributeError):
        return None


@dataclass(frozen=True)
class Calendar:
    """Working hours: ``days`` (0 = Monday) from ``start`` to ``end`` o'clock in ``tz``."""

    tz: str = "UTC"
    start: int = 8
    end: int = 20
    days: tuple[int, ...] = (0, 1, 2, 3, 4)

    def _local(self, value: dt.datetime) -> dt.datetime:
        return value.replace(tzinfo=UTC).astimezone(ZoneInfo(self.tz))

    def add_working_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """Return the naive UTC moment ``seconds`` of working time after ``start``."""
        cur = self._local(start)
        left = seconds
        for _ in range(3700):
            day_start = cur.replace(hour=self.start, minute=0, second=0, microsecond=0)
            day_end = cur.replace(hour=self.end, minute=0, second=0, microsecond=0)
            if cur.weekday() in self.days and cur < day_end:
                cur = max(cur, day_start)
                room = int((day_end - cur).total_seconds())
                if left <= room:
                    return (cur + dt.timedelta(seconds=left)).astimezone(UTC).replace(tzinfo=None)
                left -= room
            nxt = (cur + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)
            cur = nxt
        return (cur).astimezone(UTC).replace(tzinfo=None)

    def working_seconds(self, start: dt.datetime, stop: dt.datetime) -> int:
        """Return the working seconds between two naive UTC moments (0 if stop <= start)."""
        if stop <= start:
            return 0
        cur, end = self._local(start), self._local(stop)
        total = 0
        while cur < end:
            day_start = cur.replace(hour=self.start, minute=0, second=0, microsecond=0)
            day_end = cur.replace(hour=self.end, minute=0, second=0, microsecond=0)
            if cur.weekday() in self.days:
                lo, hi = max(cur, day_start), min(end, day_end)
                if hi > lo:
                    total += int((hi - lo).total_seconds())
            cur = (cur + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)
        return total


def checksum(base: str) -> int:
    """Return the check digit of Znuny's ``DateChecksum`` ticket-number generator."""
    total, mult = 0, 1
    for ch in base:
        total += mult * int(ch)
        mult = 1 if mult == 2 else mult + 1
    digit = 10 - total % 10
    return 1 if digit == 10 else digit


def ticket_number(day: dt.date, system_id: str, counter: int) -> str:
    """Return ``YYYYMMDD`` + SystemID + 5-digit daily counter + check digit."""
    base = f"{day:%Y%m%d}{system_id}{counter:05d}"
    return f"{base}{checksum(base)}"
