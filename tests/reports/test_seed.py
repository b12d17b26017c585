"""The reports show the patterns the sandbox's ticket generator put in.

The cache is built the way production builds it: the generator writes historical tickets into
the retail sandbox, the sync job pulls them over the GenericInterface into the store, and the
reports read the store. The generator's own summary holds the counts to compare against.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from radiant_ext.client import ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.reports import ReportFilter, ReportTable, run_report
from radiant_ext.store import TicketCache, make_engine, upgrade_database
from radiant_ext.sync import JobContext
from radiant_ext.sync.tickets import full_resync
from radiant_ext_sandbox import create_app, generate_tickets, serve_in_thread

pytestmark = pytest.mark.slow
TICKETS = 1200


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, dict[str, Any]]]:
    """A store whose ticket cache was pulled from a sandbox with generated history."""
    root = tmp_path_factory.mktemp("seeded")
    summary = generate_tickets(root / "sandbox", TICKETS, seed=42)
    server = serve_in_thread(create_app(root / "sandbox"))
    settings = Settings(data_dir=root, znuny_url=server.url, znuny_user="radiant",
                        znuny_password="radiant-demo")  # type: ignore[arg-type]
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    ctx = JobContext(settings=settings, engine=engine,
                     client_factory=lambda: ZnunyClient.from_settings(settings))
    try:
        assert full_resync(ctx)["pulled"] == TICKETS
    finally:
        ctx.close()
        server.stop()
    with Session(engine) as session:
        yield session, summary
    engine.dispose()


def _report(seeded: tuple[Session, dict[str, Any]], name: str) -> ReportTable:
    return run_report(name, seeded[0], ReportFilter())


def test_item_and_store_counts_equal_the_generators(
        seeded: tuple[Session, dict[str, Any]]) -> None:
    summary = seeded[1]
    items = _report(seeded, "items")
    assert dict(zip(items.values("item"), items.values("tickets"), strict=True)) == summary[
        "category"]
    stores = _report(seeded, "stores")
    assert dict(zip(stores.values("store"), stores.values("tickets"), strict=True)) == summary[
        "store"]


def test_mondays_bring_about_twice_the_requests_of_thursdays(
        seeded: tuple[Session, dict[str, Any]]) -> None:
    summary = seeded[1]
    grid = _report(seeded, "weekday-hour")
    per_day = dict(zip(grid.values("weekday"), grid.values("total"), strict=True))
    assert per_day == summary["weekday"]
    assert 1.6 <= per_day["Monday"] / per_day["Thursday"] <= 2.5
    per_hour = {c.key[1:]: sum(grid.values(c.key)) for c in grid.columns[1:-1]}
    assert {h: n for h, n in per_hour.items() if n} == summary["hour"]


def test_the_recurring_printer_store_tops_the_recurring_problems(
        seeded: tuple[Session, dict[str, Any]]) -> None:
    summary = seeded[1]
    top = _report(seeded, "recurring").records()[0]
    assert (top["store"], top["item"]) == (summary["printer_store"], "it.receipt-printer")
    assert top["tickets"] >= summary["printer_failures_at_store"]
    assert top["ratio"] > 2


def test_solution_deadlines_met_equal_the_generators(
        seeded: tuple[Session, dict[str, Any]]) -> None:
    summary = seeded[1]
    sla = _report(seeded, "sla-items")
    assert sum(sla.values("solution_met")) == summary["sla"]["met"]
    # the generator counts closed tickets; open ones past their deadline are missed too
    assert sum(sla.values("solution_missed")) >= summary["sla"]["missed"]


def test_response_deadlines_of_tickets_answered_before_the_pull_are_judged(
        seeded: tuple[Session, dict[str, Any]]) -> None:
    sla = _report(seeded, "sla-items")
    met, missed = sum(sla.values("response_met")), sum(sla.values("response_missed"))
    # every answered ticket with an SLA is judged, though it was answered long before the
    # pull (Znuny had cleared its deadline); unanswered ones count once overdue
    answered = seeded[0].scalar(select(func.count()).select_from(TicketCache).where(
        TicketCache.sla.is_not(None), TicketCache.first_response_at.is_not(None)))
    with_sla = seeded[0].scalar(select(func.count()).select_from(TicketCache).where(
        TicketCache.sla.is_not(None)))
    assert answered and answered <= met + missed <= with_sla
    assert met > 0 and missed > 0


def test_a_manager_sees_only_their_store(seeded: tuple[Session, dict[str, Any]]) -> None:
    summary = seeded[1]
    scoped = run_report("items", seeded[0], ReportFilter(company="store-012"))
    assert sum(scoped.values("tickets")) == summary["store"]["store-012"]
