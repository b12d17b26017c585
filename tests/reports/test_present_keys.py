"""The department and store choices of the report pages from the roll-ups: the keys of the
settled tickets' month cells and of the live tickets, read once per page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from radiant_ext.reports import ReportFilter, ReportSettings
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.rollup_read import present_keys
from radiant_ext.reports.rollups import rebuild
from tests.reports.conftest import DIRECTORY
from tests.reports.test_rollup_pairs import NOW, ZONE, _ticket
from tests.reports.test_rollups import _clear, _insert


def _context(session: Session) -> ReportContext:
    return ReportContext(session, ReportFilter(), ReportSettings(time_zone=ZONE), DIRECTORY,
                         NOW)


def test_choices_hold_settled_and_live_keys_read_once_per_page(engine: Engine) -> None:
    _clear(engine)
    _insert(engine, [_ticket(1, "store-001", "it.pos-down"),
                     _ticket(2, "store-007", "maintenance.hvac"),
                     _ticket(3, None, "it.receipt-printer", customer="head-office")])
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(ZONE), NOW)
    # after the build: a store and an item only a live ticket has (its cells come when it
    # settles), and one without a store (its customer company counts)
    _insert(engine, [_ticket(40, "store-042", "hr.vacation-request", state="open"),
                     _ticket(41, None, "it.pos-down", customer="warehouse", state="open")],
            first_id=10)
    statements: list[str] = []
    with Session(engine) as session:
        event.listen(session.connection(), "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        stores = present_keys(_context(session), "store")
        before = len(statements)
        items = present_keys(_context(session), "item")
        again = len(statements) - before
    assert stores == {"store-001", "store-007", "head-office", "store-042", "warehouse"}
    assert items == {"it.pos-down", "maintenance.hvac", "it.receipt-printer",
                     "hr.vacation-request"}
    assert not any("report_cell" in s or "report_live" in s for s in statements[before:]), (
        again, statements[before:])
    with Session(engine) as session:  # a new page reads them again
        assert present_keys(_context(session), "store") == stores
