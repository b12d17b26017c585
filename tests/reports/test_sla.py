"""SLA compliance (met / missed, median and p90) and the open backlog."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from radiant_ext.reports import ReportFilter, run_report
from radiant_ext.reports._sql import nearest_rank
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket

H = timedelta(hours=1)


def _sla(session: Session, name: str) -> dict[str, dict[str, object]]:
    table = run_report(name, session, ReportFilter(), directory=DIRECTORY, now=NOW)
    return {str(r["key"]): r for r in table.records()}


def test_solution_met_missed_and_still_open_overdue(session: Session,
                                                    make_ticket: MakeTicket) -> None:
    start = NOW - 48 * H
    make_ticket(created=start, promised_deadline=start + 6 * H, closed=start + 5 * H)  # met
    make_ticket(created=start, promised_deadline=start + 6 * H, closed=start + 8 * H)  # missed
    make_ticket(created=start, promised_deadline=start + 6 * H)  # open, overdue: missed
    make_ticket(created=NOW - H, promised_deadline=NOW + 5 * H)  # open, not due: neither
    make_ticket(created=start, solution_deadline=start + 6 * H, closed=start + H)  # Znuny's
    row = _sla(session, "sla-items")["it.pos-down"]
    assert (row["tickets"], row["solution_met"], row["solution_missed"]) == (5, 2, 2)
    assert row["solution_rate"] == 50.0


def test_response_deadlines_and_percentiles_per_owner(session: Session,
                                                      make_ticket: MakeTicket) -> None:
    start = NOW - 48 * H
    for minutes in range(10, 101, 10):  # 10 … 100 minutes to the first answer
        make_ticket(owner="maint-agent", created=start,
                    first_response_deadline=start + timedelta(minutes=45),
                    first_response_at=start + timedelta(minutes=minutes),
                    first_response_minutes=minutes, solution_minutes=minutes * 10,
                    closed=start + timedelta(minutes=minutes * 10))
    make_ticket(owner="maint-agent", created=start,
                first_response_deadline=start + timedelta(minutes=45))  # never answered
    row = _sla(session, "sla-owners")["maint-agent"]
    assert (row["response_met"], row["response_missed"]) == (4, 7)
    assert (row["response_median"], row["response_p90"]) == (50, 90)
    # 100 … 1000 minutes: rounded down to 15-minute steps between 8 hours and a day
    assert (row["solution_median"], row["solution_p90"]) == (495, 900)


def test_sla_per_store_uses_the_customer_company_without_store_field(
        session: Session, make_ticket: MakeTicket) -> None:
    make_ticket(store=None, customer_id="store-007", promised_deadline=NOW - H, closed=NOW)
    row = _sla(session, "sla-stores")["store-007"]
    assert (row["label"], row["solution_missed"], row["solution_rate"]) == (
        "Store 007 Kazan", 1, 0.0)


def test_nearest_rank_on_a_histogram() -> None:
    assert nearest_rank({}, 50) is None
    assert nearest_rank({5: 1}, 90) == 5
    assert nearest_rank({1: 3, 2: 1}, 50) == 1  # ceil(0.5·4) = 2nd value
    assert nearest_rank({1: 3, 2: 1}, 90) == 2


def test_backlog_ages_overdue_and_oldest(session: Session, make_ticket: MakeTicket) -> None:
    for hours in (2, 30, 100, 24 * 10, 24 * 45):
        make_ticket(created=NOW - hours * H, promised_deadline=NOW - H if hours > 50 else None)
    make_ticket(created=NOW - 2 * H, closed=NOW - H)  # closed: not in the backlog
    make_ticket(created=NOW - 2 * H, category="maintenance.hvac", queue="Maintenance")
    table = run_report("backlog", session, directory=DIRECTORY, now=NOW)
    it = table.lookup("department", "it")
    assert it == {"department": "it", "title": "IT", "open": 5, "age_0": 1, "age_1": 1,
                  "age_2": 1, "age_3": 1, "age_4": 1, "overdue": 3, "oldest_days": 45.0}
    assert table.values("department") == ["it", "maintenance"]
