"""Contract roll-ups: penalties, downtime and downtime-detail read from them equal the same
pages over the raw cache — met and missed deadlines within and beyond grace, tickets open past
their deadline, closed without a close time, month ends, daylight saving, half-hour zones —
the cells kept ticket by ticket equal a rebuild, and changed settings are never read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.reports import ItemDirectory, ReportFilter, ReportSettings
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.contract_read import contract_span
from radiant_ext.reports.contract_rollups import (
    CONTRACT_CELLS,
    CONTRACT_LIVE,
    CONTRIBUTIONS,
    ContractFigures,
    rebuild_contracts,
    refresh_contracts,
)
from radiant_ext.reports.registry import REPORTS
from radiant_ext.store import (
    ContractCell,
    ContractContribution,
    ContractDirty,
    ContractLive,
    ContractRollupState,
    TicketCache,
)
from tests.reports.test_downtime import CATALOG

NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
AS_OF = NOW - timedelta(days=3)
"""Built before NOW: the first page judges the live tickets again (some settle)."""
BASE = datetime(2026, 2, 20, tzinfo=UTC)
"""Tickets from here to after NOW: two month ends, both daylight saving switches."""
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/Moscow")
PAGES = ("penalties", "downtime", "downtime-detail")
SLOW = settings(max_examples=10, deadline=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
"""Every example fills a database: no shrinking, a failure shows its example as is."""

minutes = st.integers(min_value=-60 * 24 * 3, max_value=60 * 24 * 20)


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> ItemDirectory:
    """Items with and without a downtime cost, stores with and without trading hours."""
    folder: Path = tmp_path_factory.mktemp("contract-catalog")
    (folder / "it.yaml").write_text(CATALOG, "utf-8")
    plugins = Plugins(make_plugin_manager(load_entrypoints=False, catalog_dirs=[folder]))
    return ItemDirectory.from_plugins(plugins)


def _at(base: datetime, offset: int | None) -> datetime | None:
    return None if offset is None else base + timedelta(minutes=offset)


@st.composite
def tickets(draw: st.DrawFn) -> dict[str, Any]:
    """One cache row: met, missed, open past its deadline, closed without a close time."""
    created = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 48)))
    state = draw(st.sampled_from(("open", "new", "closed", "closed", "closed", "removed",
                                  "merged")))
    closed_at = _at(created, draw(st.integers(0, 60 * 24 * 6)))
    closed = closed_at if state != "open" and draw(st.integers(0, 5)) else None
    if state == "open" and draw(st.integers(0, 6)) == 0:
        closed = closed_at  # reopened: the close time stays
    return dict(
        ticket_number="n", title="t", state=state, state_type=state, queue="q",
        category=draw(st.sampled_from((None, "it.pos-down", "it.receipt-printer",
                                       "it.password-reset", "maintenance.hvac"))),
        sla=draw(st.sampled_from((None, "Maintenance contract", "POS critical"))),
        store=draw(st.sampled_from((None, "store-001", "store-007", "store-009", "web"))),
        customer_id=draw(st.sampled_from((None, "store-001", "store-007", "shoppers"))),
        created=draw(st.sampled_from((created, created, created, created, None))),
        changed=_at(created, draw(st.none() | st.integers(0, 60 * 24 * 8))),
        closed=closed,
        promised_deadline=_at(created, draw(st.none() | st.none() | minutes)),
        solution_deadline=_at(created, draw(st.none() | minutes)))


@st.composite
def rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Penalty rules by SLA, department and item, with and without grace."""
    found = []
    scopes = ({"sla": ["Maintenance contract"]}, {"departments": ["it"]},
              {"categories": ["it.pos-down", "maintenance.hvac"]},
              {"sla": ["POS critical"], "departments": ["maintenance"]})
    for i, scope in enumerate(draw(st.lists(st.sampled_from(scopes), min_size=1, max_size=3))):
        kind = draw(st.sampled_from(("per_hour", "percent_of_fee")))
        money = ({"amount_per_hour": 500} if kind == "per_hour"
                 else {"monthly_fee": 120000, "percent_per_miss": 2})
        found.append({"id": f"rule-{i}", "kind": kind, **scope, **money,
                      "grace_minutes": draw(st.sampled_from((0, 15, 90))),
                      "cap_amount": draw(st.sampled_from((None, 2000)))})
    return found


