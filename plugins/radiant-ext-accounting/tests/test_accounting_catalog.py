"""The accounting catalog: routing to Accounting, repeat discrepancies, the Z-report check."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_accounting

from radiant_ext.plugins import EmailTicket, Plugins, RequestContext, Viewer, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_accounting],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_accounting_items_route_to_the_accounting_queue(plugins: Plugins) -> None:
    items = plugins.catalog_items()
    assert [i.id for i in items] == ["accounting.invoice-question",
                                     "accounting.cash-discrepancy",
                                     "accounting.expense-reimbursement",
                                     "accounting.payroll-entry"]
    assert {i.routing.queue for i in items} == {"Accounting"}
    assert {i.routing.owner for i in items} == {"acct-agent"}
    assert items[0].routing.service == "Accounting::Invoice question"
    assert [i.routing.type for i in items] == ["Service Request", "Incident", "Service Request",
                                               "Service Request"]


def test_cash_discrepancy_is_offered_to_stores_only(plugins: Plugins) -> None:
    office = [i.id for i in plugins.catalog_items(viewer=Viewer(company="head-office"))]
    assert office == ["accounting.invoice-question", "accounting.expense-reimbursement",
                      "accounting.payroll-entry"]  # the payroll is the head office's
    assert len(plugins.catalog_items(viewer=Viewer(company="store-012"))) == 3
    assert plugins.catalog_items(viewer=Viewer(company="public")) == []


def test_repeated_discrepancy_at_a_flagship_store_is_very_high(plugins: Plugins) -> None:
    item = plugins.item("accounting.cash-discrepancy")
    friday_17 = datetime(2026, 11, 20, 17, 0, tzinfo=MSK)
    once = plugins.route(item, RequestContext(store_id="store-002", submitted_at=friday_17))
    again = plugins.route(item, RequestContext(
        store_id="store-002", submitted_at=friday_17,
        recent_incidents=lambda store, item_id, days: 2 if days == 30 else 0))
    assert (once.priority, again.priority) == ("4 high", "5 very high")
    assert [r.id for r in again.rules_fired] == ["flagship-store", "repeated-discrepancy"]
    why = again.rules_fired[1].text
    assert str(why) == "2 earlier discrepancies at this store within 30 days"
    assert why.get("ru") == "Расхождений в этом магазине за 30 дн.: 2"
    # 8 business hours: one on Friday, seven on Monday from 08:00
    assert once.deadline.astimezone(MSK) == datetime(2026, 11, 23, 15, 0, tzinfo=MSK)


def test_stopped_deliveries_shorten_the_invoice_promise(plugins: Plugins) -> None:
    item = plugins.item("accounting.invoice-question")
    monday_16 = datetime(2026, 11, 23, 16, 0, tzinfo=MSK)
    plain = plugins.route(item, RequestContext(submitted_at=monday_16))
    urgent = plugins.route(item, RequestContext(fields={"deliveries_stopped": "yes"},
                                                submitted_at=monday_16))
    assert plain.deadline.astimezone(MSK) == datetime(2026, 11, 25, 12, 0, tzinfo=MSK)
    assert urgent.deadline.astimezone(MSK) == datetime(2026, 11, 24, 10, 0, tzinfo=MSK)
    assert (plain.priority, urgent.priority) == ("2 low", "4 high")


def test_large_discrepancy_needs_the_z_report(plugins: Plugins) -> None:
    item = plugins.item("accounting.cash-discrepancy")
    values = {"register": "3", "shift_date": date.today().isoformat(), "kind": "shortage"}
    assert plugins.validate(item, {**values, "amount": "4999,50"}) == []
    errors = plugins.validate(item, {**values, "amount": "12000"})
    assert [(e.field, e.code) for e in errors] == [("z_report", "z_report_required")]
    assert plugins.validate(item, {**values, "amount": "12000", "z_report": ["z.jpg"]}) == []
    errors = plugins.validate(item, {**values, "amount": "lots"})
    assert [(e.field, e.code) for e in errors] == [("amount", "not_a_number")]


def test_reimbursement_needs_receipts_from_the_last_90_days(plugins: Plugins) -> None:
    item = plugins.item("accounting.expense-reimbursement")
    old = (date.today() - timedelta(days=120)).isoformat()
    values = {"category": "taxi", "purpose": "Night shift", "expense_date": old,
              "amount": "850"}
    errors = plugins.validate(item, values)
    assert sorted((e.field, e.code) for e in errors) == [
        ("expense_date", "too_early"), ("receipts", "required")]


def test_mail_about_a_shortage_is_classified_as_a_cash_discrepancy(plugins: Plugins) -> None:
    mail = EmailTicket(ticket_id=9, title="Недостача на кассе 2",
                       body="При закрытии смены недостача 3 200 рублей.",
                       customer_id="store-012")
    result = plugins.classify(mail)
    assert result is not None and result.item_id == "accounting.cash-discrepancy"
