"""A bundle item's parts: checked when the catalogs load, and how a part is built."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
import radiant_ext_accounting
import radiant_ext_hr
import radiant_ext_it
import radiant_ext_maintenance
from pydantic import ValidationError

from radiant_ext.plugins import EmailTicket, Plugins, hookimpl, make_plugin_manager
from radiant_ext.plugins.bundle import BundlePart, part_answers, part_title
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.plugins.errors import PluginError

BUNDLE = next(i for i in radiant_ext_hr.catalog.items() if i.id == "hr.new-employee")
ITEM: dict[str, Any] = BUNDLE.model_dump(by_alias=True)
DEPARTMENTS = [radiant_ext_hr, radiant_ext_it, radiant_ext_maintenance, radiant_ext_accounting]


def _with_parts(*parts: dict[str, Any]) -> CatalogItem:
    return CatalogItem.model_validate({**ITEM, "bundle": {"parts": list(parts)}})


def _extra(item: CatalogItem) -> ModuleType:
    """A plugin registering one more item (a broken bundle)."""
    @hookimpl
    def radiant_catalog_items() -> list[CatalogItem]:
        return [item]

    plugin = ModuleType(f"extra_{item.id.replace('.', '_')}")
    plugin.radiant_catalog_items = radiant_catalog_items  # type: ignore[attr-defined]
    return plugin


def _plugins(*extra: CatalogItem, departments: list[Any] | None = None) -> Plugins:
    modules: list[Any] = list(departments if departments is not None else DEPARTMENTS)
    modules.extend(_extra(item) for item in extra)
    return Plugins(make_plugin_manager(load_entrypoints=False, plugins=modules,
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_new_employee_has_four_parts_in_four_departments() -> None:
    plugins = _plugins()
    item = plugins.item("hr.new-employee")
    assert item.bundle is not None
    parts = [plugins.item(p.item) for p in item.bundle.parts]
    assert [p.department for p in parts] == ["hr", "it", "maintenance", "accounting"]
    assert [p.routing.queue for p in parts] == ["HR", "IT", "Maintenance", "Accounting"]


def test_a_part_names_only_fields_the_bundle_has() -> None:
    with pytest.raises(ValidationError, match="names field 'salary', which the bundle item"):
        _with_parts({"item": "it.new-workstation", "title": "IT: {salary}"},
                    {"item": "hr.onboarding", "title": "HR"})
    with pytest.raises(ValidationError, match="names field 'grade'"):
        _with_parts({"item": "it.new-workstation", "title": "IT",
                     "answers": {"employee": "grade"}}, {"item": "hr.onboarding", "title": "HR"})
    with pytest.raises(ValidationError, match="at least 2"):
        _with_parts({"item": "hr.onboarding", "title": "HR"})


def test_a_part_that_is_a_bundle_or_lacks_a_field_stops_the_catalog() -> None:
    nested = _with_parts({"item": "hr.new-employee", "title": "Again"},
                         {"item": "hr.onboarding", "title": "HR"})
    nested = nested.model_copy(update={"id": "hr.twice"})
    with pytest.raises(PluginError, match=r"'hr\.twice', bundle part 1: 'hr\.new-employee' is "
                                          "a bundle itself"):
        _plugins(nested).catalog_items()
    wrong = _with_parts({"item": "it.new-workstation", "title": "IT",
                         "answers": {"badge": "employee"}},
                        {"item": "hr.onboarding", "title": "HR"})
    wrong = wrong.model_copy(update={"id": "hr.wrong"})
    with pytest.raises(PluginError, match="'it.new-workstation' has no field 'badge'"):
        _plugins(wrong).catalog_items()


def test_a_bundle_whose_part_no_plugin_offers_is_left_out(
        caplog: pytest.LogCaptureFixture) -> None:
    plugins = _plugins(departments=[radiant_ext_hr, radiant_ext_it])
    ids = [i.id for i in plugins.catalog_items()]
    assert "hr.new-employee" not in ids and "hr.onboarding" in ids
    assert "unknown catalog item 'maintenance.workplace'" in caplog.text


def test_a_part_takes_its_title_and_answers_from_the_bundle() -> None:
    part = BundlePart(item="it.new-workstation", title="IT account: {employee}",
                      answers={"employee": "employee", "location": "store"})
    answers = {"employee": "Ivan Novikov", "store": "", "position": "Cashier"}
    assert part_answers(part, answers) == {"employee": "Ivan Novikov"}  # empty: not passed
    assert part_title(part, answers, "Учётная запись: {employee}") == \
        "Учётная запись: Ivan Novikov"
    assert part_title(part, answers, "broken {") == "IT account: Ivan Novikov"
    with pytest.raises(ValidationError, match="not a valid template"):
        BundlePart(item="it.x", title="IT {")


def test_an_e_mail_is_never_classified_as_a_bundle() -> None:
    plugins = _plugins()
    mail = EmailTicket(ticket_id=1, title="New employee first day",
                       body="A new employee starts on Monday: first day, new hire onboarding",
                       customer_id="head-office")
    found = plugins.classify(mail)
    assert found is None or plugins.item(found.item_id).bundle is None
    assert found is not None and found.item_id == "hr.onboarding"