days = st.dates(min_value=BASE.date() - timedelta(days=3), max_value=NOW.date() + timedelta(3))


@st.composite
def filters(draw: st.DrawFn, zone: str) -> ReportFilter:
    """Whole local days or no bound; rarely a store or department (those read the cache)."""
    first, last = draw(st.none() | days), draw(st.none() | days)
    if first and last and last < first:
        first, last = last, first
    return ReportFilter.for_dates(
        first, last, ZoneInfo(zone),
        department=draw(st.sampled_from((None,) * 5 + ("it",))),
        store=draw(st.sampled_from((None,) * 5 + ("store-001",))))


def _clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (TicketCache, ContractCell, ContractContribution, ContractLive,
                      ContractDirty, ContractRollupState):
            conn.execute(delete(table))


def _insert(engine: Engine, rows: list[dict[str, Any]], first_id: int = 1) -> None:
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(TicketCache), [
                {**r, "ticket_id": first_id + i} for i, r in enumerate(rows)])


@contextmanager
def _cache_only() -> Iterator[None]:
    """The pages as they compute without the contract roll-ups."""
    with (mock.patch("radiant_ext.reports.penalties.contract_span", lambda ctx: None),
          mock.patch("radiant_ext.reports.downtime.contract_span", lambda ctx: None)):
        yield


def assert_pages_match(engine: Engine, report_settings: ReportSettings,
                       directory: ItemDirectory, report_filter: ReportFilter) -> None:
    """Every contract page equals its computation over the raw cache."""
    for name in PAGES:
        with Session(engine) as session:
            with _cache_only():
                raw = REPORTS[name].compute(ReportContext(session, report_filter,
                                                          report_settings, directory, NOW))
            ctx = ReportContext(session, report_filter, report_settings, directory, NOW)
            answered = contract_span(ctx) is not None
            assert answered == (not report_filter.store and not report_filter.department)
            rolled = REPORTS[name].compute(ctx)
            assert rolled.rows == raw.rows, name
            assert [str(n) for n in rolled.notes] == [str(n) for n in raw.notes]


@SLOW
@given(data=st.data(), rows=st.lists(tickets(), max_size=40), zone=st.sampled_from(ZONES),
       drawn_rules=rules())
def test_rebuilt_contract_rollups_answer_the_pages_as_the_raw_cache_does(
        engine: Engine, directory: ItemDirectory, data: st.DataObject,
        rows: list[dict[str, Any]], zone: str, drawn_rules: list[dict[str, Any]]) -> None:
    report_settings = ReportSettings.model_validate({"time_zone": zone,
                                                     "penalties": drawn_rules})
    _clear(engine)
    _insert(engine, rows)
    with engine.begin() as conn:
        rebuild_contracts(conn, ContractFigures(report_settings, directory), AS_OF)
    for report_filter in data.draw(st.lists(filters(zone), min_size=3, max_size=3)):
        assert_pages_match(engine, report_settings, directory, report_filter)


def _snapshot(engine: Engine) -> tuple[set[tuple[Any, ...]], ...]:
    with engine.connect() as conn:
        cells = {tuple(r) for r in conn.execute(select(CONTRACT_CELLS)
                                                .where(CONTRACT_CELLS.c.tickets != 0))}
        contributions = {tuple(r) for r in conn.execute(select(CONTRIBUTIONS))}
        live = {tuple(r) for r in conn.execute(select(CONTRACT_LIVE))}
    return cells, contributions, live


changes = st.fixed_dictionaries({}, optional={
    "state_type": st.sampled_from(("open", "closed", "merged")),
    "category": st.sampled_from((None, "it.pos-down", "maintenance.hvac")),
    "sla": st.sampled_from((None, "Maintenance contract")),
    "store": st.sampled_from((None, "store-001", "store-007")),
    "closed": st.none() | st.just(BASE + timedelta(days=3, minutes=7)),
    "changed": st.just(NOW - timedelta(days=1)),
    "promised_deadline": st.none() | st.just(BASE + timedelta(days=2, hours=23)),
    "solution_deadline": st.none() | st.just(NOW + timedelta(days=2)),
    "title": st.just("renamed"),
})


