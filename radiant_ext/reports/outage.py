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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from radiant_ext.plugins.calendar import BusinessCalendar
from radiant_ext.plugins.catalog import DeadlinePolicy, DowntimeCost
from radiant_ext.plugins.models import StoreInfo
from radiant_ext.plugins.stores import DEFAULT_TIER

__all__ = ["OutageRates", "outage_cost"]

CENT = Decimal("0.01")


def outage_cost(hours: float, rate: Decimal | None) -> Decimal | None:
    """``hours`` × ``rate``, to the cent; ``None`` when there is no rate."""
    if rate is None:
        return None
    return (rate * Decimal(repr(round(hours, 6)))).quantize(CENT)


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
    _calendars: dict[tuple[str, str], BusinessCalendar] = field(
        default_factory=dict, compare=False, repr=False)

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
        key = (item, store or "")
        if key not in self._calendars:
            info = self.stores.get(store or "")
            if info is not None and info.calendar is not None:
                found: BusinessCalendar | None = info.calendar.build(info.time_zone)
            else:
                deadline = self.deadlines.get(item)
                found = deadline.calendar_for(info)[0] if deadline is not None else None
            if found is None:
                return None
            self._calendars[key] = found
        return self._calendars[key]

    def hours(self, item: str, store: str | None, start: datetime, end: datetime) -> float:
        """Hours of ``item``'s outage at ``store`` from ``start`` to ``end`` that count."""
        calendar = self.calendar(item, store)
        if calendar is None:
            return 0.0
        return calendar.between(start, end).total_seconds() / 3600
