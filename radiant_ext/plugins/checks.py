"""Validate every plugin and catalog without stopping at the first problem."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import get_close_matches
from typing import Any, cast

import pluggy

from radiant_ext.plugins.calendar import CalendarSpec
from radiant_ext.plugins.catalog import CatalogItem, Department, DowntimeCost
from radiant_ext.plugins.errors import CatalogError
from radiant_ext.plugins.models import StoreInfo
from radiant_ext.plugins.stores import DEFAULT_TIER

__all__ = ["CALENDAR_HORIZON", "PluginReport", "approval_problems", "calendar_warnings",
           "check_plugins", "downtime_tier_problems", "downtime_tier_warnings",
           "workflow_state_conflicts"]

CALENDAR_HORIZON = timedelta(days=30)
"""A calendar in use without one working hour this far ahead is worth a warning."""


@dataclass
class PluginReport:
    """What ``radiant-ext check`` found: per plugin counts, items, stores, problem lines."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    departments: list[Department] = field(default_factory=list)
    items: list[CatalogItem] = field(default_factory=list)
    stores: list[StoreInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, problem: str) -> None:
        """Record ``problem`` unless it is already recorded.

        A plugin's broken catalog file fails each hook that reads it (departments and
        items); it is one problem to fix, so it is reported once.
        """
        if problem not in self.problems:
            self.problems.append(problem)


def _collect(impl: pluggy.HookImpl, report: PluginReport) -> list[Any] | None:
    try:
        result = cast("Sequence[Any] | None", impl.function())
        return list(result or ())
    except CatalogError as exc:
        for problem in exc.problems:
            report.add(f"plugin {impl.plugin_name}: {problem}")
    except Exception as exc:  # a broken plugin must not hide the others' problems
        report.add(f"plugin {impl.plugin_name}: {type(exc).__name__}: {exc}")
    return None


def _departments(pm: pluggy.PluginManager, report: PluginReport) -> dict[str, str]:
    owners: dict[str, str] = {}
    for impl in pm.hook.radiant_departments.get_hookimpls():
        for dept in _collect(impl, report) or ():
            if dept.id in owners:
                report.add(f"department {dept.id!r} registered by both "
                                       f"{owners[dept.id]} and {impl.plugin_name}")
            owners[dept.id] = impl.plugin_name
            report.departments.append(dept)
    return owners


def _items(pm: pluggy.PluginManager, report: PluginReport, departments: dict[str, str]
           ) -> dict[str, str]:
    owners: dict[str, str] = {}
    for impl in pm.hook.radiant_catalog_items.get_hookimpls():
        for item in _collect(impl, report) or ():
            if item.id in owners:
                report.add(f"catalog item {item.id!r} registered by both "
                                       f"{owners[item.id]} and {impl.plugin_name}")
                continue
            if item.department not in departments:
                report.add(f"catalog item {item.id!r} ({impl.plugin_name}) names "
                                       f"unknown department {item.department!r}")
            owners[item.id] = impl.plugin_name
            report.items.append(item)
    return owners


def _stores(pm: pluggy.PluginManager, report: PluginReport) -> None:
    seen: set[str] = set()
    for impl in pm.hook.radiant_stores.get_hookimpls():
        for store in _collect(impl, report) or ():
            if store.id not in seen:  # the first plugin pluggy calls wins, as in Plugins
                seen.add(store.id)
                report.stores.append(store)


def check_plugins(pm: pluggy.PluginManager) -> PluginReport:
    """Load each plugin's departments, items and stores separately and cross-check them.

    Finds invalid catalog files (with file and line), duplicate department or item ids and
    items naming unknown departments; a plugin that raises is reported, not fatal.
    """
    report = PluginReport()
    departments = _departments(pm, report)
    items = _items(pm, report, departments)
    _stores(pm, report)
    for problem in downtime_tier_problems(report.departments, report.items, report.stores):
        report.add(problem)
    for problem in workflow_state_conflicts(report.items):
        report.add(problem)
    for problem in approval_problems(report.departments, report.items):
        report.add(problem)
    for name in {*departments.values(), *items.values()}:
        report.counts[name] = (list(departments.values()).count(name),
                               list(items.values()).count(name))
    return report


def _costs(departments: Iterable[Department], items: Iterable[CatalogItem]
           ) -> Iterator[tuple[str, DowntimeCost]]:
    """``("department 'it'", cost)`` and ``("catalog item 'it.pos-down'", cost)`` pairs."""
    for kind, owners in (("department", departments), ("catalog item", items)):
        for owner in owners:
            if owner.downtime_cost is not None:
                yield f"{kind} {owner.id!r}", owner.downtime_cost


