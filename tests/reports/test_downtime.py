"""Downtime cost: outage hours in the store's trading hours × the catalog's cost per tier,
per month, store and item, beside the month's contract penalties; pages and exports."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.portal.ports import Customer
from radiant_ext.reports import ItemDirectory, PenaltyRule, ReportFilter, ReportSettings, run_report
from tests.reports._pages import reports_app
from tests.reports.conftest import NOW, MakeTicket

H = timedelta(hours=1)
MSK = timedelta(hours=3)  # Europe/Moscow has no DST: local = UTC + 3 h

CATALOG = """
department:
  id: it
  title: IT
  downtime_cost: {per_hour: {flagship: 100, standard: 40}}
calendars:
  - id: mall
    time_zone: Europe/Moscow
    hours: {mon: "10:00-22:00", tue: "10:00-22:00", wed: "10:00-22:00", thu: "10:00-22:00",
            fri: "10:00-22:00", sat: "10:00-22:00", sun: "10:00-22:00"}
items:
  - id: it.pos-down
    title: Cash register is down
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 4, calendar: store, fallback: default}
    downtime_cost: {currency: RUB, per_hour: {flagship: 1000, standard: 300}}
  - id: it.receipt-printer
    title: Receipt printer
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 8, calendar: 24x7}
  - id: it.password-reset
    title: Password reset
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 8}
stores:
  - {id: store-001, name: Flagship One, tier: flagship, time_zone: Europe/Moscow, calendar: 24x7}
  - {id: store-007, name: Kazan, tier: standard, time_zone: Europe/Moscow, calendar: mall}
  - {id: store-009, name: Express Nine, tier: express, time_zone: Europe/Moscow}
