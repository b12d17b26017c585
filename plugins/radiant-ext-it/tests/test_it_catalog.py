"""The IT catalog loads, routes to the demo world's names and ranks tills above printers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_it

from radiant_ext.plugins import Plugins, RequestContext, Viewer, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

MSK = ZoneInfo("Europe/Moscow")
QUEUES = {"IT", "IT::Stores"}
SERVICES = {"IT::Cash register", "IT::Receipt printer", "IT::Price-tag printer", "IT::ERP access",
            "IT::E-mail", "IT::Password reset", "IT::Workstation", "IT"}
SLAS = {"POS critical", "IT standard", None}  # the software defect has no SLA: its steps' limits
TYPES = {"Incident", "Service Request"}
AGENTS = {"demo-agent", "it-agent"}


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_it],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_it_registers_every_required_request_type(plugins: Plugins) -> None:
    ids = {i.id for i in plugins.catalog_items()}
    assert {"it.pos-down", "it.receipt-printer", "it.price-tag-printer", "it.erp-access",
            "it.email", "it.password-reset", "it.new-workstation", "it.software-defect"} <= ids
    assert [d.id for d in plugins.departments()] == ["it"]


def test_it_routes_only_to_demo_world_names(plugins: Plugins) -> None:
    for item in plugins.catalog_items():
        r = item.routing
        assert r.queue in QUEUES and r.type in TYPES, item.id
        assert r.service in SERVICES and r.sla in SLAS, item.id
        assert {r.owner, *r.owner_pool} - {None} <= AGENTS, item.id


def test_pos_down_at_flagship_on_friday_evening_outranks_office_printer(plugins: Plugins) -> None:
    friday_1750 = datetime(2026, 11, 20, 17, 50, tzinfo=MSK)
    pos = plugins.route(plugins.item("it.pos-down"), RequestContext(
        store_id="store-001", fields={"register": "2", "impact": "one-register"},
        submitted_at=friday_1750))
    printer = plugins.route(plugins.item("it.office-printer"), RequestContext(
        customer_company="head-office", submitted_at=friday_1750))
    assert pos.priority_level > printer.priority_level
    assert pos.priority == "5 very high"
    # The flagship trades until 22:00 every day: the till is promised for Friday night…
    assert pos.deadline.astimezone(MSK) == datetime(2026, 11, 20, 21, 50, tzinfo=MSK)
    assert pos.calendar == "mall-hours (Europe/Moscow), trading hours of store-001"
    # …the office printer counts office hours: Monday to Wednesday.
    assert printer.deadline.astimezone(MSK) == datetime(2026, 11, 25, 11, 50, tzinfo=MSK)
    assert [r.id for r in pos.rules_fired][:1] == ["flagship-store"]


def test_whole_store_down_on_friday_night_is_not_promised_for_monday(plugins: Plugins) -> None:
    # Store 004 trades 09:00-21:00 Monday to Saturday: 2 business hours from Friday 20:30
    # are 30 minutes on Friday and 90 on Saturday morning.
    friday_2030 = datetime(2026, 11, 20, 20, 30, tzinfo=MSK)
    d = plugins.route(plugins.item("it.pos-down"), RequestContext(
        store_id="store-004", fields={"register": "1", "impact": "whole-store"},
        submitted_at=friday_2030))
    assert d.priority == "5 very high"
    assert d.deadline.astimezone(MSK) == datetime(2026, 11, 21, 10, 30, tzinfo=MSK)


def test_a_store_open_round_the_clock_gets_its_till_fixed_at_night(plugins: Plugins) -> None:
    saturday_0300 = datetime(2026, 11, 21, 3, 0, tzinfo=MSK)
    d = plugins.route(plugins.item("it.pos-down"), RequestContext(
        store_id="store-005", fields={"register": "1", "impact": "one-register"},
        submitted_at=saturday_0300))
    assert d.deadline.astimezone(MSK) == datetime(2026, 11, 21, 7, 0, tzinfo=MSK)
    assert d.calendar.startswith("24x7 (Europe/Moscow)")


def test_without_a_store_the_till_falls_back_to_office_hours(plugins: Plugins) -> None:
    friday_1750 = datetime(2026, 11, 20, 17, 50, tzinfo=MSK)
    d = plugins.route(plugins.item("it.pos-down"), RequestContext(
        customer_company="head-office", fields={"register": "1", "impact": "one-register"},
        submitted_at=friday_1750))
    assert d.deadline.astimezone(MSK) == datetime(2026, 11, 23, 11, 50, tzinfo=MSK)
    assert d.calendar == "default (Europe/Moscow), no store given"


def test_receipt_printer_is_for_stores_and_office_printer_for_head_office(
    plugins: Plugins,
) -> None:
    store = {i.id for i in plugins.catalog_items(viewer=Viewer(company="store-007"))}
    office = {i.id for i in plugins.catalog_items(viewer=Viewer(company="head-office"))}
    public = {i.id for i in plugins.catalog_items(viewer=Viewer(company="public"))}
    assert "it.receipt-printer" in store and "it.receipt-printer" not in office
    assert "it.office-printer" in office and "it.office-printer" not in store
    assert public == set()


def test_pos_down_keywords_classify_a_russian_mail(plugins: Plugins) -> None:
    from radiant_ext.plugins import EmailTicket

    found = plugins.classify(EmailTicket(ticket_id=1, title="Не работает касса №3",
                                         body="Касса зависла, покупатели ждут"))
    assert found is not None and found.item_id == "it.pos-down"


def test_receipt_printer_mail_is_not_taken_for_a_till_or_office_printer(
    plugins: Plugins,
) -> None:
    from radiant_ext.plugins import EmailTicket

    title = "Не печатает чековый принтер на кассе 3"
    found = plugins.classify(EmailTicket(ticket_id=2, title=title, customer_id="store-007"))
    assert found is not None and found.item_id == "it.receipt-printer"
    assert {"чековый", "чековый принтер"} <= set(found.matched)


def test_an_urgent_software_defect_gets_a_high_priority(plugins: Plugins) -> None:
    item = plugins.item("it.software-defect")
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)
    fields = {"system": "erp", "steps": "Prices show zero after the import."}
    normal = plugins.route(item, RequestContext(customer_company="head-office",
                                                fields={**fields, "urgency": "normal"},
                                                submitted_at=monday))
    urgent = plugins.route(item, RequestContext(customer_company="head-office",
                                                fields={**fields, "urgency": "urgent"},
                                                submitted_at=monday))
    assert (normal.priority, urgent.priority) == ("3 normal", "4 high")
    assert [r.id for r in urgent.rules_fired] == ["urgent-defect"] and item.priority_shown
    assert item.process.first.state == "new" and item.process.step("completed").closed
