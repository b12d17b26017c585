"""The guest feedback report: shoppers' feedback per store and topic, scoped by store for a
store's manager (guest feedback belongs to the company ``shoppers``)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.reports import ReportFilter, ReportSettings, export_table, run_report
from radiant_ext.reports.i18n import translate
from radiant_ext.reports.model import ReportTable
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket
from tests.reports.test_pages import _agent_auth, _as_customer, _table, _Unused

ITEM = "customer-service.shopper-feedback"
ZONE = ReportSettings().zone


def _fill(make_ticket: MakeTicket) -> None:
    def feedback(store: str, form: dict[str, Any] | None, days_ago: int = 0) -> None:
        make_ticket(category=ITEM, store=store, customer_id="shoppers", queue="Customer Service",
                    form_values=form, created=NOW - timedelta(days=days_ago))

    for topic in ("staff", "staff", "praise"):
        feedback("store-001", {"topic": topic, "message": "m"})
    feedback("store-001", {"message": "sent before the form asked for a topic"})
    feedback("store-001", None)                                 # no form values kept at all
    feedback("store-007", {"topic": "prices"})
    feedback("store-007", {"topic": "weather"})                 # not on the list: "other"
    feedback("store-007", {"topic": "staff"}, days_ago=40)      # outside October–November
    feedback("web", {"topic": "delivery"})
    make_ticket(store="store-001", customer_id="store-001")     # an IT ticket: not feedback
    make_ticket(store="store-007", customer_id="store-007", category="it.pos-down",
                form_values={"topic": "staff"})                 # a store's own request


def _run(session: Session, report_filter: ReportFilter | None = None) -> ReportTable:
    return run_report("guest-feedback", session, report_filter or ReportFilter(),
                      directory=DIRECTORY, now=NOW)


def test_feedback_is_counted_per_store_and_topic_busiest_store_first(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket)
    table = _run(session)
    records = table.records()
    assert [(r["store"], r["name"], r["total"]) for r in records] == [
        ("store-001", "Store 001 Moscow Tverskaya", 5), ("store-007", "Store 007 Kazan", 3),
        ("web", "Web shop", 1)]
    first, kazan, web = records
    assert (first["topic_staff"], first["topic_praise"], first["topic_not_given"],
            first["topic_product"]) == (2, 1, 2, 0)
    assert (kazan["topic_prices"], kazan["topic_other"], kazan["topic_staff"]) == (1, 1, 1)
    assert web["topic_delivery"] == 1
    assert [c.key for c in table.columns] == [
        "store", "name", "topic_product", "topic_staff", "topic_store", "topic_prices",
        "topic_delivery", "topic_praise", "topic_other", "topic_not_given", "total"]
    assert table.chart is not None and table.chart.kind == "stacked"


def test_the_period_filter_counts_the_days_chosen(session: Session,
                                                  make_ticket: MakeTicket) -> None:
    _fill(make_ticket)
    november = ReportFilter.for_dates(date(2026, 11, 1), date(2026, 11, 30),
                                      ZONE)
    kazan = _run(session, november).lookup("store", "store-007")
    assert kazan is not None and (kazan["topic_staff"], kazan["total"]) == (0, 2)
    october = ReportFilter.for_dates(date(2026, 10, 1), date(2026, 10, 31), ZONE)
    assert [(r["store"], r["topic_staff"]) for r in _run(session, october).records()] == [
        ("store-007", 1)]


def test_a_manager_sees_the_feedback_on_their_own_store_only(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket)
    records = _run(session, ReportFilter().scoped("store-007")).records()
    assert [(r["store"], r["total"]) for r in records] == [("store-007", 3)]
    assert _run(session, ReportFilter().scoped("head-office")).rows == []
    # the guest company itself is no store: its "manager" sees nothing of any store
    assert _run(session, ReportFilter().scoped("shoppers")).rows == []


def test_csv_and_the_russian_words(session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket)
    table = _run(session)
    rows = list(csv.reader(io.StringIO(export_table(table, "csv").decode("utf-8-sig"))))
    assert rows[0] == ["Store id", "Store", "Product", "Staff", "Store (cleanliness, queues)",
                       "Prices and payment", "Order and delivery", "Praise", "Other",
                       "Not given", "Total"]
    assert rows[1] == ["store-001", "Store 001 Moscow Tverskaya", "0", "2", "0", "0", "0", "1",
                       "0", "2", "5"]
    russian = [translate(c.label, "ru") for c in table.columns]
    assert russian[2:] == ["Товар", "Персонал", "Магазин (чистота, очереди)", "Цены и оплата",
                           "Заказ и доставка", "Благодарность", "Другое", "Не указана", "Всего"]
    assert translate(table.title, "ru") == "Отзывы покупателей по магазинам и темам"


def test_the_store_manager_reads_the_page_and_downloads_it_in_russian(
        engine: Engine, session: Session, make_ticket: MakeTicket,
        report_settings: ReportSettings) -> None:
    _fill(make_ticket)
    session.commit()
    app: Flask = create_app({
        "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(_Unused(), _Unused(), _Unused(), _Unused()),
        "PORTAL_SESSION_STORE": MemorySessionStore(3600), "PORTAL_SESSION_CHECK_SECONDS": 10**9,
        "REPORTS_ENGINE": engine, "REPORTS_SETTINGS": report_settings,
        "REPORTS_DIRECTORY": DIRECTORY, "REPORTS_AGENT_AUTH": _agent_auth,
        "REPORTS_CLOCK": lambda: NOW})
    client: FlaskClient
    with app.test_client() as client:
        _as_customer(app, client, "store-manager")
        assert "/reports/guest-feedback" in client.get("/reports/").get_data(as_text=True)
        page = client.get("/reports/guest-feedback", headers={"Accept-Language": "ru"})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        table = _table(html)
        assert "Store 007 Kazan" in table and "Tverskaya" not in table and "Web" not in table
        assert "Отзывы покупателей по магазинам и темам" in html and "Цены и оплата" in table
        assert "data:image/svg+xml" in html  # the chart beside its table
        other = client.get("/reports/guest-feedback?store=store-001").get_data(as_text=True)
        assert "Tverskaya" not in _table(other)
        export = client.get("/reports/guest-feedback/export.csv")
        rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
        assert [r[0] for r in rows[1:]] == ["store-007"] and rows[1][-1] == "3"
        xlsx = client.get("/reports/guest-feedback/export.xlsx")
        assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"



def test_the_form_the_catalog_item_and_the_report_list_the_same_topics() -> None:
    import radiant_ext_customer_service

    from radiant_ext.plugins import Plugins, make_plugin_manager
    from radiant_ext.portal.feedback.forms import TOPICS as FORM_TOPICS
    from radiant_ext.reports.guest_feedback import TOPICS as REPORT_TOPICS

    item = Plugins(make_plugin_manager(load_entrypoints=False,
                                       plugins=[radiant_ext_customer_service])).item(ITEM)
    field = next(f for f in item.fields if f.id == "topic")
    catalog = [(o.value, o.label) for o in field.options]
    assert catalog == [(c.value, str(c.label)) for c in FORM_TOPICS] == list(REPORT_TOPICS)
    for value, label in catalog:  # one Russian word for a topic, wherever it is shown
        assert item.translate(label, "ru") == translate(label, "ru") != label, value
