"""Roll-ups: every report they answer equals the report over the raw cache, and the cells kept
ticket by ticket equal the cells built from scratch — across month ends, daylight saving,
reopened, recategorised and deleted tickets, ratings given, changed and removed, in several
zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.orm import Session

from radiant_ext.reports import ReportFilter, ReportSettings
from radiant_ext.reports._sql import nearest_rank
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.pair_prefix import running_totals
from radiant_ext.reports.registry import REPORTS
from radiant_ext.reports.rollup_read import blocks
from radiant_ext.reports.rollups import CELLS, CONTRIBUTIONS, LIVE, hist_bucket, rebuild, refresh
from radiant_ext.reports.sla import SlaBy, _key
from radiant_ext.reports.steps import open_query
from radiant_ext.reports.volume import _pairs
from radiant_ext.store import (
    ReportCell,
    ReportContribution,
    ReportDirty,
    ReportKey,
    ReportLive,
    ReportRollupState,
    SatisfactionRating,
    TicketCache,
)
from radiant_ext.store.rollups import HIST_BUCKETS
from tests.reports.conftest import DIRECTORY
from tests.reports.test_pair_totals import changes_of

NOW = datetime(2026, 4, 5, 12, 0, tzinfo=UTC)
BASE = datetime(2026, 2, 20, tzinfo=UTC)
"""Tickets from here to a little after NOW: two month ends and both daylight saving switches
(America 8 March, Europe 29 March 2026)."""
ZONES = ("Europe/Berlin", "America/New_York", "Europe/Moscow")
ROLLED = ("volume", "recurring", "weekday-hour", "departments", "items", "stores", "sla-items",
          "sla-stores", "sla-owners", "backlog", "satisfaction-items", "satisfaction-departments",
          "satisfaction-stores", "satisfaction-owners", "satisfaction-months")
DEPARTMENT_CELLS = ("items", "departments", "sla-items", "satisfaction-items",
                    "satisfaction-departments")
"""Reports that apply a department filter to the cells of the item cube themselves."""
OPEN_ONLY = ("backlog",)
"""Reports of open tickets: read from ``report_live`` whatever the filter."""
PERCENTILES = {"response_median": ("first_response_minutes", 50),
               "response_p90": ("first_response_minutes", 90),
               "solution_median": ("solution_minutes", 50),
               "solution_p90": ("solution_minutes", 90)}
SLOW = settings(max_examples=10, deadline=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
"""Every example fills a database: no shrinking (minutes), a failure shows its example as is."""

minutes = st.integers(min_value=0, max_value=60 * 24 * 50)
ratings = st.none() | st.fixed_dictionaries({
    "rating": st.integers(1, 5), "owner": st.sampled_from((None, "it-agent", "hr-agent")),
    "comment": st.sampled_from(("", "slow", "fine")),
    "rated_at": st.integers(0, 60 * 24 * 50).map(lambda m: BASE + timedelta(minutes=m))})


def _offset(value: int | None, base: datetime) -> datetime | None:
    return None if value is None else base + timedelta(minutes=value)


@st.composite
def tickets(draw: st.DrawFn) -> dict[str, Any]:
    """One cache row: any state, deadlines met, missed or not yet due, values or none."""
    created = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 48)))
    state = draw(st.sampled_from(("open", "closed", "closed", "removed", "merged", "new")))
    closed = _offset(draw(st.none() | minutes), created) if state != "open" else None
    return dict(
        ticket_number="n", title="t", state=state, state_type=state,
        queue="q", category=draw(st.sampled_from(
            (None, "it.pos-down", "it.receipt-printer", "maintenance.hvac", "hr.x"))),
        store=draw(st.sampled_from((None, "store-001", "store-007", "web"))),
        customer_id=draw(st.sampled_from((None, "store-001", "store-007", "shoppers"))),
        owner=draw(st.sampled_from((None, "it-agent", "hr-agent"))),
        created=draw(st.sampled_from((created, created, created, None))),
        closed=closed,
        first_response_at=_offset(draw(st.none() | minutes), created),
        first_response_minutes=draw(st.none() | minutes),
        solution_minutes=draw(st.none() | minutes),
        first_response_deadline=_offset(draw(st.none() | minutes), created),
        promised_deadline=_offset(draw(st.none() | minutes), created),
        solution_deadline=_offset(draw(st.none() | minutes), created),
        _rating=draw(ratings))


days = st.dates(min_value=date(2026, 2, 15), max_value=date(2026, 4, 20))


@st.composite
def filters(draw: st.DrawFn, zone: str) -> ReportFilter:
    """Whole local days (or no bound), maybe a department, rarely a store or company."""
    first, last = draw(st.none() | days), draw(st.none() | days)
    if first and last and last < first:
        first, last = last, first
    from zoneinfo import ZoneInfo

    return ReportFilter.for_dates(
        first, last, ZoneInfo(zone), period=draw(st.sampled_from(("day", "week", "month"))),
        department=draw(st.sampled_from((None, None, "it", "maintenance"))),
        store=draw(st.sampled_from((None,) * 6 + ("store-001",))),
        company=draw(st.sampled_from((None,) * 6 + ("store-007",))))


def _clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (SatisfactionRating, TicketCache, ReportCell, ReportContribution,
                      ReportLive, ReportKey, ReportDirty, ReportRollupState):
            conn.execute(delete(table))


def _rating_row(ticket_id: int, rating: dict[str, Any]) -> dict[str, Any]:
    return {"ticket_id": ticket_id, "ticket_number": str(ticket_id), "rated_by": "u",
            "via": "portal", "follow_up": "", "attempts": 0, "last_error": "", **rating}


def _insert(engine: Engine, rows: list[dict[str, Any]], first_id: int = 1) -> None:
    if rows:
        with engine.begin() as conn:  # a multi-row insert, as the pull does
            conn.execute(insert(TicketCache), [
                {**{k: v for k, v in r.items() if k != "_rating"}, "ticket_id": first_id + i}
                for i, r in enumerate(rows)])
            rated = [_rating_row(first_id + i, r["_rating"]) for i, r in enumerate(rows)
                     if r.get("_rating")]
            if rated:
                conn.execute(insert(SatisfactionRating), rated)


def _reference_percentiles(session: Session, ctx: ReportContext, by: str
                           ) -> dict[str, dict[str, int | None]]:
    """The percentiles over the raw cache with the roll-ups' buckets (lower edges)."""
    t = TicketCache
    found: dict[str, dict[str, dict[int, int]]] = {}
    stmt = (select(_key(cast(SlaBy, by)), t.first_response_minutes, t.solution_minutes)
            .where(*ctx.where()))
    for key, response, solution in session.execute(stmt):
        hists = found.setdefault(key or "", {})
        for column, value in (("first_response_minutes", response),
                              ("solution_minutes", solution)):
            bucket = hist_bucket(value)
            if bucket is not None:
                hist = hists.setdefault(column, {})
                hist[HIST_BUCKETS[bucket]] = hist.get(HIST_BUCKETS[bucket], 0) + 1
    return {key: {col: nearest_rank(hists.get(source, {}), pct)
                  for col, (source, pct) in PERCENTILES.items()}
            for key, hists in found.items()}