def downtime_tier_problems(departments: Iterable[Department], items: Iterable[CatalogItem],
                           stores: Sequence[StoreInfo]) -> list[str]:
    """One line per ``downtime_cost`` tier that looks like a misspelt tier of the store
    directory (``flagshp``), listing the directory's tiers.

    Only a near miss is a problem: a tier the directory simply lacks is expected of a plugin
    written for another chain (see :func:`downtime_tier_warnings`). A store the directory does
    not know counts as :data:`DEFAULT_TIER`, so that tier is always known. Without a store
    directory there is nothing to check against: no lines.
    """
    tiers = sorted({s.tier for s in stores} | {DEFAULT_TIER})
    lines = []
    for owner, cost in _costs(departments, items) if stores else ():
        for tier in sorted(set(cost.per_hour) - set(tiers)):
            near = get_close_matches(tier, tiers, n=1, cutoff=0.75)
            if near:
                lines.append(f"{owner}: downtime_cost names unknown store tier {tier!r} (did "
                             f"you mean {near[0]!r}?); the store directory has "
                             f"{', '.join(tiers)}")
    return lines


def downtime_tier_warnings(departments: Iterable[Department], items: Iterable[CatalogItem],
                           stores: Sequence[StoreInfo]) -> list[str]:
    """One line per ``downtime_cost`` none of whose tiers a store of the directory has: the
    cost never applies. Without a store directory: no lines."""
    tiers = sorted({s.tier for s in stores} | {DEFAULT_TIER})
    return [f"{owner}: downtime_cost names only store tiers no store has "
            f"({', '.join(sorted(cost.per_hour))}), so it never applies; the store directory "
            f"has {', '.join(tiers)}"
            for owner, cost in (_costs(departments, items) if stores else ())
            if not set(cost.per_hour) & set(tiers)]


def approval_problems(departments: Iterable[Department],
                      items: Iterable[CatalogItem]) -> list[str]:
    """One line per approval by a department's head that nobody could give: the department
    is not registered, or it names no ``heads`` (every request would be refused at the
    form)."""
    heads = {d.id: d.heads for d in departments}
    lines = []
    for item in items:
        approval = item.approval
        if approval is None or approval.by != "department-head":
            continue
        dept = approval.department or ""
        if dept not in heads:
            lines.append(f"{item.id}: approval by the head of unknown department {dept!r}; "
                         f"departments: {', '.join(sorted(heads))}")
        elif not heads[dept]:
            lines.append(f"{item.id}: approval by the head of {dept!r}, which names no heads: "
                         "nobody could approve its requests")
    return lines


def workflow_state_conflicts(items: Iterable[CatalogItem]) -> list[str]:
    """One line per Znuny state that workflows expect with different state types: Znuny gives
    a state one type, so one of them is wrong (items without a workflow count as the default
    workflow)."""
    seen: dict[str, dict[str, list[str]]] = {}
    for item in items:
        owner = item.id if item.workflow else "the default workflow"
        states = [(state, kind, owner) for state, kind in item.process.states.items()]
        if item.approval is not None:  # an approval's waiting state is the item's own
            states.append((item.approval.state, "pending reminder", item.id))
        for state, state_type, who in states:
            users = seen.setdefault(state, {}).setdefault(state_type, [])
            if who not in users:
                users.append(who)
    return [f"workflow state {state!r} has different state types: "
            + "; ".join(f"{t!r} in {', '.join(users)}" for t, users in sorted(types.items()))
            for state, types in seen.items() if len(types) > 1]


def calendar_warnings(
    items: Iterable[CatalogItem], stores: Iterable[StoreInfo], *, now: datetime,
    default_time_zone: str,
) -> list[str]:
    """Return one line per calendar in use with no working hour in the
    :data:`CALENDAR_HORIZON` after ``now`` (aware): a deadline on it would lie far away.

    Items' calendars are taken in their own zone, stores' trading hours in the store's zone
    (``default_time_zone`` when the entry names none).
    """
    used: dict[tuple[str, str, str], tuple[CalendarSpec, str, list[str]]] = {}

    def use(spec: CalendarSpec, zone: str, user: str) -> None:
        key = (spec.id, zone, spec.model_dump_json())
        used.setdefault(key, (spec, zone, []))[2].append(user)

    for item in items:
        use(item.deadline.calendar, item.deadline.calendar.time_zone, item.id)
    for store in stores:
        if store.calendar is not None:
            zone = store.time_zone if "time_zone" in store.model_fields_set \
                else default_time_zone
            use(store.calendar, zone, store.id)
    end = now + CALENDAR_HORIZON
    lines = []
    for spec, zone, users in used.values():
        calendar = spec.build(zone)
        if calendar.between(now, end) < timedelta(hours=1):
            more = f" and {len(users) - 5} more" if len(users) > 5 else ""
            first, last = (t.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M")
                           for t in (now, end))
            lines.append(f"calendar {spec.id!r} (used by {', '.join(users[:5])}{more}) has no "
                         f"working hour between {first} and {last} {calendar.tz.key}")
    return lines
