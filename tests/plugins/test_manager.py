"""The plugin manager factory and the wrapper: loading, blocking, enablement, visibility."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from radiant_ext.plugins import (
    CatalogError,
    CatalogItem,
    Department,
    DepartmentDisabledError,
    EmailTicket,
    ItemDisabledError,
    JsonEnablement,
    MemoryEnablement,
    PluginError,
    Plugins,
    RequestContext,
    UnknownItemError,
    Viewer,
    hookimpl,
    load_catalog_text,
    make_plugin_manager,
)
from radiant_ext.plugins.builtin import CatalogFilesPlugin

MakePlugins = Callable[..., Plugins]
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
DEPARTMENT_PLUGINS = {"it", "hr", "maintenance", "customer-service"}


def test_installed_department_plugins_load_from_entry_points() -> None:
    p = Plugins(make_plugin_manager())
    infos = {i.name: i for i in p.plugin_infos()}
    assert DEPARTMENT_PLUGINS <= set(infos)
    assert infos["it"].distribution == "radiant-ext-it" and infos["it"].items >= 7
    assert infos["radiant_ext.builtin"].builtin
    assert {d.id for d in p.departments()} >= DEPARTMENT_PLUGINS


def test_blocked_plugin_is_not_loaded_and_is_listed_as_blocked() -> None:
    p = Plugins(make_plugin_manager(blocked=["hr"]))
    assert "hr" not in {d.id for d in p.departments()}
    assert [i.name for i in p.plugin_infos() if i.blocked] == ["hr"]
    assert [i.name for i in p.plugin_infos()].count("hr") == 1  # once, as blocked
    with pytest.raises(UnknownItemError):
        p.item("hr.vacation-request")


def test_no_entry_points_means_only_builtin() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    assert [name for name, _ in pm.list_name_plugin()] == ["radiant_ext.builtin"]
    assert Plugins(pm).catalog_items() == []


def test_managers_are_independent() -> None:
    class Extra:
        @hookimpl
        def radiant_departments(self) -> list[Department]:
            return [Department(id="x", title="X")]

    a = make_plugin_manager(load_entrypoints=False, plugins=[Extra()])
    b = make_plugin_manager(load_entrypoints=False)
    assert [d.id for d in Plugins(a).departments()] == ["x"]
    assert Plugins(b).departments() == []


class FakeEntryPoint:
    def __init__(self, name: str, error: Exception) -> None:
        self.name, self.value, self.dist, self.error = name, f"{name}_pkg", None, error

    def load(self) -> Any:
        raise self.error


def test_entry_point_that_cannot_import_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(group: str) -> list[FakeEntryPoint]:
        assert group == "radiant_ext"
        return [FakeEntryPoint("broken", ImportError("No module named 'broken_pkg'"))]

    monkeypatch.setattr(metadata, "entry_points", fake)
    with pytest.raises(PluginError, match="plugin 'broken' .* cannot be loaded: No module"):
        make_plugin_manager()
    assert make_plugin_manager(blocked=["broken"]) is not None


def test_unknown_hook_and_wrong_arguments_are_refused() -> None:
    class Typo:
        @hookimpl
        def radiant_route(self) -> None: ...

    class WrongArgs:
        @hookimpl
        def radiant_route_request(self, item: Any, ticket: Any) -> None: ...

    with pytest.raises(PluginError, match="unknown hook 'radiant_route'"):
        make_plugin_manager(load_entrypoints=False, plugins=[Typo()])
    with pytest.raises(PluginError, match="ticket"):
        make_plugin_manager(load_entrypoints=False, plugins=[WrongArgs()])


def test_catalog_dirs_plugin(tmp_path: Path, base_catalog: str) -> None:
    (tmp_path / "ops.yaml").write_text(base_catalog, "utf-8")
    pm = make_plugin_manager(load_entrypoints=False, catalog_dirs=[tmp_path])
    assert [i.id for i in Plugins(pm).catalog_items()] == ["ops.till", "ops.paper"]
    blocked = make_plugin_manager(load_entrypoints=False, catalog_dirs=[tmp_path],
                                  blocked=["catalog-dirs"])
    assert Plugins(blocked).catalog_items() == []
    (tmp_path / "bad.yaml").write_text("items: [1", "utf-8")
    with pytest.raises(CatalogError, match="bad.yaml:1:10: YAML syntax"):
        make_plugin_manager(load_entrypoints=False, catalog_dirs=[tmp_path])


def test_duplicate_ids_and_unknown_department_are_refused(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    f = load_catalog_text(base_catalog)
    with pytest.raises(PluginError, match="department 'ops' registered by both"):
        make_plugins([f, f]).departments()
    orphan = f.model_copy(update={"department": None})
    with pytest.raises(PluginError, match="catalog item 'ops.till' registered by both"):
        make_plugins([f, orphan]).catalog_items()
    with pytest.raises(PluginError, match="unknown department 'ops'"):
        make_plugins([orphan]).catalog_items()


def test_disabling_a_department_hides_its_items_everywhere(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    switches = MemoryEnablement()
    p = make_plugins(base_catalog, enablement=switches)
    till = p.item("ops.till")
    p.set_department_enabled("ops", False, actor="test")
    assert p.department_states() == {"ops": False}
    assert p.departments() == [] and p.catalog_items() == []
    assert [d.id for d in p.departments(include_disabled=True)] == ["ops"]
    assert len(p.catalog_items(include_disabled=True)) == 2
    with pytest.raises(DepartmentDisabledError, match="department 'ops' is disabled"):
        p.item("ops.till")
    with pytest.raises(DepartmentDisabledError):
        p.route(till, RequestContext(submitted_at=MONDAY_9))
    assert p.classify(EmailTicket(ticket_id=1, title="till down")) is None
    p.set_department_enabled("ops", True, actor="test")
    assert len(p.catalog_items()) == 2


def test_unknown_department_and_missing_store_cannot_be_switched(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    p = make_plugins(base_catalog)
    with pytest.raises(PluginError, match="unknown department 'hr' \\(known: ops\\)"):
        p.set_department_enabled("hr", False, actor="test")
    p.enablement = None
    with pytest.raises(PluginError, match="no place to persist"):
        p.set_department_enabled("ops", False, actor="test")
    assert p.department_states() == {"ops": True}


def test_items_disabled_by_the_catalog_check_are_hidden(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    switches = MemoryEnablement(items={"ops.paper": "queue 'IT' not in Znuny"})
    p = make_plugins(base_catalog, enablement=switches)
    assert [i.id for i in p.catalog_items()] == ["ops.till"]
    with pytest.raises(ItemDisabledError, match="queue 'IT' not in Znuny"):
        p.item("ops.paper")
    assert p.item("ops.paper", include_disabled=True).id == "ops.paper"


def test_json_switches_persist_across_instances(
    tmp_path: Path, make_plugins: MakePlugins, base_catalog: str
) -> None:
    path = tmp_path / "data" / "departments.json"
    make_plugins(base_catalog, enablement=JsonEnablement(path)).set_department_enabled(
        "ops", False, actor="cli:anna")
    again = make_plugins(base_catalog, enablement=JsonEnablement(path))
    assert again.catalog_items() == []
    assert '"changed_by": "cli:anna"' in path.read_text("utf-8")
    path.write_text("[1, 2]", "utf-8")
    with pytest.raises(PluginError, match="departments"):
        JsonEnablement(path).department_states()


def test_visibility_by_company_group_store_and_tier(make_plugins: MakePlugins) -> None:
    def item(item_id: str, **vis: list[str]) -> str:
        return f"""
  - id: ops.{item_id}
    title: X
    visibility: {vis!r}
    routing: {{type: Incident, queue: IT}}
    deadline: {{business_hours: 1}}"""

    text = ("department: {id: ops, title: O}\nitems:" + item("all")
            + item("office", companies=["head-office"]) + item("managers", groups=["managers"])
            + item("stores", stores=["*"]) + item("seven", stores=["store-007"])
            + item("flagships", store_tiers=["flagship"]))
    p = make_plugins(text)

    def seen(viewer: Viewer) -> list[str]:
        return [i.id.removeprefix("ops.") for i in p.catalog_items(viewer=viewer)]

    assert seen(Viewer(company="head-office")) == ["all", "office"]
    assert seen(Viewer(company="store-007", groups=frozenset({"managers"}))) == [
        "all", "managers", "stores", "seven"]
    assert seen(Viewer(company="store-001")) == ["all", "stores", "flagships"]
    assert seen(Viewer(company="public")) == ["all"]
    assert len(p.catalog_items()) == 6


def test_store_from_the_form_when_the_request_names_none(make_plugins: MakePlugins) -> None:
    text = """department: {id: cs, title: C}
