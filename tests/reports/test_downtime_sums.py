"""Downtime priced in the query: the month totals and the page's dearest rows equal, to the
cent, the same figures priced row by row in Python — half-cent ties, stores of every tier,
unknown companies and no store, live tickets beside settled ones, a tier changed after the
build, sums too large for the query — on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Engine, delete, insert, select
from sqlalchemy.orm import Session

import radiant_ext.reports.downtime as downtime
import radiant_ext.reports.price_memo as price_memo
from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.reports import ItemDirectory, ReportFilter, ReportSettings
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.contract_read import contract_span, json_rows
from radiant_ext.reports.contract_rollups import ContractFigures, rebuild_contracts
from radiant_ext.reports.outage import (
    cents_in_sql,
    micro_hours_in_sql,
    outage_cost,
    priced_seconds_limit,
)
from radiant_ext.store import (
    ContractCell,
    ContractContribution,
    ContractDirty,
    ContractLive,
    ContractRollupState,
    TicketCache,
)

NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
BASE = datetime(2026, 1, 20, tzinfo=UTC)
"""Tickets from here to NOW: edge months and whole months in the default period."""
STORES = ("store-001", "store-002", "store-003", "store-004", "store-005", "head-office", "")
CATALOG = """
department:
  id: it
  title: IT
  downtime_cost: {per_hour: {flagship: 0.10, standard: 0.30}}
items:
  - id: it.pos-down
    title: Cash register is down
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 4, calendar: 24x7}
    downtime_cost: {currency: RUB, per_hour: {flagship: 1000.50, standard: 0.50, kiosk: 1.10}}
  - id: it.receipt-printer
    title: Receipt printer
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 8, calendar: 24x7}
  - id: it.scale
    title: Scale
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 8, calendar: 24x7}
    downtime_cost: {currency: EUR, per_hour: {standard: 333.33, kiosk: 0.01}}
stores:
  - {id: store-001, name: One, tier: flagship, time_zone: Europe/Moscow, calendar: 24x7}
  - {id: store-002, name: Two, tier: standard, time_zone: Europe/Moscow, calendar: 24x7}
  - {id: store-003, name: Three, tier: kiosk, time_zone: Europe/Moscow, calendar: 24x7}
  - {id: store-004, name: Four, tier: express, time_zone: Europe/Moscow, calendar: 24x7}
"""
"""Rates whose cents tie at a half for outages in whole 3-minute steps (0.10 × 0.05 h), in
two currencies; tiers with and without a cost; ``store-005`` and ``head-office`` are not in
the directory (the default tier), ``""`` is no store."""
SLOW = settings(max_examples=8, deadline=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> ItemDirectory:
    """The catalog and stores above."""
    folder: Path = tmp_path_factory.mktemp("downtime-sums")
    (folder / "it.yaml").write_text(CATALOG, "utf-8")
    plugins = Plugins(make_plugin_manager(load_entrypoints=False, catalog_dirs=[folder]))
    return ItemDirectory.from_plugins(plugins)


@st.composite
def tickets(draw: st.DrawFn) -> dict[str, Any]:
    """An outage in whole 3-minute steps, settled, still open, or closed after NOW."""
    created = BASE + timedelta(minutes=3 * draw(st.integers(0, 20 * 24 * 75)))
    length = timedelta(minutes=3 * draw(st.sampled_from((0, 1, 5, 20, 333, 2000))))
    state = draw(st.sampled_from(("closed", "closed", "closed", "open", "merged")))
    closed = created + length if state != "open" else None
    store = draw(st.sampled_from(STORES))
    return dict(ticket_number="n", title="t", state=state, state_type=state, queue="q",
                category=draw(st.sampled_from(("it.pos-down", "it.receipt-printer",
                                               "it.scale", "it.password-reset"))),
                store=store or None, customer_id=store or None, created=created,
                changed=closed or created, closed=closed)


def _fill(engine: Engine, rows: list[dict[str, Any]], directory: ItemDirectory,
          as_of: datetime) -> None:
    """The cache holds ``rows`` and the contract roll-ups are built at ``as_of``."""
    with engine.begin() as conn:
        for table in (TicketCache, ContractCell, ContractContribution, ContractLive,
                      ContractDirty, ContractRollupState):
            conn.execute(delete(table))
        if rows:
            conn.execute(insert(TicketCache), [{**r, "ticket_id": i + 1}
                                               for i, r in enumerate(rows)])
        rebuild_contracts(conn, ContractFigures(ReportSettings(), directory), as_of)


@contextmanager
def _page(rows: int) -> Iterator[None]:
    """Answer as the report's page, which shows ``rows`` rows."""
    with mock.patch.object(downtime, "page_limit", lambda _: rows):
        yield


