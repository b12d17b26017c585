"""``check_plugins``: every problem of every plugin, each reported once."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from radiant_ext.plugins import make_plugin_manager
from radiant_ext.plugins.checks import check_plugins

PLUGIN_MODULE = '''\
from radiant_ext.plugins import CatalogPackage, hookimpl

catalog = CatalogPackage(__name__, "catalog.yaml")


@hookimpl
def radiant_departments():
    return catalog.departments()


@hookimpl
def radiant_catalog_items():
    return catalog.items()
'''


def _plugin_package(root: Path, name: str, catalog: str) -> None:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text(PLUGIN_MODULE, "utf-8")
    (package / "catalog.yaml").write_text(catalog, "utf-8")


def test_a_broken_catalog_in_a_plugin_is_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plugin_package(tmp_path, "radiant_ext_brokencat", "items: [\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("radiant_ext_brokencat")
    pm = make_plugin_manager(load_entrypoints=False, plugins=[module])
    report = check_plugins(pm)
    assert len(report.problems) == 1, report.problems  # not once per hook
    assert report.problems[0].startswith(
        "plugin radiant_ext_brokencat: radiant_ext_brokencat/catalog.yaml:2:1: YAML syntax")
    assert report.counts == {}


def test_the_same_problem_in_two_plugins_is_reported_for_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_catalog: str
) -> None:
    _plugin_package(tmp_path, "radiant_ext_ops_a", base_catalog)
    _plugin_package(tmp_path, "radiant_ext_ops_b", base_catalog)
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = [importlib.import_module(n) for n in ("radiant_ext_ops_a", "radiant_ext_ops_b")]
    report = check_plugins(make_plugin_manager(load_entrypoints=False, plugins=modules))
    assert sorted(report.problems) == [
        "catalog item 'ops.paper' registered by both radiant_ext_ops_a and radiant_ext_ops_b",
        "catalog item 'ops.till' registered by both radiant_ext_ops_a and radiant_ext_ops_b",
        "department 'ops' registered by both radiant_ext_ops_a and radiant_ext_ops_b",
    ]


CLOSED_IN_DECEMBER = """
department: {id: ops, title: Ops}
calendars:
  - id: closed-in-december       # Mondays only, and every Monday of December off
    time_zone: Asia/Yekaterinburg
    hours: {mon: "08:00-18:00"}
    holidays: [2026-12-07, 2026-12-14, 2026-12-21, 2026-12-28]
items:
  - id: ops.paper
    title: Paper
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 4, calendar: closed-in-december}
  - id: ops.toner
    title: Toner
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 4}
stores:
  - {id: store-1, calendar: closed-in-december}                      # the default zone
  - {id: store-2, time_zone: Europe/Moscow, calendar: 24x7}
"""


def _warnings(now: datetime) -> list[str]:
    from radiant_ext.plugins import load_catalog_text
    from radiant_ext.plugins.checks import calendar_warnings

    loaded = load_catalog_text(CLOSED_IN_DECEMBER, "ops.yaml")
    return calendar_warnings(loaded.items, loaded.stores, now=now,
                             default_time_zone="Asia/Omsk")


def test_a_calendar_without_a_working_hour_in_the_next_30_days_is_named() -> None:
    warnings = _warnings(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
    assert warnings == [
        "calendar 'closed-in-december' (used by ops.paper) has no working hour between "
        "2026-12-01 09:00 and 2026-12-31 09:00 Asia/Yekaterinburg",
        "calendar 'closed-in-december' (used by store-1) has no working hour between "
        "2026-12-01 10:00 and 2026-12-31 10:00 Asia/Omsk",
    ]
    # A month later the calendar works again; so it did a week earlier.
    assert _warnings(datetime(2027, 1, 1, 4, 0, tzinfo=UTC)) == []
    assert _warnings(datetime(2026, 11, 24, 4, 0, tzinfo=UTC)) == []