"""


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> ItemDirectory:
    """The report directory of a catalog directory with the catalog and stores above."""
    folder = tmp_path_factory.mktemp("downtime-catalog")
    (folder / "it.yaml").write_text(CATALOG, "utf-8")
    plugins = Plugins(make_plugin_manager(load_entrypoints=False, catalog_dirs=[folder]))
    return ItemDirectory.from_plugins(plugins)


def _detail(session: Session, directory: ItemDirectory, now: datetime = NOW,
            **filters: Any) -> list[dict[str, Any]]:
    table = run_report("downtime-detail", session, ReportFilter(**filters),
                       directory=directory, now=now)
    return table.records()


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["store"], row["item"], row["tickets"], row["hours"], row["rate"], row["cost"])


def test_each_tier_costs_the_item_s_own_rate_or_else_the_department_s(
        session: Session, make_ticket: MakeTicket, directory: ItemDirectory) -> None:
    make_ticket(store="store-001", created=NOW - 3 * H, closed=NOW)  # 24x7 flagship: 3 h
    # store-007 trades 10:00-22:00: Sunday 20:00 to Monday 11:00 local is 2 + 1 hours
    sunday_8pm = datetime(2026, 11, 22, 20, 0, tzinfo=UTC) - MSK
    make_ticket(store="store-007", customer_id="store-007", created=sunday_8pm,
                closed=sunday_8pm + 15 * H)
    # the receipt printer states no cost: its department's, for each tier; from 09:30 local,
    # before the store opens at 10:00, to 12:00: 2 hours count
    make_ticket(store="store-007", customer_id="store-007", category="it.receipt-printer",
                created=NOW - 2.5 * H, closed=NOW)
    make_ticket(store="store-001", category="it.receipt-printer", created=NOW - H,
                closed=NOW)
    make_ticket(category="it.password-reset", created=NOW - H, closed=NOW)  # its dept's too
    rows = _detail(session, directory)
    assert sorted(_key(r) for r in rows) == [
        ("store-001", "it.password-reset", 1, 1.0, Decimal(100), Decimal("100.00")),
        ("store-001", "it.pos-down", 1, 3.0, Decimal(1000), Decimal("3000.00")),
        ("store-001", "it.receipt-printer", 1, 1.0, Decimal(100), Decimal("100.00")),
        ("store-007", "it.pos-down", 1, 3.0, Decimal(300), Decimal("900.00")),
        ("store-007", "it.receipt-printer", 1, 2.0, Decimal(40), Decimal("80.00")),
    ]
    assert rows[0]["cost"] == Decimal("3000.00")  # the dearest first
    assert {r["tier"] for r in rows} == {"flagship", "standard"}
    assert {r["store_name"] for r in rows} == {"Flagship One", "Kazan"}
    assert {r["currency"] for r in rows} == {"RUB"}


def test_an_open_outage_counts_up_to_the_report_s_now(
        session: Session, make_ticket: MakeTicket, directory: ItemDirectory) -> None:
    make_ticket(store="store-001", created=NOW - 2 * H)  # open
    assert [r["cost"] for r in _detail(session, directory)] == [Decimal("2000.00")]
    later = _detail(session, directory, now=NOW + 90 * timedelta(minutes=1))
    assert [(r["hours"], r["cost"]) for r in later] == [(3.5, Decimal("3500.00"))]
    earlier = _detail(session, directory, now=NOW - 3 * H)  # it did not exist yet
    assert earlier == []
    # closed, but the cache never learnt when: it ended at its last change at the latest
    make_ticket(store="store-001", category="it.receipt-printer", created=NOW - 5 * H,
                changed=NOW - 4 * H, state="closed successful", state_type="closed")
    printer = [r for r in _detail(session, directory) if r["item"] == "it.receipt-printer"]
    assert [(r["hours"], r["cost"]) for r in printer] == [(1.0, Decimal("100.00"))]


def test_hours_without_a_cost_are_counted_but_not_priced(
        session: Session, make_ticket: MakeTicket, directory: ItemDirectory) -> None:
    monday_9am = datetime(2026, 11, 16, 9, 0, tzinfo=UTC) - MSK
    # store-009 is of a tier the item names no cost for, and has no trading hours: the
    # item's fallback hours (the default calendar, 08:00-18:00 on weekdays) count
    make_ticket(store="store-009", customer_id="store-009", created=monday_9am,
                closed=monday_9am + 24 * H)
    make_ticket(store=None, customer_id=None, created=monday_9am, closed=monday_9am + H)
    # a company the directory does not know has the default tier, and the item's hours
    make_ticket(store=None, customer_id="head-office", created=monday_9am,
                closed=monday_9am + 2 * H)
    rows = {r["store"]: r for r in _detail(session, directory)}
    assert (rows["store-009"]["hours"], rows["store-009"]["cost"]) == (10.0, None)
    assert (rows[""]["hours"], rows[""]["tier"], rows[""]["cost"]) == (1.0, "", None)
    assert (rows["head-office"]["tier"], rows["head-office"]["cost"]) == (
        "standard", Decimal("600.00"))
    month = run_report("downtime", session, directory=directory, now=NOW).records()
    assert month == [{"month": "2026-11", "currency": "RUB", "tickets": 3, "hours": 13.0,
                      "unpriced_hours": 11.0, "cost": Decimal("600.00"),
                      "penalties": Decimal(0), "uncovered": Decimal("600.00")}]


def test_each_month_sets_its_cost_beside_its_contract_penalties(
        session: Session, make_ticket: MakeTicket, directory: ItemDirectory) -> None:
    october = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)
    # 5 hours down at the flagship, its 2-hour deadline missed by 3 started hours
    make_ticket(store="store-001", created=october, closed=october + 5 * H,
                promised_deadline=october + 2 * H)
    make_ticket(store="store-001", created=NOW - H, closed=NOW)  # November, on time
    make_ticket(store="store-001", category="it.password-reset", created=NOW - H,
                closed=NOW, state_type="merged")  # merged: lives on in another ticket
    rule = PenaltyRule(id="pos", categories=["it.pos-down"], kind="per_hour",
                       amount_per_hour=Decimal(250), currency="RUB")
    settings = ReportSettings(penalties=[rule])
    table = run_report("downtime", session, settings=settings, directory=directory, now=NOW)
    assert [(r["month"], r["tickets"], r["cost"], r["penalties"], r["uncovered"])
            for r in table.records()] == [
        ("2026-10", 1, Decimal("5000.00"), Decimal("750.00"), Decimal("4250.00")),
        ("2026-11", 1, Decimal("1000.00"), Decimal(0), Decimal("1000.00")),
    ]
    assert table.chart is not None and table.chart.series == ("cost", "penalties")
    only_november = run_report("downtime", session, ReportFilter(
        start=datetime(2026, 11, 1, tzinfo=UTC) - MSK), settings=settings,
        directory=directory, now=NOW)
    assert only_november.values("month") == ["2026-11"]


# -- the pages and exports ------------------------------------------------------------------

MANAGER = Customer("store-manager", "store-007", "Mark Manager")


class _Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the report pages must not call {name}")


@pytest.fixture
def app(engine: Engine, session: Session, make_ticket: MakeTicket,
        directory: ItemDirectory) -> Flask:
    """The portal with two stores' outages in the cache."""
    make_ticket(store="store-001", created=NOW - 4 * H, closed=NOW)  # 4 000.00
    make_ticket(store="store-007", customer_id="store-007", created=NOW - 2 * H,
                closed=NOW)  # 600.00
    session.commit()
    settings = ReportSettings(managers={"store-007": ["store-manager"]}, agents=["it-agent"])
    return reports_app(engine, settings, directory)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    """A test client without a login."""
    with app.test_client() as c:
        yield c


def _as_agent(client: FlaskClient) -> None:
    response = client.post("/reports/login", data={"login": "it-agent", "password": "demo",
                                                   "next": "/reports/"})
    assert response.status_code == 302