def _answered(report_filter: ReportFilter, name: str) -> bool:
    """Whether the roll-ups must answer this report and filter."""
    if name in OPEN_ONLY:
        return True
    if report_filter.store or report_filter.company:
        return False
    return not report_filter.department or name in DEPARTMENT_CELLS


def assert_reports_match(engine: Engine, zone: str, report_filter: ReportFilter) -> None:
    """Every rolled-up report equals its computation over the raw cache."""
    report_settings = ReportSettings(time_zone=zone)
    for name in ROLLED:
        with Session(engine) as session:
            raw_ctx = ReportContext(session, report_filter, report_settings, DIRECTORY, NOW)
            raw_ctx._rollups = False
            raw = REPORTS[name].compute(raw_ctx)
            ctx = ReportContext(session, report_filter, report_settings, DIRECTORY, NOW)
            rolled = REPORTS[name].compute(ctx)
            assert bool(ctx._rollups) == _answered(report_filter, name), name
            if name == "recurring":  # every pair's count, not only the 50 shown
                assert sorted(_pairs(ctx)) == sorted(_pairs(raw_ctx))
            if not name.startswith("sla-") or not ctx._rollups:
                assert rolled.rows == raw.rows, name
                continue
            reference = _reference_percentiles(session, raw_ctx, name[4:-1])
            keep = [c.key for c in raw.columns if c.key not in PERCENTILES]
            assert ([{k: r[k] for k in keep} for r in rolled.records()]
                    == [{k: r[k] for k in keep} for r in raw.records()]), name
            for record in rolled.records():
                expected = reference.get(record["key"], dict.fromkeys(PERCENTILES))
                assert {k: record[k] for k in PERCENTILES} == expected, name


