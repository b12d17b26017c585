"""Validate every plugin and catalog without stopping at the first problem."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pluggy

from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.errors import CatalogError

__all__ = ["PluginReport", "check_plugins"]


@dataclass
class PluginReport:
    """What ``radiant-ext check`` found: per plugin counts, items, and problem lines."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    items: list[CatalogItem] = field(default_factory=list)
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


def check_plugins(pm: pluggy.PluginManager) -> PluginReport:
    """Load each plugin's departments and items separately and cross-check them.

    Finds invalid catalog files (with file and line), duplicate department or item ids and
    items naming unknown departments; a plugin that raises is reported, not fatal.
    """
    report = PluginReport()
    departments = _departments(pm, report)
    items = _items(pm, report, departments)
    for name in {*departments.values(), *items.values()}:
        report.counts[name] = (list(departments.values()).count(name),
                               list(items.values()).count(name))
    return report