def _csv(client: FlaskClient, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_store_manager_sees_only_their_store_s_downtime(app: Flask,
                                                           client: FlaskClient) -> None:
    key = app.extensions["radiant_portal"]["sessions"].create("gi-session", MANAGER).key
    with client.session_transaction() as s:
        s["sid"] = key
    html = client.get("/reports/downtime-detail?store=store-001").get_data(as_text=True)
    table = html[html.index("<table"):html.index("</table>")]
    assert "Kazan" in table and "Flagship One" not in table
    rows = _csv(client, "/reports/downtime-detail/export.csv")
    assert [(r[1], r[9]) for r in rows[1:]] == [("store-007", "600.00")]
    month = json.loads(client.get("/reports/downtime/export.json").data)
    assert [(r["month"], r["cost"]) for r in month["rows"]] == [("2026-11", "600.00")]


def test_the_pages_show_the_figures_in_english_and_russian(client: FlaskClient) -> None:
    _as_agent(client)
    html = client.get("/reports/downtime").get_data(as_text=True)
    assert "Downtime cost" in html and "Not covered by penalties" in html
    assert "4,600.00" in html  # the month's cost of both stores
    detail = client.get("/reports/downtime-detail").get_data(as_text=True)
    assert "4,000.00" in detail and "600.00" in detail and "Outage hours" in detail
    client.post("/language", data={"lang": "ru", "next": "/reports/"})
    html = client.get("/reports/downtime").get_data(as_text=True)
    assert "Стоимость простоя" in html and "Не покрыто штрафами" in html
    assert "Not covered by penalties" not in html
    assert re.search(r"нояб\. 2026.*4\s600,00\s₽", html, re.S)  # Russian month and money
    assert "Часы простоя считаются от создания заявки" in html  # the notes too
    detail = client.get("/reports/downtime-detail").get_data(as_text=True)
    assert "Часы простоя" in detail and "Стоимость часа" in detail
    assert "Outage hours" not in detail
    assert re.search(r"1\s000,00\s₽.*4\s000,00\s₽", detail, re.S)


def test_the_exports_carry_every_column(client: FlaskClient) -> None:
    _as_agent(client)
    rows = _csv(client, "/reports/downtime-detail/export.csv?store=store-001")
    assert rows[0] == ["Month", "Store id", "Store", "Store tier", "Catalog item id",
                       "Catalog item", "Tickets", "Outage hours", "Cost per hour",
                       "Downtime cost", "Currency"]
    assert rows[1] == ["2026-11", "store-001", "Flagship One", "flagship", "it.pos-down",
                       "Cash register is down", "1", "4.0", "1000", "4000.00", "RUB"]
    month = _csv(client, "/reports/downtime/export.csv")
    assert month[0] == ["Month", "Currency", "Tickets", "Outage hours", "Hours without a cost",
                        "Downtime cost", "Contract penalties", "Not covered by penalties"]
    assert month[1] == ["2026-11", "RUB", "2", "6.0", "0.0", "4600.00", "0", "4600.00"]
    xlsx = client.get("/reports/downtime/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_catalog_files_shipped_state_costs_the_demo_tiers_know() -> None:
    from radiant_ext.plugins.checks import check_plugins
    from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

    report = check_plugins(make_plugin_manager(catalog_dirs=[DEMO_CATALOG_DIR]))
    assert not [p for p in report.problems if "downtime_cost" in p]
    costs = {i.id: i.downtime_cost for i in report.items if i.downtime_cost}
    pos, printer = costs["it.pos-down"], costs["it.office-printer"]
    assert pos is not None and printer is not None
    assert pos.per_hour["flagship"] > pos.per_hour["standard"] > printer.per_hour["standard"]


def test_outage_hours_equal_the_calendar_s_own_business_time_in_any_order() -> None:
    import random

    from radiant_ext.plugins.calendar import DEFAULT_CALENDAR, CalendarSpec
    from radiant_ext.reports.outage import _HourCounter

    # a zone with daylight saving, split days and Russia's holidays and moved working days
    spec = CalendarSpec.model_validate({
        "id": "split", "time_zone": "Europe/Berlin", "public_holidays": {"country": "RU"},
        "hours": {"mon": ["08:00-12:00", "13:00-24:00"], "sat": "10:00-14:00"}})
    rng = random.Random(7)
    for calendar in (spec.build(), DEFAULT_CALENDAR.build("Asia/Omsk")):
        counter = _HourCounter(calendar)
        for _ in range(150):
            start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(10**6))
            end = start + timedelta(minutes=rng.randrange(-600, 60 * 24 * 20))
            expected = calendar.between(start, end).total_seconds() / 3600
            assert counter.hours(start, end) == pytest.approx(expected, abs=1e-6), (start, end)


def test_the_page_lists_the_dearest_rows_and_the_export_every_one(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import radiant_ext.reports.downtime as downtime

    monkeypatch.setattr(downtime, "PAGE_ROWS", 1)
    _as_agent(client)
    html = client.get("/reports/downtime-detail").get_data(as_text=True)
    table = html[html.index("<table"):html.index("</table>")]
    assert "Flagship One" in table and "Kazan" not in table  # 4,000.00 before 600.00
    assert "Shows the 1 dearest store and item months; 1 more are left out." in html
    rows = _csv(client, "/reports/downtime-detail/export.csv")
    assert [(r[1], r[9]) for r in rows[1:]] == [("store-001", "4000.00"),
                                                 ("store-007", "600.00")]
    client.post("/language", data={"lang": "ru", "next": "/reports/"})
    russian = client.get("/reports/downtime-detail").get_data(as_text=True)
    assert "ещё не показано: 1" in russian
