"""``recurring`` from the roll-ups: every store × item pair's count over any period equals the
count over the raw cache, after a rebuild and after refreshes that add tickets to old and
to new months, move them between pairs and delete them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, update
from sqlalchemy.orm import Session

from radiant_ext.reports import ReportFilter, ReportSettings
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.registry import REPORTS
from radiant_ext.reports.rollups import rebuild, refresh
from radiant_ext.reports.volume import _pairs
from radiant_ext.store import TicketCache
from tests.reports.conftest import DIRECTORY
from tests.reports.test_rollups import _clear, _insert, _snapshot

ZONE = "Europe/Berlin"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PERIODS = ((date(2026, 2, 10), date(2026, 4, 5)), (date(2026, 3, 1), date(2026, 3, 31)),
           (date(2026, 1, 1), date(2026, 5, 31)), (date(2026, 2, 1), None),
           (None, date(2026, 2, 28)), (date(2026, 3, 15), date(2026, 3, 20)),
           (date(2026, 4, 1), date(2026, 4, 30)), (date(2026, 5, 2), None), (None, None),
           (date(2026, 2, 25), date(2026, 4, 3)), (date(2026, 1, 20), date(2026, 2, 10)))
"""Whole months with partial edges (a few days of a busy month, most of one), one month, no
bound, a few days, months after the data, two partial months."""


def _ticket(day: int, store: str | None, item: str | None, *, customer: str = "shoppers",
            state: str = "closed") -> dict[str, Any]:
    created = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=day)
    return dict(ticket_number="n", title="t", state=state, state_type=state, queue="q",
                category=item, store=store, customer_id=customer, owner="it-agent",
                created=created, closed=created + timedelta(hours=3) if state != "open" else None,
                first_response_at=None, first_response_minutes=None, solution_minutes=None,
                first_response_deadline=None, promised_deadline=None, solution_deadline=None)


ROWS = [_ticket(d, s, i, state="open" if d % 11 == 0 else "closed")
        for d in range(0, 100, 3)
        for s, i in (("store-001", "it.pos-down"), ("store-007", "it.pos-down"),
                     ("store-001", "maintenance.hvac"), (None, "it.receipt-printer"),
                     ("store-001", None))[: 2 + d % 4]]
"""Every third day from 5 January to mid-April, two to five pairs a day, a few still open."""


def assert_pairs_match(engine: Engine) -> None:
    """Every period's pairs and ``recurring`` table equal the raw cache's."""
    settings = ReportSettings(time_zone=ZONE)
    for first, last in PERIODS:
        report_filter = ReportFilter.for_dates(first, last, ZoneInfo(ZONE))
        with Session(engine) as session:
            raw_ctx = ReportContext(session, report_filter, settings, DIRECTORY, NOW)
            raw_ctx._rollups = False
            ctx = ReportContext(session, report_filter, settings, DIRECTORY, NOW)
            assert sorted(_pairs(ctx)) == sorted(_pairs(raw_ctx)), (first, last)
            assert ctx._rollups
            assert (REPORTS["recurring"].compute(ctx).rows
                    == REPORTS["recurring"].compute(raw_ctx).rows), (first, last)


def test_pairs_of_any_period_equal_the_raw_cache_after_a_rebuild(engine: Engine) -> None:
    _clear(engine)
    _insert(engine, ROWS)
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(ZONE), NOW)
    assert_pairs_match(engine)


def test_refreshed_pairs_equal_a_rebuild_after_old_and_new_months_change(
        engine: Engine) -> None:
    _clear(engine)
    _insert(engine, ROWS)
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(ZONE), NOW)
    _insert(engine, [_ticket(-4, "store-042", "it.pos-down"),  # a month before any other
                     _ticket(120, "store-007", "it.pos-down"),  # a month after any other
                     _ticket(121, "store-050", "maintenance.hvac")], first_id=len(ROWS) + 1)
    with engine.begin() as conn:
        conn.execute(update(TicketCache).where(TicketCache.ticket_id.in_((3, 8)))
                     .values(category="hr.x"))
        conn.execute(update(TicketCache).where(TicketCache.ticket_id == 5)
                     .values(store="store-050"))
        conn.execute(update(TicketCache).where(TicketCache.ticket_id == 1)
                     .values(state_type="open", closed=None))
        conn.execute(delete(TicketCache).where(TicketCache.ticket_id.in_((2, 40))))
    with engine.begin() as conn:
        assert refresh(conn, ZoneInfo(ZONE), NOW).tickets
    kept = _snapshot(engine)
    assert_pairs_match(engine)
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(ZONE), NOW)
    assert _snapshot(engine) == kept


def test_a_pair_the_stored_totals_do_not_hold_yet_is_ranked_too(engine: Engine) -> None:
    """A store that files its first tickets after the rebuild: its open tickets (live, not in
    the stored pairs' layout) make it recur, as in the raw cache."""
    _clear(engine)
    _insert(engine, ROWS)
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(ZONE), NOW)
    _insert(engine, [_ticket(d, "store-099", "it.receipt-printer", state="open")
                     for d in (101, 103, 105, 107)], first_id=len(ROWS) + 1)
    with engine.begin() as conn:
        assert refresh(conn, ZoneInfo(ZONE), NOW).tickets
    assert_pairs_match(engine)
    report_filter = ReportFilter.for_dates(date(2026, 4, 1), None, ZoneInfo(ZONE))
    with Session(engine) as session:
        ctx = ReportContext(session, report_filter, ReportSettings(time_zone=ZONE), DIRECTORY,
                            NOW)
        rows = REPORTS["recurring"].compute(ctx).records()
        assert ctx._rollups
    assert ("store-099", "it.receipt-printer", 4) in [
        (r["store"], r["item"], r["tickets"]) for r in rows]