def _ctx(session: Session, directory: ItemDirectory,
         report_filter: ReportFilter | None = None) -> ReportContext:
    return ReportContext(session, report_filter or ReportFilter(), ReportSettings(),
                         directory, NOW)


def _both(engine: Engine, directory: ItemDirectory, name: str, shown: int = 5,
          report_filter: ReportFilter | None = None) -> tuple[Any, Any]:
    """The page priced in the query, and priced row by row in Python (the rows from the
    same cells and live tickets); asserts that the query answered."""
    compute = (downtime.downtime_by_month if name == "downtime"
               else downtime.downtime_by_store_and_item)
    answered = []
    priced = (downtime._priced_month_totals if name == "downtime" else downtime._dearest)

    def spy(*args: Any) -> Any:
        found = priced(*args)
        answered.append(found is not None)
        return found

    target = "_priced_month_totals" if name == "downtime" else "_dearest"
    with Session(engine) as session, _page(shown):
        with mock.patch.object(downtime, target, spy):
            in_query = compute(_ctx(session, directory, report_filter))
        with mock.patch.object(downtime, target, lambda *args: None):
            by_row = compute(_ctx(session, directory, report_filter))
    assert answered == [True], "the query priced it"
    return in_query, by_row


def _assert_same(in_query: Any, by_row: Any) -> None:
    assert in_query.rows == by_row.rows
    assert [repr(v) for row in in_query.rows for v in row] == [
        repr(v) for row in by_row.rows for v in row]  # Decimal('0') is not Decimal('0.00')
    assert [str(n) for n in in_query.notes] == [str(n) for n in by_row.notes]


days = st.dates(min_value=BASE.date() - timedelta(days=2), max_value=NOW.date())


@SLOW
@given(rows=st.lists(tickets(), max_size=60), shown=st.sampled_from((1, 3, 8, 200)),
       built_days=st.integers(0, 40), first=st.none() | days)
def test_the_query_prices_every_month_and_row_as_python_does(
        engine: Engine, directory: ItemDirectory, rows: list[dict[str, Any]], shown: int,
        built_days: int, first: Any) -> None:
    _fill(engine, rows, directory, NOW - timedelta(days=built_days))
    report_filter = ReportFilter.for_dates(first, None, ReportSettings().zone)
    for name in ("downtime", "downtime-detail"):
        _assert_same(*_both(engine, directory, name, shown, report_filter))


@pytest.mark.parametrize("busy", [False, True], ids=["settled", "beside-a-live-outage"])
def test_the_dearest_rows_are_cut_by_the_page_s_order_among_equal_costs(
        engine: Engine, directory: ItemDirectory, busy: bool) -> None:
    # 0.10 an hour for an hour, 1.05 and 0.95 hours (half a cent, to even), 0.30 an hour
    # for 20 and 19 minutes: seven rows of 0.10, and two without a cost
    rows = [dict(ticket_number="n", title="t", state="closed", state_type="closed", queue="q",
                 category="it.receipt-printer", store=store or None, customer_id=store or None,
                 created=BASE + timedelta(days=day), closed=BASE + timedelta(
                     days=day, minutes=minutes)) for day, store, minutes in (
        (1, "store-001", 60), (35, "store-001", 57), (40, "store-001", 63),
        (45, "store-002", 20), (46, "store-005", 20), (50, "head-office", 19),
        (52, "store-004", 60), (60, "store-003", 30), (62, "", 30))]
    live = [dict(rows[3], state="open", state_type="open", closed=None, store="store-004",
                 customer_id="store-004", category="it.pos-down")] if busy else []
    _fill(engine, rows + live, directory, NOW)  # busy: March's ties from its kept sums
    for shown in range(1, len(rows + live) + 1):
        in_query, by_row = _both(engine, directory, "downtime-detail", shown)
        _assert_same(in_query, by_row)
    assert len(in_query.rows) == len(rows + live) and not in_query.notes[2:]