@SLOW
@given(data=st.data(), first=st.lists(tickets(), max_size=25),
       later=st.lists(tickets(), max_size=10), zone=st.sampled_from(ZONES),
       drawn_rules=rules(), edits=st.lists(st.tuples(st.integers(1, 35), changes),
                                           max_size=25),
       deleted=st.sets(st.integers(1, 35), max_size=5))
def test_refreshed_contract_rollups_equal_a_rebuild_after_any_changes(
        engine: Engine, directory: ItemDirectory, data: st.DataObject,
        first: list[dict[str, Any]], later: list[dict[str, Any]], zone: str,
        drawn_rules: list[dict[str, Any]], edits: list[tuple[int, dict[str, Any]]],
        deleted: set[int]) -> None:
    report_settings = ReportSettings.model_validate({"time_zone": zone,
                                                     "penalties": drawn_rules})
    figures = ContractFigures(report_settings, directory)
    _clear(engine)
    _insert(engine, first)
    with engine.begin() as conn:
        rebuild_contracts(conn, figures, NOW - timedelta(days=10))
    _insert(engine, later, first_id=len(first) + 1)
    with Session(engine) as session:  # ORM updates, as the webhook and the jobs make them
        for ticket_id, values in edits[::2]:
            row = session.get(TicketCache, ticket_id)
            for field, value in values.items():
                setattr(row, field, value) if row is not None else None
        session.commit()
    with engine.begin() as conn:  # Core updates and deletes, as the pull makes them
        for ticket_id, values in edits[1::2]:
            if values:
                conn.execute(update(TicketCache).where(TicketCache.ticket_id == ticket_id)
                             .values(**values))
        conn.execute(delete(TicketCache).where(TicketCache.ticket_id.in_(deleted)))
    with engine.begin() as conn:
        assert refresh_contracts(conn, figures, NOW).built
        assert conn.scalar(select(ContractDirty.id)) is None
    kept = _snapshot(engine)
    assert_pages_match(engine, report_settings, directory, data.draw(filters(zone)))
    with engine.begin() as conn:
        rebuild_contracts(conn, figures, NOW)
    assert _snapshot(engine) == kept


def _late_ticket(engine: Engine) -> None:
    """A Maintenance contract ticket closed 2 h 10 min after its deadline."""
    due = NOW - timedelta(days=2)
    _insert(engine, [dict(ticket_number="1", state_type="closed", state="closed", queue="q",
                          category="it.pos-down", sla="Maintenance contract",
                          store="store-001", customer_id="store-001",
                          created=due - timedelta(hours=6), solution_deadline=due,
                          closed=due + timedelta(hours=2, minutes=10))])


def _penalty(engine: Engine, report_settings: ReportSettings,
             directory: ItemDirectory) -> tuple[bool, list[dict[str, Any]]]:
    with Session(engine) as session:
        ctx = ReportContext(session, ReportFilter(), report_settings, directory, NOW)
        answered = contract_span(ctx) is not None
        return answered, REPORTS["penalties"].compute(ctx).records()


def _rule(**fields: Any) -> ReportSettings:
    return ReportSettings.model_validate({"penalties": [{
        "id": "maint", "sla": ["Maintenance contract"], "kind": "per_hour",
        "amount_per_hour": 500, **fields}]})


def test_changed_settings_read_the_cache_until_rebuilt_and_money_needs_no_rebuild(
        engine: Engine, directory: ItemDirectory) -> None:
    _clear(engine)
    _late_ticket(engine)
    built = _rule()
    with engine.begin() as conn:
        rebuild_contracts(conn, ContractFigures(built, directory), NOW)
    answered, records = _penalty(engine, built, directory)
    assert answered and (records[0]["hours_late"], records[0]["penalty"]) == (3, Decimal(1500))
    dearer = _rule(amount_per_hour=700)  # money is applied when the page reads
    answered, records = _penalty(engine, dearer, directory)
    assert answered and records[0]["penalty"] == Decimal(2100)
    graced = _rule(grace_minutes=15)  # the figures themselves change: read the cache
    answered, records = _penalty(engine, graced, directory)
    assert not answered and records[0]["hours_late"] == 2
    with engine.begin() as conn:
        assert not refresh_contracts(conn, ContractFigures(graced, directory), NOW).built
        rebuild_contracts(conn, ContractFigures(graced, directory), NOW)
    answered, records = _penalty(engine, graced, directory)
    assert answered and records[0]["hours_late"] == 2
    answered, _ = _penalty(engine, ReportSettings.model_validate(
        {"time_zone": "Europe/Berlin", "penalties": [graced.penalties[0].model_dump()]}),
        directory)
    assert not answered  # another zone cuts other months


