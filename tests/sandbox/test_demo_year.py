"""The demo's year reaches the reports: the demo's own settings, its records, its pull."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from radiant_ext.cli.demo_history import keep_portal_records, pull_history, start_year
from radiant_ext.cli.portal import _demo_settings
from radiant_ext.config import Settings
from radiant_ext.reports import ReportFilter, ReportTable, report_settings, run_report
from radiant_ext.reports.context import directory_from_settings
from radiant_ext.store import StepEntry, TicketCache, make_engine, upgrade_database
from radiant_ext.store.step_log import OPEN_STATE_TYPES
from radiant_ext.sync import JobContext
from radiant_ext.sync.deadlines import watch_deadlines
from radiant_ext_sandbox import create_app, generate_tickets, serve_in_thread
from radiant_ext_sandbox.seeds.year import BAD_MODEL
from radiant_ext_sandbox.year import has_tickets, history_of

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
TICKETS = 400


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, Settings]]:
    """The demo's first start without its web server: year, portal records, pull."""
    data = tmp_path_factory.mktemp("demo")
    year = start_year(data / "sandbox", NOW, tickets=TICKETS)
    assert year is not None and len(year) == TICKETS
    assert start_year(data / "sandbox", NOW, tickets=TICKETS) is None  # a restart adds nothing
    server = serve_in_thread(create_app(data / "sandbox", seed="retail"))
    try:
        settings = _demo_settings(data, server.url)
        engine = make_engine(settings.effective_database_url)
        upgrade_database(engine)
        assert keep_portal_records(settings, year) > 0
        assert pull_history(settings)[0] == TICKETS
    finally:
        server.stop()
    with Session(engine) as session:
        yield session, settings
    engine.dispose()


def _report(demo_cache: tuple[Session, Settings], name: str) -> ReportTable:
    session, settings = demo_cache
    return run_report(name, session, ReportFilter(), settings=report_settings(settings),
                      directory=directory_from_settings(settings), now=NOW)


def test_the_demo_contracts_turn_missed_deadlines_into_money(
        demo_cache: tuple[Session, Settings]) -> None:
    table = _report(demo_cache, "penalties")
    totals: dict[str, Decimal] = {}
    for rule, penalty in zip(table.values("rule"), table.values("penalty"), strict=True):
        totals[str(rule)] = totals.get(str(rule), Decimal(0)) + Decimal(str(penalty))
    assert set(totals) == {"pos-service", "maintenance-6h"}
    assert all(total > 0 for total in totals.values()), totals


def test_ratings_form_values_and_stores_reach_the_reports(
        demo_cache: tuple[Session, Settings]) -> None:
    rated = _report(demo_cache, "satisfaction-departments")
    assert sum(int(n) for n in rated.values("rated")) > 0
    assets = _report(demo_cache, "assets")
    assert any(str(a).startswith("POS-") for a in assets.values("asset"))
    stores = _report(demo_cache, "stores")
    assert "Store 001 Moscow Tverskaya" in [str(n) for n in stores.values("name")]
    session, _ = demo_cache
    forms = [row.form_values for row in session.query(TicketCache).filter(
        TicketCache.category == "it.price-tag-printer")]
    assert any(f and f.get("model") == BAD_MODEL for f in forms)


def test_empty_demo_never_gets_a_year_and_tickets_made_before_are_kept(tmp_path: Path) -> None:
    assert start_year(tmp_path / "empty", NOW, 50, history=False) is None
    assert start_year(tmp_path / "empty", NOW, 50) is None  # a later start without --empty
    assert not has_tickets(tmp_path / "empty")
    generate_tickets(tmp_path / "used", 5)  # a sandbox used before the demo had a year
    assert start_year(tmp_path / "used", NOW, 50) is None
    assert history_of(tmp_path / "used") == {"tickets": 0}


def test_the_bad_price_tag_printer_model_tops_the_models_in_the_assets_report(
        demo_cache: tuple[Session, Settings]) -> None:
    assets = _report(demo_cache, "assets")
    models = [(str(asset), int(n)) for asset, field, item, n in zip(
        assets.values("asset"), assets.values("field"), assets.values("item"),
        assets.values("tickets"), strict=True)
        if item == "it.price-tag-printer" and field == "Printer model"]
    assert models and models[0][0] == BAD_MODEL, models
    assert len(models) > 1 and models[0][1] >= 2 * models[1][1], models


def test_the_demo_year_shows_the_time_spent_per_step_and_the_pull_agrees_with_its_log(
        demo_cache: tuple[Session, Settings]) -> None:
    table = _report(demo_cache, "time-per-step")
    waiting = [r for r in table.records() if r["state"] == "new" and r["left"]]
    assert sum(r["left"] for r in waiting) > TICKETS // 2  # answered requests left "new"
    assert all(r["median_hours"] is not None and r["median_hours"] >= 0 for r in waiting)
    session, _ = demo_cache
    open_now = session.query(TicketCache).filter(
        TicketCache.state_type.in_(OPEN_STATE_TYPES), TicketCache.category.is_not(None)).count()
    current = session.query(StepEntry).filter(StepEntry.left_at.is_(None)).count()
    assert current == open_now  # one current stay per open request, none added by the pull


def test_the_defect_waiting_for_its_test_gets_its_reminder_and_escalation_once(
        tmp_path: Path) -> None:
    """The year leaves demo-customer's software defect in client testing for ten days: the
    demo's first deadline watch reminds the requester and escalates to the owner, once."""
    year = start_year(tmp_path / "sandbox", NOW, tickets=40)
    assert year is not None and len(year) == 40
    [waiting] = [t for t in year if t.state == "client testing"]
    assert (waiting.item.id, waiting.user) == ("it.software-defect", "demo-customer")
    app = create_app(tmp_path / "sandbox", seed="retail")
    server = serve_in_thread(app)
    try:
        settings = _demo_settings(tmp_path, server.url)
        engine = make_engine(settings.effective_database_url)
        upgrade_database(engine)
        keep_portal_records(settings, year)
        pull_history(settings)
        ctx = JobContext.from_settings(settings, engine=engine, now=lambda: NOW)
        try:
            first, again = watch_deadlines(ctx), watch_deadlines(ctx)
            ticket = ctx.client.ticket_get(waiting.id, all_articles=True)
        finally:
            ctx.close()
        engine.dispose()
    finally:
        server.stop()
    assert (first["step-remind"], first["step-escalate"]) == (1, 1), first
    assert (again["step-remind"], again["step-escalate"]) == (0, 0), again
    subjects = [(a.subject, a.is_visible_for_customer) for a in ticket.articles]
    assert subjects.count((f"Your request {ticket.ticket_number} is waiting for you",
                           True)) == 1, subjects
    assert [s for s, visible in subjects if s.startswith("Escalated:")] == [
        "Escalated: Waiting for your test for longer than 24 business hours"], subjects
    assert ("Escalated: Waiting for your test for longer than 24 business hours",
            True) not in subjects  # the owner's note: internal
    assert ticket.state == "client testing"
    # its deadline passed while it waited on the requester: the deadline's clock stops then
    assert not [s for s, _ in subjects if s.startswith("Deadline")], subjects