def test_a_month_with_live_outages_keeps_the_rows_that_tie_with_its_last_dearest(
        engine: Engine, directory: ItemDirectory) -> None:
    # March: 0.10 each (0.30 an hour for 20, 20 and 19 minutes, 0.3 h shown), the page orders
    # them by store: head-office first, though it has the fewest seconds; a live outage
    # without a cost makes March a month with live outages
    rows = [_settled(day, store, 0) | {"category": "it.receipt-printer",
                                       "closed": BASE + timedelta(days=day, minutes=minutes)}
            for day, store, minutes in ((45, "store-002", 20), (46, "store-005", 20),
                                        (50, "head-office", 19))]
    live = {**_settled(52, "store-004", 0), "state": "open", "state_type": "open",
            "closed": None}
    _fill(engine, [*rows, live], directory, NOW)
    in_query, by_row = _both(engine, directory, "downtime-detail", 1)
    _assert_same(in_query, by_row)
    assert [r["store"] for r in in_query.records()] == ["head-office"]


def test_live_outages_lift_their_keys_into_the_dearest_rows_as_python_prices_them(
        engine: Engine, directory: ItemDirectory) -> None:
    # March: settled outages of 1-6 hours at six keys; then live ones on the dearest key, on
    # the cheapest priced one (store-002: second with it), on one without a cost (no store),
    # and on a key with no settled outage (store-004)
    stores = ("store-001", "store-002", "store-003", "store-005", "head-office", "")
    rows = [_settled(45 + n, store, n + 1) for n, store in enumerate(stores)]
    _fill(engine, rows, directory, NOW)
    settled = {name: _both(engine, directory, name, 3) for name in ("downtime",
                                                                     "downtime-detail")}
    live = [{**_settled(day, store, 0), "state": "open", "state_type": "open", "closed": None}
            for day, store in ((50, ""), (55, "store-001"), (56, "store-002"),
                               (57, "store-004"))]
    _fill(engine, rows + live, directory, NOW)
    for shown in range(1, len(stores) + 3):
        for name in ("downtime", "downtime-detail"):
            in_query, by_row = _both(engine, directory, name, shown)
            _assert_same(in_query, by_row)
            assert in_query.rows != settled[name][0].rows
    detail = _both(engine, directory, "downtime-detail", 2)[0].records()
    assert [r["store"] for r in detail] == ["store-001", "store-002"]  # 1.00 settled


