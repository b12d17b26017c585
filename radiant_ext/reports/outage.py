"""Outage hours and what they cost: the catalog's ``downtime_cost`` and the hours that count.

An outage lasts from the ticket's creation to its solution (its close time), or to the
report's ``now`` while it is open. Only the hours the store trades count:

* the store's trading hours (its ``calendar`` in the store directory, in its time zone);
* where the directory gives none — a store without trading hours, a company the directory
  does not know, such as the head office — the item's own business hours, the calendar its
  deadline is counted in (:meth:`~radiant_ext.plugins.catalog.DeadlinePolicy.calendar_for`).

An hour costs the item's ``downtime_cost`` for the store's tier, else its department's; a
company the directory does not know has the tier :data:`~radiant_ext.plugins.stores.DEFAULT_TIER`
(as routing treats it). See ``docs/reports.md``, "Downtime cost".
"""

from __future__ import annotations

import hashlib
import json
import threading
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case

from radiant_ext.plugins.calendar import BusinessCalendar
from radiant_ext.plugins.catalog import DeadlinePolicy, DowntimeCost
from radiant_ext.plugins.models import StoreInfo
from radiant_ext.plugins.stores import DEFAULT_TIER

__all__ = ["OutageRates", "cents_in_sql", "micro_hours_in_sql", "outage_cost",
           "outage_seconds", "priced_seconds_limit", "rate_units"]

CENT = Decimal("0.01")
PRICED_SECONDS_LIMIT = 10**12
"""The most outage seconds of one store × item × month the query prices (31,700 years); a
sum beyond it, or one whose cents would leave 64-bit integers, is priced in Python instead."""
_INT64 = 2**63 - 1


def outage_cost(hours: float, rate: Decimal | None) -> Decimal | None:
    """``hours`` × ``rate``, to the cent; ``None`` when there is no rate."""
    if rate is None:
        return None
    return (rate * Decimal(repr(round(hours, 6)))).quantize(CENT)


def rate_units(rate: Decimal, scale: int) -> int:
    """``rate`` in units of ``10**-scale`` (exact for a rate of at most ``scale`` decimals)."""
    return int(rate.scaleb(scale))