items:
  - id: cs.complaint
    title: Complaint
    fields: [{id: shop, kind: store, label: Store}]
    routing: {type: Feedback, queue: Customer Service, priority: 3}
    deadline: {business_hours: 4, calendar: default, time_zone: store}
    rules:
      - {id: flag, text: Flagship, when: {store_tiers: [flagship]}, raise: 1}
"""
    p = make_plugins(text)
    item: CatalogItem = p.item("cs.complaint")
    d = p.route(item, RequestContext(fields={"shop": "store-003"}, submitted_at=MONDAY_9))
    assert (d.store_id, d.priority) == ("store-003", "4 high")
    staff = p.route(item, RequestContext(store_id="store-007", fields={"shop": "store-003"},
                                         submitted_at=MONDAY_9))
    assert (staff.store_id, staff.priority) == ("store-007", "3 normal")


def test_installed_catalogs_classify_mail_by_sender() -> None:
    p = Plugins(make_plugin_manager())
    text = EmailTicket(ticket_id=1, title="Касса", body="Жалоба: касса не работает, обман",
                       customer_id="public")
    found = p.classify(text)
    assert found is not None and found.item_id == "customer-service.complaint"
    staff = p.classify(EmailTicket(ticket_id=2, title="Касса", body="касса не работает",
                                   customer_id="store-007"))
    assert staff is not None and staff.item_id == "it.pos-down"
    office = p.classify(EmailTicket(ticket_id=3, title="Cash register in store 12 is down",
                                    body="", customer_id="head-office"))
    assert office is not None and office.item_id == "it.pos-down"


def test_reload_picks_up_a_plugin_registered_later(
    make_plugins: MakePlugins, base_catalog: str
) -> None:
    p = make_plugins(base_catalog)
    assert len(p.catalog_items()) == 2
    p.pm.register(CatalogFilesPlugin([load_catalog_text(
        base_catalog.replace("id: ops", "id: ops2").replace("id: ops.", "id: ops2."))]))
    assert len(p.catalog_items()) == 2  # cached until reload()
    p.reload()
    assert [i.id for i in p.catalog_items("ops2")] == ["ops2.till", "ops2.paper"]
