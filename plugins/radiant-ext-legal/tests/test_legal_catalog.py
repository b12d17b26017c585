"""The legal catalog: routing to Legal, the legal calendar, cross-field checks, the register."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_legal

from radiant_ext.plugins import EmailTicket, Plugins, RequestContext, Viewer, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_legal],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_legal_registers_three_items_routed_to_the_legal_queue(plugins: Plugins) -> None:
    items = plugins.catalog_items()
    assert [i.id for i in items] == [
        "legal.contract-review", "legal.power-of-attorney", "legal.store-question"]
    assert {i.routing.queue for i in items} == {"Legal"}
    assert {i.routing.owner for i in items} == {"legal-agent"}
    assert [i.routing.service for i in items] == ["Legal::Contract review", "Legal", "Legal"]
    assert all(i.routing.sla is None for i in items)  # the retail Znuny links no SLA to Legal


def test_store_staff_and_office_see_legal_items_outside_customers_do_not(
    plugins: Plugins,
) -> None:
    office = [i.id for i in plugins.catalog_items(viewer=Viewer(company="head-office"))]
    store = [i.id for i in plugins.catalog_items(viewer=Viewer(company="store-007"))]
    assert office == ["legal.contract-review", "legal.power-of-attorney"]
    assert store == ["legal.contract-review", "legal.power-of-attorney",
                     "legal.store-question"]
    assert plugins.catalog_items(viewer=Viewer(company="public")) == []


def test_contract_review_counts_hours_on_the_legal_calendar(plugins: Plugins) -> None:
    item = plugins.item("legal.contract-review")
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=MSK)
    d = plugins.route(item, RequestContext(fields={"value_band": "under-1m"},
                                           customer_company="head-office",
                                           submitted_at=monday_10))
    # 24 hours of 09:00-13:00 + 14:00-18:00: Mon 7 h, Tue 8 h, Wed 8 h, Thu 1 h
    assert d.deadline.astimezone(MSK) == datetime(2026, 11, 26, 10, 0, tzinfo=MSK)
    assert (d.priority, d.rules_fired) == ("3 normal", [])
    big = plugins.route(item, RequestContext(fields={"value_band": "over-10m"},
                                             submitted_at=monday_10))
    assert big.priority == "4 high"
    assert [r.id for r in big.rules_fired] == ["high-value"]


def test_inspection_at_a_flagship_store_is_urgent_with_a_short_deadline(
    plugins: Plugins,
) -> None:
    item = plugins.item("legal.store-question")
    friday_1730 = datetime(2026, 11, 20, 17, 30, tzinfo=MSK)
    d = plugins.route(item, RequestContext(store_id="store-001", fields={"topic": "inspection"},
                                           submitted_at=friday_1730))
    assert d.priority == "5 very high"
    assert [r.id for r in d.rules_fired] == ["inspection-now", "flagship-store"]
    # Legal works until 17:00 on Fridays: two hours from Monday 09:00
    assert d.deadline_utc() == "2026-11-23 08:00:00"
    assert d.dynamic_fields()["RadiantStore"] == "store-001"


def test_power_of_attorney_must_end_after_it_starts(plugins: Plugins) -> None:
    item = plugins.item("legal.power-of-attorney")
    start = date.today() + timedelta(days=3)
    values = {"attorney": "Anna Petrova", "purpose": "bank", "valid_from": start.isoformat()}
    errors = plugins.validate(item, {**values, "valid_until": start.isoformat()})
    assert [(e.field, e.code) for e in errors] == [("valid_until", "ends_before_start")]
    assert "Доверенность" in errors[0].get("ru")
    later = (start + timedelta(days=365)).isoformat()
    assert plugins.validate(item, {**values, "valid_until": later}) == []


def test_large_contract_needs_its_draft(plugins: Plugins) -> None:
    item = plugins.item("legal.contract-review")
    values = {"counterparty": "OOO Romashka, INN 7701234567", "contract_type": "lease",
              "value_band": "over-10m"}
    assert [e.code for e in plugins.validate(item, values)] == ["draft_required"]
    assert plugins.validate(item, {**values, "draft": ["lease-2027.docx"]}) == []
    assert plugins.validate(item, {**values, "value_band": "1m-10m"}) == []


def test_mail_about_an_inspection_is_classified_as_a_store_question(plugins: Plugins) -> None:
    mail = EmailTicket(ticket_id=7, title="Проверка Роспотребнадзора в магазине",
                       body="Пришли проверяющие, просят подписать предписание.",
                       customer_id="store-012", customer_user="clerk-012-1")
    result = plugins.classify(mail)
    assert result is not None and result.item_id == "legal.store-question"
    contract = EmailTicket(ticket_id=8, title="Договор аренды на проверку",
                           body="Прошу проверить договор аренды.", customer_id="head-office")
    result = plugins.classify(contract)
    assert result is not None and result.item_id == "legal.contract-review"


def test_created_legal_tickets_are_written_to_the_register(
    plugins: Plugins, caplog: pytest.LogCaptureFixture
) -> None:
    item = plugins.item("legal.contract-review")
    decision = plugins.route(item, RequestContext(
        fields={"value_band": "over-10m"}, submitted_at=datetime(2026, 11, 23, 10, tzinfo=MSK)))
    with caplog.at_level(logging.INFO, logger="radiant_ext_legal.register"):
        plugins.ticket_created(42, "2026112310000042", item=item, decision=decision)
        plugins.ticket_created(43, "2026112310000043")  # not routed by a legal item
    assert [r.getMessage() for r in caplog.records] == [
        "2026112310000042 legal.contract-review priority 4 high owner legal-agent "
        "due 2026-11-26 07:00:00 UTC"]