def _running_totals(conn: Any) -> set[tuple[Any, ...]]:
    """The running totals as the blocks where a pair's total changes: a refresh may leave
    blocks of zero before a pair's first block and copies after its last, and keeps the
    pairs in another order, which read the same as the rebuild's."""
    return changes_of(running_totals(conn))


def _snapshot(engine: Engine) -> tuple[set[tuple[Any, ...]], ...]:
    with engine.connect() as conn:
        cells = {tuple(r) for r in conn.execute(select(CELLS).where(
            CELLS.c.tickets != 0))}
        cells |= _running_totals(conn)
        contributions = {tuple(r) for r in conn.execute(select(CONTRIBUTIONS))}
        live = {tuple(r) for r in conn.execute(select(LIVE))}
        keys = {tuple(r) for r in conn.execute(select(ReportKey.cube, ReportKey.key))}
    # the page choices' keys: exactly the item and store keys with month cells
    assert keys == {(cell[0], cell[3]) for cell in cells
                    if len(cell) > 4 and cell[0] in ("item", "store") and cell[1] == 4}
    return cells, contributions, live, keys


@SLOW
@given(data=st.data(), rows=st.lists(tickets(), max_size=40), zone=st.sampled_from(ZONES))
def test_rebuilt_rollups_answer_every_report_as_the_raw_cache_does(
        engine: Engine, data: st.DataObject, rows: list[dict[str, Any]], zone: str) -> None:
    _clear(engine)
    _insert(engine, rows)
    with engine.begin() as conn:
        from zoneinfo import ZoneInfo

        rebuild(conn, ZoneInfo(zone), NOW)
    for report_filter in data.draw(st.lists(filters(zone), min_size=3, max_size=3)):
        assert_reports_match(engine, zone, report_filter)


changes = st.fixed_dictionaries({}, optional={
    "state_type": st.sampled_from(("open", "closed", "merged")),
    "category": st.sampled_from((None, "it.pos-down", "maintenance.hvac")),
    "store": st.sampled_from((None, "store-001", "store-007")),
    "owner": st.sampled_from(("it-agent", "hr-agent")),
    "closed": st.none() | st.just(BASE + timedelta(days=3)),
    "first_response_at": st.none() | st.just(BASE + timedelta(hours=2)),
    "solution_minutes": st.none() | minutes,
    "promised_deadline": st.none() | st.just(NOW + timedelta(days=2)),
    "state": st.sampled_from(("new", "in review", "closed successful")),
    "state_since": st.none() | st.just(NOW - timedelta(hours=5)),
    "title": st.just("renamed"),
})


@SLOW
@given(data=st.data(), first=st.lists(tickets(), max_size=25),
       later=st.lists(tickets(), max_size=10), zone=st.sampled_from(ZONES),
       edits=st.lists(st.tuples(st.integers(1, 35), changes), max_size=25),
       deleted=st.sets(st.integers(1, 35), max_size=5),
       rated=st.lists(st.tuples(st.integers(1, 35), ratings), max_size=12))
def test_refreshed_rollups_equal_a_rebuild_after_any_changes(
        engine: Engine, data: st.DataObject, first: list[dict[str, Any]],
        later: list[dict[str, Any]], zone: str, edits: list[tuple[int, dict[str, Any]]],
        deleted: set[int], rated: list[tuple[int, dict[str, Any] | None]]) -> None:
    from zoneinfo import ZoneInfo

    _clear(engine)
    _insert(engine, first)
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(zone), NOW - timedelta(days=10))
    _insert(engine, later, first_id=len(first) + 1)
    with Session(engine) as session:  # ORM updates, as the webhook and the jobs make them
        for ticket_id, values in edits[::2]:
            row = session.get(TicketCache, ticket_id)
            for field, value in values.items():
                setattr(row, field, value) if row is not None else None
        session.commit()
    with engine.begin() as conn:  # Core updates and deletes
        for ticket_id, values in edits[1::2]:
            if values:
                conn.execute(update(TicketCache).where(TicketCache.ticket_id == ticket_id)
                             .values(**values))
        conn.execute(delete(TicketCache).where(TicketCache.ticket_id.in_(deleted)))
    _change_ratings(engine, rated)
    with engine.begin() as conn:
        assert refresh(conn, ZoneInfo(zone), NOW).built
        assert conn.scalar(select(ReportDirty.id)) is None
    kept = _snapshot(engine)
    assert_reports_match(engine, zone, data.draw(filters(zone)))
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo(zone), NOW)
    assert _snapshot(engine) == kept


