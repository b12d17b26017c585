"""Workflow steps now and time per step: open tickets per item and step, their time in it,
the step's limits in business hours, the filters, both languages and the pages."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from radiant_ext.plugins.calendar import ALWAYS_CALENDAR
from radiant_ext.reports import (
    ItemDirectory,
    ReportFilter,
    ReportInputError,
    ReportSettings,
    run_report,
)
from radiant_ext.reports._sql import naive_utc
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.i18n import localize
from radiant_ext.reports.registry import REPORTS
from radiant_ext.reports.steps import _PastLimits, open_query
from radiant_ext.store import StepEntry
from tests.reports._pages import log_in_agent, plugin_directory, reports_app
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket

H = timedelta(hours=1)
DEFECT = "it.software-defect"
# NOW is Monday 12:00 in Moscow; the item's calendar works 08:00-18:00 Monday to Friday, so
# 3 h, 30 h (Sunday 06:00), 74 h (Friday 10:00) and 120 h (Wednesday 12:00) before NOW are
# 3, 4, 12 and 30 business hours.


def _fill(make_ticket: MakeTicket, session: Session) -> None:
    for hours, store in ((3, "store-001"), (30, "store-007"), (74, "store-001"),
                         (120, "store-001")):
        make_ticket(category=DEFECT, state="in review", state_since=NOW - hours * H,
                    store=store, customer_id=store)
    make_ticket(category=DEFECT, state="in review", state_since=None)  # entry unknown
    make_ticket(category=DEFECT, state="client testing", state_type="pending reminder",
                state_since=NOW - 120 * H, store="store-007", customer_id="store-007")
    make_ticket(category=DEFECT, state="on hold", state_since=NOW - 10 * H)  # not a step
    make_ticket(category=DEFECT, state="closed successful", state_type="closed",
                state_since=NOW - 500 * H, closed=NOW - 500 * H)
    make_ticket(category=DEFECT, state="merged", state_type="merged",
                state_since=NOW - 500 * H)
    make_ticket(category="it.pos-down", state="open", state_since=NOW - 2 * H)
    make_ticket(category="maintenance.hvac", state="new", state_type="new",
                state_since=NOW - 6 * H, store="store-007", customer_id="store-007",
                created=NOW - 400 * 24 * H)  # created long before any period: still counts
    session.commit()


def _run(session: Session, name: str, directory: ItemDirectory | None = None,
         **filters: Any) -> Any:
    return run_report(name, session, ReportFilter(**filters),
                      directory=directory or plugin_directory(), now=NOW)


def _row(table: Any, item: str, state: str) -> dict[str, Any]:
    found = [r for r in table.records() if r["item"] == item and r["state"] == state]
    assert len(found) == 1, table.records()
    return found[0]


def test_steps_now_counts_waiting_ages_and_limits_in_business_hours(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket, session)
    table = _run(session, "steps-now")
    review = _row(table, DEFECT, "in review")
    assert review == {
        "department": "it", "department_title": review["department_title"], "item": DEFECT,
        "item_title": review["item_title"], "state": "in review", "step": "In review",
        "tickets": 5, "waiting_customer": 0, "waiting_desk": 5, "oldest_hours": 120.0,
        "median_hours": 52.0, "past_remind": 2, "past_escalate": 1}
    testing = _row(table, DEFECT, "client testing")
    assert (testing["step"], testing["tickets"], testing["waiting_customer"],
            testing["waiting_desk"], testing["past_remind"], testing["past_escalate"]) == (
        "Waiting for your test", 1, 1, 0, 1, 1)
    default = _row(table, "it.pos-down", "open")  # an item without a workflow of its own
    assert (default["step"], default["tickets"], default["past_remind"]) == (
        "In progress", 1, None)
    assert {r["state"] for r in table.records()} == {
        "in review", "client testing", "on hold", "open", "new"}  # closed, merged left out
    assert sum(table.values("tickets")) == 9
    defect_states = [r["state"] for r in table.records() if r["item"] == DEFECT]
    assert defect_states == ["in review", "client testing", "on hold"]  # workflow order


def test_a_state_outside_the_workflow_counts_under_its_name(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket, session)
    row = _row(_run(session, "steps-now"), DEFECT, "on hold")
    assert (row["step"], row["tickets"], row["oldest_hours"], row["waiting_customer"],
            row["waiting_desk"], row["past_remind"], row["past_escalate"]) == (
        "on hold", 1, 10.0, None, None, None, None)
    times = _run(session, "time-per-step")
    outside = _row(times, DEFECT, "on hold")
    assert (outside["step"], outside["now_median_hours"], outside["left"]) == (
        "on hold", 10.0, 0)
    assert any("under the state's name" in str(n) for n in times.notes)
    only_steps = _run(session, "steps-now", item="it.pos-down")
    assert not any("under the state's name" in str(n) for n in only_steps.notes)


def test_without_the_catalogs_the_limits_count_wall_hours_and_say_so(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket, session)
    bare = replace(DIRECTORY, workflows=plugin_directory().workflows)
    table = _run(session, "steps-now", bare)
    review = _row(table, DEFECT, "in review")
    assert (review["past_remind"], review["past_escalate"]) == (3, 3)  # 30, 74, 120 h ≥ 16
    assert any("wall-clock hours, not business hours" in str(n) for n in table.notes)
    _log(make_ticket, session)
    times = _run(session, "time-per-step", bare)
    review = _row(times, DEFECT, "in review")
    assert (review["median_hours"], review["median_business_hours"]) == (48.0, None)
    assert any("no business hours are shown" in str(n) for n in times.notes)


def test_department_and_store_filters(session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket, session)
    maintenance = _run(session, "steps-now", department="maintenance")
    assert [(r["item"], r["state"], r["tickets"]) for r in maintenance.records()] == [
        ("maintenance.hvac", "new", 1)]
    store = _run(session, "steps-now", store="store-007")
    assert {(r["item"], r["state"]): r["tickets"] for r in store.records()} == {
        (DEFECT, "in review"): 1, (DEFECT, "client testing"): 1, ("maintenance.hvac", "new"): 1}
    assert _row(store, DEFECT, "in review")["oldest_hours"] == 30.0
    scoped = _run(session, "time-per-step", department="it", store="store-001")
    assert {r["item"] for r in scoped.records()} == {DEFECT, "it.pos-down"}
    assert _row(scoped, DEFECT, "in review")["tickets"] == 4


def test_item_filter_is_taken_by_the_step_reports_only(session: Session,
                                                       make_ticket: MakeTicket) -> None:
    _fill(make_ticket, session)
    table = _run(session, "steps-now", item="it.pos-down")
    assert [(r["item"], r["state"], r["tickets"]) for r in table.records()] == [
        ("it.pos-down", "open", 1)]
    assert {r["item"] for r in _run(session, "time-per-step", item=DEFECT).records()} == {
        DEFECT}
    with pytest.raises(ReportInputError, match="takes no item filter; these do: steps-now"):
        _run(session, "backlog", item=DEFECT)


def _stay(session: Session, ticket: Any, state: str, entered: Any, left: Any = None,
          went: str | None = None) -> None:
    session.add(StepEntry(ticket_id=ticket.ticket_id, item=ticket.category, state=state,
                          entered_at=entered, left_at=left, next_state=went))


def _log(make_ticket: MakeTicket, session: Session) -> None:
    """Stays in the step log: a defect closed through new → in review → in testing, one in
    review now after 4 h as new, and one whose stay ended long before the period."""
    closed = make_ticket(category=DEFECT, state="closed successful", state_type="closed",
                         state_since=NOW - H, closed=NOW - H)
    _stay(session, closed, "new", NOW - 52 * H, NOW - 50 * H, "in review")
    # Saturday 10:00 → Monday 10:00 in Moscow: 48 wall-clock hours, 2 business hours
    _stay(session, closed, "in review", NOW - 50 * H, NOW - 2 * H, "in testing")
    _stay(session, closed, "in testing", NOW - 2 * H, NOW - H, "closed successful")
    moving = make_ticket(category=DEFECT, state="in review", state_since=NOW - 3 * H,
                         store="store-007", customer_id="store-007")
    _stay(session, moving, "new", NOW - 7 * H, NOW - 3 * H, "in review")
    _stay(session, moving, "in review", NOW - 3 * H)
    old = make_ticket(category=DEFECT, state="closed successful", state_type="closed",
                      state_since=NOW - 900 * H, closed=NOW - 900 * H)
    _stay(session, old, "new", NOW - 1000 * H, NOW - 900 * H, "closed successful")
    session.commit()


def test_time_per_step_counts_the_stays_left_in_the_period_and_the_tickets_now(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket, session)
    _log(make_ticket, session)
    table = _run(session, "time-per-step", start=NOW - 30 * 24 * H, end=NOW)
    new = _row(table, DEFECT, "new")
    assert (new["left"], new["median_hours"], new["p90_hours"], new["longest_hours"],
            new["tickets"], new["now_median_hours"]) == (2, 3.0, 4.0, 4.0, 0, None)
    review = _row(table, DEFECT, "in review")
    assert (review["left"], review["median_hours"], review["median_business_hours"],
            review["tickets"], review["now_median_hours"]) == (1, 48.0, 2.0, 6, 30.0)
    progress = _row(table, DEFECT, "in testing")  # a step only a closed ticket passed
    assert (progress["step"], progress["left"], progress["median_hours"],
            progress["tickets"]) == ("In testing", 1, 1.0, 0)
    everything = _row(_run(session, "time-per-step"), DEFECT, "new")
    assert (everything["left"], everything["longest_hours"]) == (3, 100.0)  # no period: all
    store = _run(session, "time-per-step", store="store-007", start=NOW - 30 * 24 * H)
    assert (_row(store, DEFECT, "new")["left"], _row(store, DEFECT, "in review")["left"]) == (
        1, 0)
    assert _run(session, "time-per-step", department="maintenance", start=NOW - 30 * 24 * H
                ).values("left") == [0]  # maintenance.hvac: a ticket now, nothing left


def test_time_per_step_leaves_business_hours_of_too_many_stays_and_says_why(
        session: Session, make_ticket: MakeTicket, monkeypatch: pytest.MonkeyPatch) -> None:
    _log(make_ticket, session)
    monkeypatch.setattr("radiant_ext.reports.steps.BUSINESS_ROWS", 3)
    table = _run(session, "time-per-step")
    assert _row(table, DEFECT, "in review")["median_business_hours"] is None
    assert any("More than 3 stays ended in the period" in str(n) for n in table.notes)


def test_titles_labels_and_steps_in_english_and_russian(
        session: Session, make_ticket: MakeTicket) -> None:
    _fill(make_ticket, session)
    assert (REPORTS["steps-now"].title, REPORTS["time-per-step"].title) == (
        "Workflow steps now", "Time per workflow step")
    ru = run_report("steps-now", session, directory=plugin_directory().localized("ru"),
                    now=NOW)
    table = localize(ru, "ru")
    assert table.title == "Открытые заявки по шагам процесса"
    assert table.columns[table.column("past_remind")].label == "После напоминания"
    assert _row(table, DEFECT, "in review")["step"] == "На рассмотрении"
    assert _row(table, DEFECT, "on hold")["step"] == "on hold"
    times = localize(run_report("time-per-step", session, now=NOW,
                                directory=plugin_directory().localized("ru")), "ru")
    assert times.title == "Время на шагах процесса"


@pytest.mark.parametrize("zone", ["Europe/Moscow", "Europe/Berlin"])  # Berlin: 25 Oct DST
@pytest.mark.parametrize("spec", ["item", "24x7"])
def test_past_a_limit_is_what_the_deadline_watch_counts(zone: str, spec: str) -> None:
    item = plugin_directory().source.item(DEFECT, include_disabled=True)
    calendar = (item.deadline.calendar if spec == "item" else ALWAYS_CALENDAR).build(zone)
    limits = _PastLimits(NOW)
    for limit in (4.0, 16.0, 40.0):
        for n in range(0, 24 * 60 * 60, 7 * 60 + 13):  # 7 h 13 min steps over 60 days
            since = NOW - n * timedelta(minutes=1)
            watch = NOW >= calendar.add(since, timedelta(hours=limit))
            assert limits.past(calendar, limit, naive_utc(since)) is watch, (limit, since)
        edge = calendar.latest_start(NOW, timedelta(hours=limit))  # exactly at the limit
        for since, watch in ((edge, True), (edge + timedelta(microseconds=1), False)):
            assert (NOW >= calendar.add(since, timedelta(hours=limit))) is watch
            assert limits.past(calendar, limit, naive_utc(since)) is watch
    assert not limits.past(calendar, None, naive_utc(NOW - 1000 * H))
    assert limits.past(None, 16.0, naive_utc(NOW - 16 * H))
    assert not limits.past(None, 16.0, naive_utc(NOW - 15 * H))


def test_only_open_tickets_are_read_by_the_state_type_index(engine: Engine,
                                                            session: Session) -> None:
    ctx = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY, NOW)
    stmt = open_query(ctx).compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {stmt}")))
        else:  # no statistics on an empty table: forbid the scan to see the index is usable
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {stmt}")))
    assert "ix_ticket_cache_state_type" in plan, plan


@pytest.mark.parametrize("name", ["steps-now", "time-per-step"])
def test_pages_and_csv_in_russian(engine: Engine, session: Session, make_ticket: MakeTicket,
                                  name: str) -> None:
    _fill(make_ticket, session)
    client: FlaskClient = reports_app(engine, ReportSettings(agents=["it-agent"])
                                      ).test_client()
    log_in_agent(client)
    page = client.get(f"/reports/{name}").get_data(as_text=True)
    assert REPORTS[name].title in page and "In review" in page
    client.post("/language", data={"lang": "ru", "next": "/reports/"})
    page = client.get(f"/reports/{name}").get_data(as_text=True)
    assert "На рассмотрении" in page
    filtered = client.get(f"/reports/{name}?item=it.pos-down").get_data(as_text=True)
    assert "На рассмотрении" not in filtered and 'value="it.pos-down" selected' in filtered
    wrong = client.get(f"/reports/{name}?item=nope")
    assert wrong.status_code == 400
    assert "Выберите пункт каталога из списка." in wrong.get_data(as_text=True)
    export = client.get(f"/reports/{name}/export.csv?dialect=comma")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    count = {"steps-now": "Заявок сейчас", "time-per-step": "Вышли из шага за период"}[name]
    assert rows[0][5:7] == ["Шаг", count]
    shown = {"steps-now": "5", "time-per-step": "0"}[name]
    assert [DEFECT, "in review", "На рассмотрении", shown] in [r[2:3] + r[4:7] for r in rows]