def priced_seconds_limit(most_units: int) -> int:
    """The most seconds :func:`cents_in_sql` prices with rates of at most ``most_units``:
    ``units × millionths of an hour`` stays within a 64-bit integer (a millionth of an hour
    is at most 278 per second)."""
    return min(PRICED_SECONDS_LIMIT, _INT64 // (278 * max(most_units, 1)))


def micro_hours_in_sql(seconds: ColumnElement[int]) -> ColumnElement[int]:
    """``seconds`` / 3600 rounded to six decimals, in millionths of an hour, in integers:
    ``round(seconds × 2500 / 9)`` (a ninth is never a half, so no tie; equal to
    :func:`outage_cost`'s ``round(hours, 6)`` up to :data:`PRICED_SECONDS_LIMIT`)."""
    return (seconds * 2500 + 4) // 9


def cents_in_sql(product: ColumnElement[int], scale: int) -> ColumnElement[int]:
    """Whole cents of ``product`` = rate units (:func:`rate_units`) × millionths of an hour,
    rounded half to even as :func:`outage_cost` quantizes (``product`` is never negative)."""
    divisor = 10 ** (4 + scale)
    whole: ColumnElement[int] = product // divisor
    rest: ColumnElement[int] = product % divisor
    up: ColumnElement[int] = case((rest * 2 > divisor, 1), (rest * 2 == divisor, whole % 2),
                                  else_=0)
    return whole + up


def outage_seconds(rates: OutageRates, item: str, store: str | None, start: datetime,
                   end: datetime) -> int:
    """Whole seconds of ``item``'s outage at ``store`` that count (sums of them are exact in
    any order, so the figures kept per ticket add up to those read from the cache)."""
    return round(rates.hours(item, store, start, end) * 3600)


class _HourCounter:
    """Working time between two instants on one calendar, in two binary searches.

    It keeps the calendar's working intervals of a run of local days as epoch seconds, each
    with the working seconds before it, and extends the run as instants outside it come
    (:meth:`BusinessCalendar.between` walks the days, holidays and zone again on every call;
    over a year of tickets the same few hundred days come back thousands of times).
    """

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self._lock = threading.Lock()
        self._first: date | None = None
        self._last = date.min
        self._span = (0.0, 0.0)
        """Epoch seconds the run surely covers (its first and last day, a day to spare)."""
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._before: list[float] = []

    def _append(self, day: date) -> None:
        total = self._before[-1] + self._ends[-1] - self._starts[-1] if self._starts else 0.0
        for lo, hi in self.calendar.intervals_on(day):
            self._starts.append(lo.timestamp())
            self._ends.append(hi.timestamp())
            self._before.append(total)
            total += (hi - lo).total_seconds()

    def _cover(self, first: date, last: date) -> None:
        """Hold the local days ``first`` … ``last``; an earlier day rebuilds the run with a
        year to spare, so tickets in any order rebuild it rarely."""
        if self._first is None or first < self._first:
            margin = timedelta(days=366 if self._first is not None else 0)
            last = max(last, self._last)
            self._starts, self._ends, self._before = [], [], []
            self._first = first - margin
            self._last = self._first - timedelta(days=1)
        while self._last < last:
            self._last += timedelta(days=1)
            self._append(self._last)
        margin = timedelta(days=1)
        self._span = (datetime.combine(self._first + margin, time(), self.calendar.tz).timestamp(),
                      datetime.combine(self._last - margin, time(), self.calendar.tz).timestamp())

    def _worked(self, t: float) -> float:
        """Working seconds from the start of the run to epoch second ``t``."""
        i = bisect_right(self._starts, t) - 1
        return self._before[i] + min(t, self._ends[i]) - self._starts[i] if i >= 0 else 0.0

    def hours(self, start: datetime, end: datetime) -> float:
        """Working hours from ``start`` to ``end`` (aware; zero when ``end`` is earlier)."""
        if end <= start:
            return 0.0
        tz, a, b = self.calendar.tz, start.timestamp(), end.timestamp()
        with self._lock:
            if not self._span[0] <= a < b <= self._span[1]:
                # two days to spare each side: the run's sure span ends a day inside it, and
                # the outages still open all end at the same now
                spare = timedelta(days=2)
                self._cover(start.astimezone(tz).date() - spare,
                            end.astimezone(tz).date() + spare)
            return (self._worked(b) - self._worked(a)) / 3600


@dataclass(frozen=True)
class OutageRates:
    """What an hour of each catalog item's outage costs, and whose hours count.

    ``costs`` holds only items with a cost (their own ``downtime_cost`` or their
    department's); ``deadlines`` every item's deadline policy (its business hours);
    ``stores`` the store directory.
    """

    costs: Mapping[str, DowntimeCost] = field(default_factory=dict)
    deadlines: Mapping[str, DeadlinePolicy] = field(default_factory=dict)
    stores: Mapping[str, StoreInfo] = field(default_factory=dict)
    _pairs: dict[tuple[str, str], _HourCounter | None] = field(
        default_factory=dict, compare=False, repr=False)
    _counters: dict[tuple[str, str], _HourCounter] = field(
        default_factory=dict, compare=False, repr=False)
    _fingerprint: list[str] = field(default_factory=list, compare=False, repr=False)
    _prices: list[str] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def from_plugins(cls, plugins: Any) -> OutageRates:
        """Build the rates from a :class:`radiant_ext.plugins.Plugins` wrapper."""
        departments = {d.id: d for d in plugins.departments(include_disabled=True)}
        items = plugins.catalog_items(include_disabled=True)
        costs = {}
        for item in items:
            dept = departments.get(item.department)
            cost = item.downtime_cost or (dept.downtime_cost if dept is not None else None)
            if cost is not None:
                costs[item.id] = cost
        return cls(costs=costs, deadlines={i.id: i.deadline for i in items},
                   stores=dict(plugins.stores()))

    def fingerprint(self) -> str:
        """A hash of what outage hours depend on: which items have a cost, their deadline
        policies (business calendars) and every store's zone and trading hours — not the
        rates or tiers, which only price the hours (computed once)."""
        if not self._fingerprint:
            items = {item: (self.deadlines[item].model_dump(mode="json")
                            if item in self.deadlines else None) for item in self.costs}
            stores = {sid: [info.time_zone, info.calendar.model_dump(mode="json")
                            if info.calendar is not None else None]
                      for sid, info in self.stores.items()}
            text = json.dumps([items, stores], sort_keys=True, default=str)
            self._fingerprint.append(hashlib.sha256(text.encode()).hexdigest())
        return self._fingerprint[0]

    def prices_fingerprint(self) -> str:
        """A hash of what prices the hours: every item's rates per tier and currency, and
        every store's tier (computed once)."""
        if not self._prices:
            costs = {item: [cost.currency, {t: str(r) for t, r in cost.per_hour.items()}]
                     for item, cost in self.costs.items()}
            tiers = {sid: info.tier for sid, info in self.stores.items()}
            text = json.dumps([costs, tiers], sort_keys=True)
            self._prices.append(hashlib.sha256(text.encode()).hexdigest())
        return self._prices[0]

    def tier(self, store: str | None) -> str | None:
        """The tier of ``store``: the directory's, the default tier for a company it does
        not know, ``None`` for no store at all."""
        if not store:
            return None
        known = self.stores.get(store)
        return known.tier if known is not None else DEFAULT_TIER

    def rate(self, item: str, store: str | None) -> tuple[Decimal | None, str]:
        """Money per hour of ``item``'s outage at ``store``, and its currency.

        ``None`` when the item states no cost for the store's tier, or there is no store.
        """
        cost = self.costs.get(item)
        tier = self.tier(store)
        if cost is None:
            return None, ""
        return (cost.rate(tier) if tier is not None else None), cost.currency

    def calendar(self, item: str, store: str | None) -> BusinessCalendar | None:
        """The hours that count for ``item``'s outage at ``store`` (see the module), or
        ``None`` for an item the catalog does not describe."""
        info = self.stores.get(store or "")
        if info is not None and info.calendar is not None:
            return info.calendar.build(info.time_zone)
        deadline = self.deadlines.get(item)
        return deadline.calendar_for(info)[0] if deadline is not None else None

    def hours(self, item: str, store: str | None, start: datetime, end: datetime) -> float:
        """Hours of ``item``'s outage at ``store`` from ``start`` to ``end`` that count."""
        key = (item, store or "")
        if key not in self._pairs:
            self._pairs[key] = self._counter(self.calendar(item, store))
        counter = self._pairs[key]
        return counter.hours(start, end) if counter is not None else 0.0

    def _counter(self, calendar: BusinessCalendar | None) -> _HourCounter | None:
        """One counter per calendar and zone, shared by the stores and items that use it."""
        if calendar is None:
            return None
        key = (calendar.spec.model_dump_json(), calendar.tz.key)
        if key not in self._counters:
            self._counters[key] = _HourCounter(calendar)
        return self._counters[key]
