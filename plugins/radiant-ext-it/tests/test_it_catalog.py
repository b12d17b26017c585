"""The IT catalog loads, routes to the demo world's names and ranks tills above printers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_it

from radiant_ext.plugins import Plugins, RequestContext, Viewer, make_plugin_manager

MSK = ZoneInfo("Europe/Moscow")
QUEUES = {"IT", "IT::Stores"}
SERVICES = {"IT::Cash register", "IT::Receipt printer", "IT::Price-tag printer", "IT::ERP access",
            "IT::E-mail", "IT::Password reset", "IT::Workstation"}
SLAS = {"POS critical", "IT standard"}
TYPES = {"Incident", "Service Request"}
AGENTS = {"demo-agent", "it-agent"}


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_it]))


def test_it_registers_every_required_request_type(plugins: Plugins) -> None:
    ids = {i.id for i in plugins.catalog_items()}
    assert {"it.pos-down", "it.receipt-printer", "it.price-tag-printer", "it.erp-access",
            "it.email", "it.password-reset", "it.new-workstation"} <= ids
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
    # 10 minutes on Friday, 3 h 50 min on Monday 23 November.
    assert pos.deadline.astimezone(MSK) == datetime(2026, 11, 23, 11, 50, tzinfo=MSK)
    assert [r.id for r in pos.rules_fired][:1] == ["flagship-store"]


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
    assert found.matched == ["чековый", "чековый принтер"]