def _change_ratings(engine: Engine, rated: list[tuple[int, dict[str, Any] | None]]) -> None:
    """Give, change (value, owner, comment) or remove ratings, as the portal, the rating link
    and an administrator's SQL would."""
    r = SatisfactionRating
    with engine.begin() as conn:
        for ticket_id, rating in rated:
            if rating is None:
                conn.execute(delete(r).where(r.ticket_id == ticket_id))
            elif conn.scalar(select(r.id).where(r.ticket_id == ticket_id)) is None:
                conn.execute(insert(r).values(**_rating_row(ticket_id, rating)))
            else:
                conn.execute(update(r).where(r.ticket_id == ticket_id).values(**rating))


@given(first=days, last=days)
def test_a_period_is_cut_into_blocks_that_cover_each_day_once(first: date, last: date) -> None:
    months, singles = blocks(min(first, last), max(first, last))
    covered: list[date] = []
    for level, start in singles:
        assert (start.day - 1) % (1 << level) == 0
        size = 1 << level
        covered += [start + timedelta(days=i) for i in range(size)
                    if (start + timedelta(days=i)).month == start.month]
    if months is not None:
        day = months[0]
        while day.replace(day=1) <= months[1]:
            covered.append(day)
            day += timedelta(days=1)
    assert sorted(covered) == [min(first, last) + timedelta(days=i)
                               for i in range(abs((last - first).days) + 1)]
    assert len(singles) <= 12


def test_rollups_cut_in_another_zone_are_not_read_until_rebuilt(engine: Engine) -> None:
    from zoneinfo import ZoneInfo

    _clear(engine)
    _insert(engine, [dict(ticket_number="1", state_type="closed", state="closed", queue="q",
                          category="it.pos-down", store="store-001", customer_id="store-001",
                          created=NOW - timedelta(days=2), closed=NOW - timedelta(days=1))])
    with engine.begin() as conn:
        rebuild(conn, ZoneInfo("Europe/Moscow"), NOW)
        assert not refresh(conn, ZoneInfo("Europe/Berlin"), NOW).built
    berlin = ReportSettings(time_zone="Europe/Berlin")
    with Session(engine) as session:
        ctx = ReportContext(session, ReportFilter(), berlin, DIRECTORY, NOW)
        table = REPORTS["items"].compute(ctx)
        assert ctx._rollups is False
        assert table.lookup("item", "it.pos-down") is not None
        early = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY,
                              NOW - timedelta(hours=1))
        REPORTS["stores"].compute(early)
        assert early._rollups is False  # judged at NOW: an earlier clock reads the cache


def test_a_closed_ticket_whose_deadline_passes_settles_at_the_next_refresh(
        engine: Engine) -> None:
    from zoneinfo import ZoneInfo

    _clear(engine)
    due = NOW + timedelta(hours=5)  # closed unanswered, its response deadline still ahead
    _insert(engine, [dict(ticket_number="1", state_type="closed", state="closed", queue="q",
                          category="it.pos-down", store="store-001", customer_id="store-001",
                          owner="it-agent", created=NOW - timedelta(hours=1), closed=NOW,
                          first_response_deadline=due)])
    zone = ZoneInfo("Europe/Moscow")
    with engine.begin() as conn:
        rebuild(conn, zone, NOW)
        assert conn.scalar(select(LIVE.c.ticket_id)) == 1
        assert refresh(conn, zone, NOW + timedelta(hours=1)).tickets == 0  # not due yet
        assert refresh(conn, zone, due + timedelta(minutes=1)).tickets == 1
        assert conn.scalar(select(LIVE.c.ticket_id)) is None
    with Session(engine) as session:
        ctx = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY,
                            due + timedelta(hours=1))
        row = REPORTS["sla-owners"].compute(ctx).lookup("key", "it-agent")
        assert ctx._rollups and row is not None
        assert (row["response_met"], row["response_missed"]) == (0, 1)


