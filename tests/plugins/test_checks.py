"""``check_plugins``: every problem of every plugin, each reported once."""

from __future__ import annotations

import importlib
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