def test_cents_in_the_query_round_as_outage_cost_does(engine: Engine,
                                                       directory: ItemDirectory) -> None:
    rng = random.Random(5)
    rates = [Decimal("0.10"), Decimal("0.50"), Decimal("0.01"), Decimal("1.10"),
             Decimal("333.33"), Decimal("99999999999.99"), Decimal("7")]
    cases = [(rate, seconds) for rate in rates for seconds in
             [0, 1, 18, 36, 180, 540, 1799, 3600, 10**9] + [
                 180 * rng.randrange(1, 10**6) for _ in range(40)] + [
                 rng.randrange(10**7) for _ in range(40)]]
    cases = [(rate, seconds) for rate, seconds in cases  # as the query keeps them
             if seconds <= priced_seconds_limit(int(rate * 100))]
    with Session(engine) as session:
        table = json_rows(_ctx(session, directory), "cases", (
            ("n", BigInteger()), ("units", BigInteger()), ("seconds", BigInteger())),
            [{"n": i, "units": int(rate * 100), "seconds": seconds}
             for i, (rate, seconds) in enumerate(cases)])
        found = dict(session.execute(select(table.c.n, cents_in_sql(
            table.c.units * micro_hours_in_sql(table.c.seconds), 2))).all())
    assert len(found) == len(cases)
    mismatches = [(rate, seconds, found[i], outage_cost(seconds / 3600, rate))
                  for i, (rate, seconds) in enumerate(cases)
                  if Decimal(found[i]).scaleb(-2) != outage_cost(seconds / 3600, rate)]
    assert not mismatches
    halves = [(r, s) for r, s in cases
              if int(r * 100) * ((s * 2500 + 4) // 9) % 10**6 == 500_000]
    assert len(halves) > 20  # the ties are there, and round to even


def _outage(store: str, hours: int, category: str = "it.pos-down") -> dict[str, Any]:
    created = BASE + timedelta(days=30)
    return dict(ticket_number="n", title="t", state="closed", state_type="closed",
                queue="q", category=category, store=store, customer_id=store,
                created=created, closed=created + timedelta(hours=hours))


def test_a_store_s_new_tier_prices_its_outages_without_a_rebuild(
        engine: Engine, directory: ItemDirectory) -> None:
    _fill(engine, [_outage("store-002", 3), _outage("store-001", 2)], directory, NOW)
    moved = directory.outage.stores["store-002"].model_copy(update={"tier": "flagship"})
    upgraded = ItemDirectory(items=directory.items, outage=type(directory.outage)(
        costs=directory.outage.costs, deadlines=directory.outage.deadlines,
        stores={**directory.outage.stores, "store-002": moved}))
    with Session(engine) as session:
        assert contract_span(_ctx(session, upgraded)) is not None  # the cells still answer
    in_query, by_row = _both(engine, upgraded, "downtime")
    _assert_same(in_query, by_row)
    assert [(r["currency"], r["cost"]) for r in in_query.records()] == [
        ("RUB", Decimal("5002.50"))]  # 5 hours at the flagship's 1,000.50
    detail, _ = _both(engine, upgraded, "downtime-detail")
    assert {r["store"]: r["tier"] for r in detail.records()} == {
        "store-001": "flagship", "store-002": "flagship"}


def test_sums_too_large_for_the_query_are_priced_in_python(
        engine: Engine, directory: ItemDirectory) -> None:
    _fill(engine, [_outage("store-002", 3), _outage("store-003", 2, "it.scale")],
          directory, NOW)
    with Session(engine) as session, _page(5), \
            mock.patch.object(downtime, "priced_seconds_limit", lambda units: 3600):
        ctx = _ctx(session, directory)
        span = contract_span(ctx)
        assert span is not None
        assert downtime._priced_month_totals(ctx, span) is None
        assert downtime._dearest(ctx, span, 5) is None
        month = downtime.downtime_by_month(_ctx(session, directory)).records()
        detail = downtime.downtime_by_store_and_item(_ctx(session, directory)).records()
    assert [(r["currency"], r["cost"]) for r in month] == [
        ("EUR", Decimal("0.02")), ("RUB", Decimal("1.50"))]
    assert [(r["store"], r["cost"]) for r in detail] == [
        ("store-002", Decimal("1.50")), ("store-003", Decimal("0.02"))]


def test_without_a_store_directory_every_company_has_the_default_tier(
        engine: Engine, directory: ItemDirectory) -> None:
    bare = ItemDirectory(items=directory.items, outage=type(directory.outage)(
        costs=directory.outage.costs, deadlines=directory.outage.deadlines, stores={}))
    _fill(engine, [_outage("store-001", 2), _outage("store-003", 1, "it.scale"),
                   _outage("", 4)], bare, NOW)
    for name in ("downtime", "downtime-detail"):
        _assert_same(*_both(engine, bare, name))
    detail, _ = _both(engine, bare, "downtime-detail")
    assert [(r["store"], r["tier"], r["cost"]) for r in detail.records()] == [
        ("store-003", "standard", Decimal("333.33")), ("store-001", "standard", Decimal("1.00")),
        ("", "", None)]


def _change(engine: Engine, rows: list[dict[str, Any]],
            changes: list[tuple[int, dict[str, Any]]]) -> None:
    """Replace the ticket at each index by another one (a new ticket past the end): every
    kind of change the refresh takes in — closed, reopened, moved, merged, a new month."""
    with engine.begin() as conn:
        for index, row in dict(changes).items():  # the last change of a ticket counts
            ticket = index + 1 if index < len(rows) else 1000 + index
            if not conn.execute(TicketCache.__table__.update().where(
                    TicketCache.ticket_id == ticket).values(**row)).rowcount:
                conn.execute(insert(TicketCache), [{**row, "ticket_id": ticket}])


@SLOW
@given(rows=st.lists(tickets(), max_size=50), shown=st.sampled_from((1, 3, 200)),
       rounds=st.lists(st.lists(st.tuples(st.integers(0, 60), tickets()), min_size=1,
                                max_size=6), min_size=1, max_size=3),
       skip=st.sets(st.integers(0, 5)), forget=st.sets(st.integers(0, 5)),
       store_every=st.sampled_from((1, 2, 8)))
def test_kept_months_are_brought_up_to_date_after_any_changes(
        engine: Engine, directory: ItemDirectory, rows: list[dict[str, Any]], shown: int,
        rounds: list[list[tuple[int, dict[str, Any]]]], skip: set[int], forget: set[int],
        store_every: int) -> None:
    """Months kept for an older version — one change or several since, read by one page and
    not the other, by this process (its figures in memory) or another (the table's, written
    back every ``store_every`` versions) — are brought up to date (the changed keys priced
    again, the months without live outages in full) to the same figures as Python's."""
    _fill(engine, rows, directory, NOW - timedelta(days=2))
    for name in ("downtime", "downtime-detail"):
        _assert_same(*_both(engine, directory, name, shown))  # keeps every month
    with mock.patch.object(price_memo, "STORE_EVERY", store_every):
        for i, changes in enumerate(rounds):
            _change(engine, rows, changes)
            for j, name in enumerate(("downtime", "downtime-detail")):
                if 2 * i + j in forget:
                    price_memo._parsed.clear()  # another process
                if 2 * i + j not in skip or i == len(rounds) - 1:
                    _assert_same(*_both(engine, directory, name, shown))


def _priced_months(engine: Engine, directory: ItemDirectory, name: str,
                   report_filter: ReportFilter | None = None) -> list[str]:
    """The months the page prices in the query (not kept, or changed since)."""
    priced: list[str] = []

    def spy(real: Any) -> Any:
        def priced_months(ctx: ReportContext, parts: list[Any], *args: Any) -> Any:
            priced.extend(p.month.strftime("%Y-%m") for p in parts)
            return real(ctx, parts, *args)
        return priced_months

    with mock.patch.object(downtime, "_month_sums", spy(downtime._month_sums)), \
            mock.patch.object(downtime, "_month_tops", spy(downtime._month_tops)), \
            mock.patch.object(downtime, "_month_keys", spy(downtime._month_keys)):
        in_query, by_row = _both(engine, directory, name, 3, report_filter)
    _assert_same(in_query, by_row)
    return sorted(priced)


def _settled(day: int, store: str, hours: int) -> dict[str, Any]:
    created = BASE + timedelta(days=day)
    return dict(ticket_number="n", title="t", state="closed", state_type="closed", queue="q",
                category="it.pos-down", store=store, customer_id=store, created=created,
                changed=created, closed=created + timedelta(hours=hours))


def test_a_page_prices_only_the_months_changed_since_it_was_last_read(
        engine: Engine, directory: ItemDirectory) -> None:
    # January (from the 21st), February, March, April (to the 4th): settled outages in each
    rows = [_settled(day, store, hours) for day, store, hours in (
        (1, "store-001", 2), (15, "store-002", 3), (20, "store-003", 1), (45, "store-001", 5),
        (50, "store-002", 4), (70, "store-003", 2), (74, "store-001", 1))]
    rows.append({**_settled(52, "store-002", 0), "state": "open", "state_type": "open",
                 "closed": None})  # live: March keeps its sums, the live one priced apart
    _fill(engine, rows, directory, NOW)
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    # the totals of the months without live outages, and March's sums with their totals
    # (the live outage's key trades its sum for the one with it)
    assert _priced_months(engine, directory, "downtime") == months
    assert _priced_months(engine, directory, "downtime") == []  # kept
    # the dearest rows of the months without live outages, and March's sums with its
    # dearest (kept apart from the totals' figure)
    assert _priced_months(engine, directory, "downtime-detail") == months
    assert _priced_months(engine, directory, "downtime-detail") == []
    # a February outage closed an hour later: February is priced again
    _change(engine, rows, [(1, _settled(15, "store-002", 4))])
    for name in ("downtime", "downtime-detail"):
        assert _priced_months(engine, directory, name) == ["2026-02"]
        assert _priced_months(engine, directory, name) == []
    # another period's edge month is kept beside the default one's
    since = ReportFilter.for_dates(date(2026, 2, 3), None, ReportSettings().zone)
    assert _priced_months(engine, directory, "downtime", since) == ["2026-02"]
    assert _priced_months(engine, directory, "downtime", since) == []
    assert _priced_months(engine, directory, "downtime") == []
    # the live outage closed: March's cells change, it is priced again, then kept
    _change(engine, rows, [(7, _settled(52, "store-002", 2))])
    assert _priced_months(engine, directory, "downtime") == ["2026-03"]
    assert _priced_months(engine, directory, "downtime") == []
    # a new outage opens in April: April's sums are priced once, the new one apart
    _change(engine, rows, [(60, {**_settled(74, "store-003", 0), "state": "open",
                                 "state_type": "open", "closed": None})])
    assert _priced_months(engine, directory, "downtime") == ["2026-04"]
    assert _priced_months(engine, directory, "downtime") == []
    # a new rate prices every month again; a rebuild too
    dearer = directory.outage.costs["it.pos-down"].model_copy(
        update={"per_hour": {"flagship": Decimal("2000"), "standard": Decimal("1")}})
    repriced = ItemDirectory(items=directory.items, outage=type(directory.outage)(
        costs={**directory.outage.costs, "it.pos-down": dearer},
        deadlines=directory.outage.deadlines, stores=directory.outage.stores))
    assert _priced_months(engine, repriced, "downtime") == months
    _fill(engine, rows, directory, NOW)  # March's outage open again, April's new one gone
    assert _priced_months(engine, directory, "downtime") == months


def test_kept_figures_are_parsed_once_until_their_month_changes(
        engine: Engine, directory: ItemDirectory) -> None:
    import json

    rows = [_settled(day, store, hours) for day, store, hours in (
        (5, "store-002", 3), (25, "store-001", 5), (50, "store-003", 2))]
    _fill(engine, rows, directory, NOW)

    def parsed(name: str) -> int:
        """How many kept figures a view of ``name`` parses (its figures equal the rows')."""
        with mock.patch.object(json, "loads", wraps=json.loads) as loads:
            assert _priced_months(engine, directory, name) == []
        return loads.call_count

    assert _priced_months(engine, directory, "downtime") == ["2026-01", "2026-02", "2026-03"]
    assert parsed("downtime") == 0  # what this process priced it keeps parsed
    price_memo._parsed.clear()  # another process: reads and parses the kept figures once
    assert parsed("downtime") == 3
    assert parsed("downtime") == 0
    _change(engine, rows, [(1, _settled(25, "store-001", 6))])
    assert _priced_months(engine, directory, "downtime") == ["2026-02"]
    assert parsed("downtime") == 0
    price_memo._parsed.clear()
    assert parsed("downtime") == 3
    with mock.patch.object(price_memo, "PARSED_KEPT", 2):  # two months' figures in memory
        price_memo._parsed.clear()
        assert parsed("downtime") == 3
        assert parsed("downtime") == 1  # the one pushed out is parsed again


def test_a_change_taken_in_while_a_month_is_priced_is_priced_again_next_time(
        engine: Engine, directory: ItemDirectory) -> None:
    rows = [_settled(45, "store-001", 5), _settled(50, "store-002", 4)]
    _fill(engine, rows, directory, NOW)
    real = downtime._month_sums
    raced: list[bool] = []

    def racing(ctx: ReportContext, parts: list[Any]) -> Any:
        if not raced:  # another page's refresh takes in a change of February meanwhile
            _change(engine, rows, [(1, _settled(50, "store-002", 9))])
            with Session(engine) as other:
                assert contract_span(_ctx(other, directory)) is not None
                other.commit()
            raced.append(True)
        return real(ctx, parts)

    with mock.patch.object(downtime, "_month_sums", racing), Session(engine) as s:
        downtime.downtime_by_month(_ctx(s, directory))
    assert _priced_months(engine, directory, "downtime") == ["2026-03"]
    with Session(engine) as s:
        records = downtime.downtime_by_month(_ctx(s, directory)).records()
    assert [(r["month"], r["cost"]) for r in records] == [
        ("2026-03", Decimal("5002.50") + Decimal("4.50"))]  # 5 h flagship, 9 h standard


def _busy_march(engine: Engine, directory: ItemDirectory) -> list[dict[str, Any]]:
    """March with a live outage and settled ones of five stores and two items (its kept
    figures are its every store × item sum), viewed once by both pages."""
    rows = [_settled(day, store, hours) for day, store, hours in (
        (40, "store-001", 5), (41, "store-002", 4), (42, "store-003", 9), (43, "store-004", 2),
        (44, "store-005", 1), (46, "store-001", 3), (47, "store-002", 7))]
    rows.append({**_settled(48, "store-003", 1), "category": "it.scale"})
    rows.append({**_settled(52, "store-002", 0), "state": "open", "state_type": "open",
                 "closed": None})
    _fill(engine, rows, directory, NOW)
    for name in ("downtime", "downtime-detail"):
        _priced_months(engine, directory, name)
    return rows


def _take_in(engine: Engine, directory: ItemDirectory) -> None:
    """The changes of the cache taken in, as a page's or the job's refresh takes them."""
    with Session(engine) as session:
        assert contract_span(_ctx(session, directory)) is not None
        session.commit()


def _priced_pairs(engine: Engine, directory: ItemDirectory, name: str, shown: int = 3
                  ) -> tuple[list[str], list[set[tuple[str, str]] | None]]:
    """The months the page prices in full, and the store × item keys it prices to bring a
    kept month up to date (the page's figures equal Python's)."""
    pairs: list[set[tuple[str, str]] | None] = []
    real = downtime._changed_sums

    def spy(ctx: ReportContext, part: Any, only: Any) -> Any:
        pairs.append(set(only))
        return real(ctx, part, only)

    months: list[str] = []
    with mock.patch.object(downtime, "_changed_sums", spy), _page(shown):
        months = _priced_months(engine, directory, name)
    return months, pairs


def test_a_changed_month_with_live_outages_prices_only_the_keys_the_change_touched(
        engine: Engine, directory: ItemDirectory) -> None:
    rows = _busy_march(engine, directory)
    moved = ("store-002", "it.pos-down"), ("store-004", "it.pos-down")
    # a settled outage moved from store-002 to store-004: both keys, nothing else
    _change(engine, rows, [(1, _settled(41, "store-004", 4))])
    for name in ("downtime", "downtime-detail"):
        assert _priced_pairs(engine, directory, name) == ([], [set(moved)])
        assert _priced_pairs(engine, directory, name) == ([], [])  # kept again
    # two versions before the next view: the keys of both
    _change(engine, rows, [(1, _settled(41, "store-002", 4))])
    _take_in(engine, directory)
    _change(engine, rows, [(7, {**_settled(48, "store-003", 2), "category": "it.scale"})])
    for name in ("downtime", "downtime-detail"):
        assert _priced_pairs(engine, directory, name) == (
            [], [{*moved, ("store-003", "it.scale")}])
    # the dearest key (store-001's 8 h at the flagship rate) made cheap: shown one row, the
    # next dearest takes its place, sorted again from the kept sums, not from the cells
    _change(engine, rows, [(0, _settled(40, "store-001", 0)), (5, _settled(46, "store-001", 0))])
    for name in ("downtime", "downtime-detail"):
        months, pairs = _priced_pairs(engine, directory, name, shown=1)
        assert months == [] and pairs[-1] == {("store-001", "it.pos-down")}
    # a key emptied (its only outage deleted) leaves the sums and the totals
    _change(engine, rows, [(4, {**_settled(44, "store-005", 1), "state": "removed",
                                "state_type": "removed"})])
    assert _priced_pairs(engine, directory, "downtime") == (
        [], [{("store-005", "it.pos-down")}])


def test_the_refresh_names_the_keys_each_version_changed_and_keeps_the_newest(
        engine: Engine, directory: ItemDirectory) -> None:
    from radiant_ext.reports import contract_rollups
    from radiant_ext.store import ContractMonthChange, ContractMonthVersion

    rows = _busy_march(engine, directory)
    march = date(2026, 3, 1)

    def recorded() -> dict[int, set[tuple[str, str]]]:
        with engine.connect() as conn:
            found: dict[int, set[tuple[str, str]]] = {}
            for version, k1, k2 in conn.execute(select(
                    ContractMonthChange.version, ContractMonthChange.k1,
                    ContractMonthChange.k2).where(ContractMonthChange.month == march)):
                found.setdefault(version, set()).add((k1, k2))
            return found

    def version() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(ContractMonthVersion.version).where(
                ContractMonthVersion.month == march)) or 0)

    start = version()
    assert recorded() == {}  # a build records none: no kept figure outlives it
    with mock.patch.object(contract_rollups, "CHANGES_KEPT", 2):
        for hours in (5, 6, 7):
            _change(engine, rows, [(1, _settled(41, "store-002", hours))])
            _priced_months(engine, directory, "downtime")  # the page's refresh takes it in
        _change(engine, rows, [(2, _settled(42, "store-004", 9))])
        _priced_months(engine, directory, "downtime")
    assert version() == start + 4
    assert recorded() == {start + 3: {("store-002", "it.pos-down")},
                          start + 4: {("store-003", "it.pos-down"),
                                      ("store-004", "it.pos-down")}}
    # figures kept for a version whose changes are gone are priced in full
    with mock.patch.object(contract_rollups, "CHANGES_KEPT", 1):
        _change(engine, rows, [(1, _settled(41, "store-002", 8))])
        _take_in(engine, directory)
        _change(engine, rows, [(1, _settled(41, "store-002", 9))])
        assert _priced_months(engine, directory, "downtime") == ["2026-03"]