def _rebuilt_with(engine: Engine, **ticket: Any) -> Any:
    """An empty store with one ticket (``ticket`` over a closed ``it.pos-down`` ticket of
    store-001), its roll-ups rebuilt in Moscow at NOW; the zone."""
    from zoneinfo import ZoneInfo

    _clear(engine)
    _insert(engine, [{**dict(ticket_number="1", state_type="closed", state="closed", queue="q",
                             category="it.pos-down", store="store-001",
                             customer_id="store-001"), **ticket}])
    zone = ZoneInfo("Europe/Moscow")
    with engine.begin() as conn:
        rebuild(conn, zone, NOW)
    return zone


def test_a_step_change_alone_reaches_the_live_copy_and_steps_now_at_the_next_refresh(
        engine: Engine) -> None:
    """An open ticket moving to another step keeps its state type: the update trigger
    watches the state and its time too, so ``steps-now`` (which reads the copies) follows."""
    zone = _rebuilt_with(engine, state_type="open", state="new", owner="it-agent",
                         created=NOW - timedelta(hours=3), state_since=NOW - timedelta(hours=3))
    moved = NOW - timedelta(minutes=30)
    with engine.begin() as conn:
        conn.execute(update(TicketCache).where(TicketCache.ticket_id == 1)
                     .values(state="in review", state_since=moved))
        assert conn.scalar(select(ReportDirty.ticket_id)) == 1
        assert refresh(conn, zone, NOW).tickets == 1
        live = conn.execute(select(LIVE.c.state, LIVE.c.state_since)).one()
    assert tuple(live) == ("in review", moved)
    with Session(engine) as session:
        ctx = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY, NOW)
        table = REPORTS["steps-now"].compute(ctx)
        assert "FROM report_live" in str(open_query(ctx))  # the copies, not the cache
    assert [(r["state"], r["tickets"]) for r in table.records()] == [("in review", 1)]


def test_a_backlog_beyond_the_page_limit_is_left_to_the_job_and_the_page_reads_the_cache(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    from radiant_ext.reports import rollup_read

    _clear(engine)
    zone = ZoneInfo("Europe/Moscow")
    with engine.begin() as conn:
        rebuild(conn, zone, NOW)
    row = dict(ticket_number="1", state_type="closed", state="closed", queue="q",
               category="it.pos-down", store="store-001", customer_id="store-001",
               created=NOW - timedelta(days=2), closed=NOW - timedelta(days=1))
    _insert(engine, [row, row, row])
    monkeypatch.setattr(rollup_read, "PAGE_REFRESH_LIMIT", 2)
    with Session(engine) as session:
        ctx = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY, NOW)
        assert REPORTS["stores"].compute(ctx).values("tickets") == [3]
        assert ctx._rollups is False
    with engine.begin() as conn:  # the job's way: batches until none is pending
        assert refresh(conn, zone, NOW, limit=2).pending
        done = refresh(conn, zone, NOW, limit=2)
        assert (done.tickets, done.pending) == (1, False)
    with Session(engine) as session:
        ctx = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY, NOW)
        assert REPORTS["stores"].compute(ctx).values("tickets") == [3]
        assert ctx._rollups is True


def test_a_rating_given_changed_or_removed_reaches_the_cells_at_the_next_refresh(
        engine: Engine) -> None:
    _rebuilt_with(engine, owner="hr-agent", created=NOW - timedelta(days=2),
                  closed=NOW - timedelta(days=1))

    def owners() -> dict[str, tuple[int, int, float | None, int]]:
        with Session(engine) as session:
            ctx = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY, NOW)
            table = REPORTS["satisfaction-owners"].compute(ctx)
            assert ctx._rollups is True
            session.commit()
        with engine.connect() as conn:
            assert conn.scalar(select(ReportDirty.id)) is None  # the page took it in
        return {r["key"]: (r["tickets"], r["rated"], r["average"], r["poor"])
                for r in table.records()}

    assert owners() == {"hr-agent": (1, 0, None, 0)}
    rated = dict(rating=2, owner="it-agent", comment="slow", rated_at=NOW)
    _change_ratings(engine, [(1, rated)])  # rated while it-agent owned it
    assert owners() == {"it-agent": (1, 1, 2.0, 1)}
    _change_ratings(engine, [(1, dict(rating=5))])
    assert owners() == {"it-agent": (1, 1, 5.0, 0)}
    _change_ratings(engine, [(1, None)])
    assert owners() == {"hr-agent": (1, 0, None, 0)}


