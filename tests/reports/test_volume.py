"""Tickets per period, weekday × hour, item, department, store and recurring problems."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from radiant_ext.reports import ReportFilter, ReportInputError, UnknownReportError, run_report
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket


def _run(session: Session, name: str, **filters: object) -> object:
    return run_report(name, session, ReportFilter(**filters),  # type: ignore[arg-type]
                      directory=DIRECTORY, now=NOW)


def test_sunday_night_utc_counts_as_monday_in_moscow(session: Session,
                                                     make_ticket: MakeTicket) -> None:
    make_ticket(created=datetime(2026, 11, 15, 22, 30, tzinfo=UTC))  # Mon 01:30 in Moscow
    make_ticket(created=datetime(2026, 11, 15, 20, 30, tzinfo=UTC))  # Sun 23:30 in Moscow
    table = run_report("weekday-hour", session, directory=DIRECTORY, now=NOW)
    monday = table.lookup("weekday", "Monday")
    sunday = table.lookup("weekday", "Sunday")
    assert monday is not None and sunday is not None
    assert (monday["h01"], monday["total"]) == (1, 1)
    assert (sunday["h23"], sunday["total"]) == (1, 1)


def test_tickets_per_day_week_and_month_include_empty_periods(
        session: Session, make_ticket: MakeTicket) -> None:
    for day, count in ((2, 3), (4, 1), (16, 2)):
        for _ in range(count):
            make_ticket(created=datetime(2026, 11, day, 9, tzinfo=UTC))
    span = ReportFilter.for_dates(date(2026, 11, 1), date(2026, 11, 30),
                                  DIRECTORY_ZONE, period="day")
    days = run_report("volume", session, span, directory=DIRECTORY, now=NOW)
    assert len(days.rows) == 23  # 1 … 23 November: no future days
    assert days.lookup("period", "2026-11-03") == {"period": "2026-11-03",
                                                  "starts": "2026-11-03", "tickets": 0}
    assert sum(days.values("tickets")) == 6
    weeks = run_report("volume", session, ReportFilter(period="week"), directory=DIRECTORY,
                       now=NOW)
    assert weeks.records() == [
        {"period": "2026-W45", "starts": "2026-11-02", "tickets": 4},
        {"period": "2026-W46", "starts": "2026-11-09", "tickets": 0},
        {"period": "2026-W47", "starts": "2026-11-16", "tickets": 2},
    ]
    months = run_report("volume", session, ReportFilter(period="month"), directory=DIRECTORY,
                        now=NOW)
    assert months.records() == [{"period": "2026-11", "starts": "2026-11-01", "tickets": 6}]


DIRECTORY_ZONE = __import__("zoneinfo").ZoneInfo("Europe/Moscow")


def test_items_and_departments_count_open_tickets_and_shares(
        session: Session, make_ticket: MakeTicket) -> None:
    for _ in range(3):
        make_ticket(category="it.pos-down")
    make_ticket(category="it.receipt-printer", closed=NOW)
    make_ticket(category="maintenance.hvac", queue="Maintenance")
    make_ticket(category="legal.contract-review", queue="Legal")  # not in the catalog
    items = _run(session, "items")
    assert items.lookup("item", "it.pos-down") == {  # type: ignore[attr-defined]
        "item": "it.pos-down", "title": "Cash register is down", "department": "it",
        "department_title": "IT",
        "tickets": 3, "open": 3, "share": 50.0}
    departments = _run(session, "departments")
    assert departments.records()[0] == {  # type: ignore[attr-defined]
        "department": "it", "title": "IT", "tickets": 4, "open": 3, "share": 66.7}
    legal = departments.lookup("department", "legal")  # type: ignore[attr-defined]
    assert legal is not None and legal["tickets"] == 1


def test_store_is_the_store_field_else_the_customer_company(
        session: Session, make_ticket: MakeTicket) -> None:
    make_ticket(store="store-007", customer_id="store-007")
    make_ticket(store=None, customer_id="store-007")
    make_ticket(store="store-001", customer_id="head-office")
    stores = _run(session, "stores")
    assert {r["store"]: r["tickets"] for r in stores.records()} == {  # type: ignore[attr-defined]
        "store-007": 2, "store-001": 1}
    assert stores.lookup("store", "store-007")["name"] == "Store 007 Kazan"  # type: ignore[attr-defined,index]
    only = _run(session, "stores", store="store-007")
    assert only.values("tickets") == [2]  # type: ignore[attr-defined]


def test_filters_by_period_department_and_company(session: Session,
                                                  make_ticket: MakeTicket) -> None:
    make_ticket(created=NOW - timedelta(days=40))
    make_ticket(created=NOW - timedelta(days=2))
    make_ticket(created=NOW - timedelta(days=2), category="maintenance.hvac")
    make_ticket(created=NOW - timedelta(days=1), customer_id="store-007", store="store-007")
    recent = _run(session, "items", start=NOW - timedelta(days=7), end=NOW)
    assert sum(recent.values("tickets")) == 3  # type: ignore[attr-defined]
    maint = _run(session, "items", department="maintenance")
    assert maint.values("item") == ["maintenance.hvac"]  # type: ignore[attr-defined]
    company = _run(session, "stores", company="store-007")
    assert company.records() == [{  # type: ignore[attr-defined]
        "store": "store-007", "name": "Store 007 Kazan", "tickets": 1, "open": 1,
        "share": 100.0}]


def test_recurring_printer_at_one_store_tops_the_list(session: Session,
                                                      make_ticket: MakeTicket) -> None:
    stores = [f"store-{n:03d}" for n in range(1, 11)]
    for store in stores:
        for item in ("it.pos-down", "maintenance.hvac", "hr.vacation-request"):
            make_ticket(store=store, customer_id=store, category=item)
        make_ticket(store=store, customer_id=store, category="it.receipt-printer")
    for week in range(8):  # every week, the same printer at store-004
        make_ticket(store="store-004", customer_id="store-004", category="it.receipt-printer",
                    created=NOW - timedelta(days=7 * week + 1))
    table = _run(session, "recurring", start=NOW - timedelta(days=70),
                 end=NOW + timedelta(days=1))
    top = table.records()[0]  # type: ignore[attr-defined]
    assert (top["store"], top["item"], top["tickets"]) == ("store-004", "it.receipt-printer", 9)
    assert top["ratio"] == pytest.approx(9 / (12 * 18 / 48), abs=0.01)  # 18 of 48 are printers
    assert top["per_week"] == pytest.approx(0.9, abs=0.01)
    assert len(table.rows) == 1  # type: ignore[attr-defined]


def test_a_recurring_pair_needs_three_tickets_however_far_above_the_average(
        session: Session, make_ticket: MakeTicket) -> None:
    for n in range(1, 21):  # 20 stores, one ticket of each of four items
        for item in ("it.pos-down", "maintenance.hvac", "hr.vacation-request",
                     "it.receipt-printer"):
            make_ticket(store=f"store-{n:03d}", customer_id=f"store-{n:03d}", category=item)
    for store, printers in (("store-021", 3), ("store-022", 2)):  # only printers: 3.4x
        for _ in range(printers):
            make_ticket(store=store, customer_id=store, category="it.receipt-printer")
    table = _run(session, "recurring", start=NOW - timedelta(days=7),
                 end=NOW + timedelta(days=1))
    assert [(r["store"], r["item"], r["tickets"], r["expected"])
            for r in table.records()] == [  # type: ignore[attr-defined]
        ("store-021", "it.receipt-printer", 3, round(3 * 25 / 85, 1))]


def test_unknown_report_and_bad_filters_raise_typed_errors(session: Session) -> None:
    with pytest.raises(UnknownReportError, match="unknown report 'nope'"):
        run_report("nope", session)
    with pytest.raises(ReportInputError, match="after its start"):
        ReportFilter(start=NOW, end=NOW - timedelta(days=1))
    with pytest.raises(ReportInputError, match="aware"):
        ReportFilter(start=datetime(2026, 1, 1))
    with pytest.raises(ReportInputError, match="period"):
        ReportFilter(period="year")  # type: ignore[arg-type]