def test_an_earlier_clock_and_a_changed_calendar_read_the_cache(
        engine: Engine, directory: ItemDirectory) -> None:
    _clear(engine)
    _late_ticket(engine)
    report_settings = _rule()
    with engine.begin() as conn:
        rebuild_contracts(conn, ContractFigures(report_settings, directory), NOW)
    with Session(engine) as session:
        early = ReportContext(session, ReportFilter(), report_settings, directory,
                              NOW - timedelta(hours=1))
        assert contract_span(early) is None  # judged at NOW
        moved = directory.outage.stores["store-001"].model_copy(update={"calendar": None})
        other = ItemDirectory(items=directory.items, outage=type(directory.outage)(
            costs=directory.outage.costs, deadlines=directory.outage.deadlines,
            stores={**directory.outage.stores, "store-001": moved}))
        ctx = ReportContext(session, ReportFilter(), report_settings, other, NOW)
        assert contract_span(ctx) is None  # trading hours changed: the hours would differ
        table = REPORTS["downtime-detail"].compute(ctx)
        assert table.lookup("store", "store-001") is not None


def test_a_ticket_closed_after_the_build_time_settles_at_the_next_refresh(
        engine: Engine, directory: ItemDirectory) -> None:
    _clear(engine)
    _insert(engine, [dict(ticket_number="1", state_type="closed", state="closed", queue="q",
                          category="it.pos-down", store="store-001", customer_id="store-001",
                          created=NOW - timedelta(hours=3), closed=NOW + timedelta(hours=1))])
    figures = ContractFigures(_rule(), directory)
    with engine.begin() as conn:
        rebuild_contracts(conn, figures, NOW)
        assert conn.scalar(select(CONTRACT_LIVE.c.ticket_id)) == 1  # its outage runs on
        assert refresh_contracts(conn, figures, NOW + timedelta(minutes=30)).tickets == 0
        assert refresh_contracts(conn, figures, NOW + timedelta(hours=2)).tickets == 1
        assert conn.scalar(select(CONTRACT_LIVE.c.ticket_id)) is None
        assert conn.scalar(select(CONTRACT_CELLS.c.seconds).where(
            CONTRACT_CELLS.c.level == 0, CONTRACT_CELLS.c.family == "o")) == 4 * 3600


def test_the_job_builds_takes_in_changes_and_rebuilds_for_new_settings(
        engine: Engine, tmp_path: Path) -> None:
    from radiant_ext.config import Settings
    from radiant_ext.reports.contract_keep import keep_contracts

    _clear(engine)
    _late_ticket(engine)
    rule = {"id": "maint", "sla": ["Maintenance contract"], "kind": "per_hour",
            "amount_per_hour": 500}
    settings_ = Settings(data_dir=tmp_path, reports={"penalties": [rule]})
    assert keep_contracts(engine, settings_, lambda: NOW) == {"contracts_rebuilt": 1}
    assert keep_contracts(engine, settings_, lambda: NOW) == {}
    with engine.begin() as conn:  # reopened: its penalty grows with the clock again
        conn.execute(update(TicketCache).values(state_type="open", closed=None))
    assert keep_contracts(engine, settings_, lambda: NOW) == {"contracts_taken_in": 1}
    with engine.connect() as conn:
        assert conn.scalar(select(CONTRACT_LIVE.c.ticket_id)) == 1
        assert conn.scalar(select(CONTRACT_CELLS.c.k1)) is None
    graced = Settings(data_dir=tmp_path,
                      reports={"penalties": [{**rule, "grace_minutes": 30}]})
    assert keep_contracts(engine, graced, lambda: NOW) == {"contracts_rebuilt": 1}