def test_the_worst_comments_are_the_lowest_ratings_newest_first_within_the_filter(
        engine: Engine) -> None:
    _clear(engine)
    ticket = dict(ticket_number="1", state_type="closed", state="closed", queue="q",
                  category="it.pos-down", store="store-001", customer_id="store-001",
                  created=NOW - timedelta(days=2), closed=NOW - timedelta(days=1))
    _insert(engine, [{**ticket, "created": NOW - timedelta(days=40 if i == 4 else 2)}
                     for i in range(60)])
    given = [(i + 1, dict(rating=1 + i % 3, owner=None, comment="" if i == 5 else f"c{i}",
                          rated_at=NOW - timedelta(minutes=i))) for i in range(60)]
    _change_ratings(engine, given)
    week = ReportFilter(start=NOW - timedelta(days=7))
    with Session(engine) as session:
        ctx = ReportContext(session, week, ReportSettings(), DIRECTORY, NOW)
        rows = REPORTS["satisfaction-comments"].compute(ctx).records()
    expected = sorted((r for i, r in given if r["comment"] and i != 5),
                      key=lambda r: (r["rating"], -r["rated_at"].timestamp()))
    assert [r["comment"] for r in rows] == [r["comment"] for r in expected][:50]
    assert [r["rating"] for r in rows][:20] == [1] * 20 and rows[20]["rating"] == 2


def test_create_all_gives_the_rating_triggers_the_migrations_give(
        engine: Engine, tmp_path: Path) -> None:
    from radiant_ext.store import Base, make_engine

    def triggers(target: Engine) -> set[str]:
        with target.connect() as conn:
            if target.dialect.name == "sqlite":
                stmt = text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            else:
                stmt = text("SELECT DISTINCT trigger_name FROM information_schema.triggers "
                            "WHERE trigger_schema = current_schema()")
            return {n for n in conn.scalars(stmt) if n.startswith("report_dirty")}

    created = make_engine(f"sqlite:///{tmp_path / 'created.sqlite3'}")
    Base.metadata.create_all(created)
    try:
        assert {"report_dirty_rating_insert", "report_dirty_rating_update"} <= triggers(engine)
        if engine.dialect.name == "sqlite":
            assert triggers(created) == triggers(engine)
        with created.begin() as conn:
            conn.execute(insert(SatisfactionRating).values(**_rating_row(
                7, dict(rating=3, owner=None, comment="", rated_at=NOW))))
            assert conn.scalar(select(ReportDirty.ticket_id)) == 7
    finally:
        created.dispose()


def test_the_migration_lists_the_keys_of_the_month_cells_and_the_live_tickets_own(
        tmp_path: Path) -> None:
    """Roll-ups built before ``report_key``: the migration lists the item and store keys with
    month cells, and gives each live ticket its item and store from the cache."""
    from radiant_ext.store import upgrade_database
    from tests._store_fixtures import store_engine

    with store_engine("sqlite", tmp_path, suite="rollups", migrate=False) as engine:
        upgrade_database(engine, "0020")
        cell = {"tickets": 1, "r_met": 0, "r_missed": 0, "s_met": 0, "s_missed": 0}
        with engine.begin() as conn:
            conn.execute(insert(CELLS), [
                cell | {"cube": "item", "level": 4, "start": date(2026, 3, 1),
                        "key": "it.pos-down"},
                cell | {"cube": "store", "level": 4, "start": date(2026, 3, 1),
                        "key": "store-001"},
                cell | {"cube": "store", "level": 0, "start": date(2026, 3, 2),
                        "key": "store-002"},  # a day cell alone lists nothing
                cell | {"cube": "owner", "level": 4, "start": date(2026, 3, 1),
                        "key": "it-agent"}])
            conn.execute(insert(TicketCache.__table__).values(
                ticket_id=7, ticket_number="7", title="t", queue="IT", state="open",
                state_type="open", priority="3 normal", category="maintenance.hvac",
                store=None, customer_id="store-009"))
            conn.execute(text("INSERT INTO report_live (ticket_id) VALUES (7)"))
        upgrade_database(engine)
        with engine.connect() as conn:
            assert set(conn.execute(select(ReportKey.cube, ReportKey.key))) == {
                ("item", "it.pos-down"), ("store", "store-001")}
            assert list(conn.execute(select(LIVE.c.ticket_id, LIVE.c.item, LIVE.c.store))) == [
                (7, "maintenance.hvac", "store-009")]
