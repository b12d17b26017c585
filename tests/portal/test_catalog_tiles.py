"""Catalog tiles with icons and short descriptions, and a page per department."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import ValidationError

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.plugins.catalog import CatalogItem, Department
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.portal import widgets
from radiant_ext.portal.adapters.catalog import PluginCatalog
from radiant_ext.portal.ports import Customer

CLERK = Customer("demo-customer", "store-007", "Dana Clerk")
ICONS = Path(widgets.__file__).parent / "static" / "icons"


@pytest.fixture(scope="module")
def catalog() -> PluginCatalog:
    return PluginCatalog(Plugins(make_plugin_manager(load_entrypoints=True,
                                                     catalog_dirs=[DEMO_CATALOG_DIR])))


def test_every_shipped_item_and_department_has_an_icon_the_portal_ships_and_a_summary(
    catalog: PluginCatalog,
) -> None:
    shipped = {p.stem for p in ICONS.glob("*.svg")}
    departments = catalog.departments(CLERK, "en")
    assert {"it", "hr", "maintenance"} <= {d.id for d in departments}
    for dept in departments:
        assert dept.icon in shipped and dept.summary, dept.id
        for item in dept.items:
            assert item.icon in shipped, item.id
            assert item.summary and len(item.summary) <= 120, item.id
    for svg in ICONS.glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert text.startswith("<svg") and "http" not in text.replace(
            "http://www.w3.org/2000/svg", ""), svg.name  # nothing loaded from outside


def test_summaries_are_translated_like_titles(catalog: PluginCatalog) -> None:
    en = {d.id: d for d in catalog.departments(CLERK, "en")}
    ru = {d.id: d for d in catalog.departments(CLERK, "ru")}
    assert ru["it"].summary == "Кассы, принтеры, компьютеры и учётные записи"
    pos_en = next(i for i in en["it"].items if i.id == "it.pos-down")
    pos_ru = next(i for i in ru["it"].items if i.id == "it.pos-down")
    assert pos_en.summary == "Till frozen, will not start or take payments"
    assert pos_ru.summary == "Касса зависла, не включается или не принимает оплату"


def test_an_item_without_an_icon_takes_its_departments() -> None:
    item = CatalogItem.model_validate({
        "id": "it.x", "department": "it", "title": "X",
        "routing": {"type": "Incident", "queue": "IT"},
        "deadline": {"business_hours": 4,
                     "calendar": {"id": "c", "hours": {"mon": ["09:00-18:00"]}}}})
    assert item.icon is None and item.summary is None
    assert Department(id="it", title="IT").icon_name == "monitor"
    assert Department(id="garden", title="Garden").icon_name == "help"
    assert Department(id="garden", title="Garden", icon="star").icon_name == "star"
    with pytest.raises(ValidationError):
        Department(id="it", title="IT", icon="../../etc/passwd")
    with pytest.raises(ValidationError):
        Department(id="it", title="IT", summary="x" * 121)


def test_an_icon_the_portal_does_not_ship_shows_the_general_one(app: Flask) -> None:
    with app.test_request_context("/"):
        assert widgets.icon_url("monitor") == "/static/icons/monitor.svg"
        assert widgets.icon_url("rocket-from-a-newer-plugin") == "/static/icons/help.svg"


def test_home_starts_with_the_departments_each_with_its_page(
    customer_client: FlaskClient,
) -> None:
    html = customer_client.get("/").get_data(as_text=True)
    tiles = html[html.index('class="dept-tiles"'):html.index('class="home-items"')]
    assert re.findall(r'href="/d/([a-z-]+)"', tiles) == ["it", "hr", "accounting"]
    assert "2 request types" in tiles  # IT offers two items here
    page = customer_client.get("/d/it").get_data(as_text=True)
    assert "<h1" in page and "Cash register does not work" in page
    assert "Till frozen, no receipts" in page and 'class="tile-icon"' in page
    assert "Vacation request" not in page  # HR's items stay on HR's page
    assert customer_client.get("/d/garden").status_code == 404


def test_a_department_not_offered_to_the_customer_has_no_page(
    login_as: object, client: FlaskClient
) -> None:
    login_as("new-store-clerk")  # a company the catalogs do not know: HR only
    assert client.get("/d/hr").status_code == 200
    assert client.get("/d/it").status_code == 404


def test_department_pages_in_russian(customer_client: FlaskClient) -> None:
    customer_client.set_cookie("radiant_lang", "ru")
    html = customer_client.get("/").get_data(as_text=True)
    assert "2 вида заявок" in html and 'aria-label="Отделы"' in html


def test_items_whose_priority_rules_decide_show_it_by_default(catalog: PluginCatalog) -> None:
    items = {i.id: i for d in catalog.departments(CLERK, "en") for i in d.items}
    assert items["it.pos-down"].show_priority  # the flagship rule raises it
    assert not items["hr.vacation-request"].show_priority