def test_a_month_brought_up_to_date_is_written_back_every_few_versions(
        engine: Engine, directory: ItemDirectory) -> None:
    from radiant_ext.store import ContractPriceMemo

    rows = _busy_march(engine, directory)
    march = date(2026, 3, 1)

    def stored() -> list[int]:
        """The versions of March's figures in the table."""
        with engine.connect() as conn:
            return sorted(int(v) for v in conn.scalars(select(ContractPriceMemo.version)
                                                       .where(ContractPriceMemo.month == march)))

    first = stored()
    assert len(first) == 2 and first[0] == first[1]  # the sums with the totals, with the rows
    with mock.patch.object(price_memo, "STORE_EVERY", 3):
        seen = []
        for hours in (5, 6, 7):  # three versions: kept in memory, then written back
            _change(engine, rows, [(1, _settled(41, "store-002", hours))])
            assert _priced_pairs(engine, directory, "downtime") == (
                [], [{("store-002", "it.pos-down")}])  # one version's keys at a time
            seen.append(stored())
        assert seen[0] == seen[1] == first
        assert seen[2] == [first[0], first[0] + 3]  # the totals' figure, three versions on
        # another process brings the table's figures up to date with every change since
        _change(engine, rows, [(2, _settled(42, "store-004", 9))])
        price_memo._parsed.clear()
        assert _priced_pairs(engine, directory, "downtime-detail") == (
            [], [{("store-002", "it.pos-down"), ("store-003", "it.pos-down"),
                  ("store-004", "it.pos-down")}])
