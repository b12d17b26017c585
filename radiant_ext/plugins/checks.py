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


def _collect(impl: pluggy.HookImpl, report: PluginReport) -> list[Any] | None:
    try:
        result = cast("Sequence[Any] | None", impl.function())
        return list(result or ())
    except CatalogError as exc:
        report.problems.extend(f"plugin {impl.plugin_name}: {p}" for p in exc.problems)
    except Exception as exc:  # a broken plugin must not hide the others' problems
        report.problems.append(f"plugin {impl.plugin_name}: {type(exc).__name__}: {exc}")
    return None


def check_plugins(pm: pluggy.PluginManager) -> PluginReport:
    """Load each plugin's departments and items separately and cross-check them.

    Finds invalid catalog files (with file and line), duplicate department or item ids,
    items naming unknown departments, and store fields' and rules' problems the models
    already reject.
    """
    report = PluginReport()
    departments: dict[str, str] = {}
    for impl in pm.hook.radiant_departments.get_hookimpls():
        for dept in _collect(impl, report) or ():
            if dept.id in departments:
                report.problems.append(f"department {dept.id!r} registered by both "
                                       f"{departments[dept.id]} and {impl.plugin_name}")
            departments[dept.id] = impl.plugin_name
    owners: dict[str, str] = {}
    for impl in pm.hook.radiant_catalog_items.get_hookimpls():
        items = _collect(impl, report)
        if items is None:
            continue
        for item in items:
            if item.id in owners:
                report.problems.append(f"catalog item {item.id!r} registered by both "
                                       f"{owners[item.id]} and {impl.plugin_name}")
                continue
            if item.department not in departments:
                report.problems.append(f"catalog item {item.id!r} ({impl.plugin_name}) names "
                                       f"unknown department {item.department!r}")
            owners[item.id] = impl.plugin_name
            report.items.append(item)
    for name in {*departments.values(), *owners.values()}:
        report.counts[name] = (
            sum(1 for p in departments.values() if p == name),
            sum(1 for p in owners.values() if p == name),
        )
    return report

