"""The asset index: the ``assets`` report read from it equals the report computed from every
ticket's form values, for random tickets and filters, after inserts, updates and deletes."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from radiant_ext.cli import build_cli
from radiant_ext.config import load_settings
from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.reports import ReportFilter, ReportSettings, run_report
from radiant_ext.reports.asset_index import keep_assets, rebuild_assets, refresh_assets
from radiant_ext.reports.assets import _collect
from radiant_ext.reports.context import ReportContext
from radiant_ext.store import ReportAsset, ReportAssetDirty, TicketCache, make_engine
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.report_rollups import keep_report_rollups
from tests.cli.conftest import make_store
from tests.reports.conftest import DIRECTORY, NOW
from tests.reports.test_reading import RU

ASSETS = replace(DIRECTORY, asset_fields={
    "it.pos-down": (("serial", "Serial number"),),
    "maintenance.hvac": (("model", "Unit model"), ("serial", "Serial number"))})
ITEMS = ("it.pos-down", "it.receipt-printer", "maintenance.hvac", "acme.scanner", None)
STORES = ("store-001", "store-007", "store-012", None)
SERIALS = ("SN-1", "sn-1 ", " SN-2", "sn-2", "SN-3", "Zebra DS2208", "x" * 230)
SETTINGS = ReportSettings()


def _ticket(rng: random.Random, tid: int) -> dict[str, Any]:
    form: dict[str, Any] | None = None
    if rng.random() < 0.85:
        form = {k: rng.choice(SERIALS) for k in ("serial", "model", "asset", "register")
                if rng.random() < 0.5}
        if rng.random() < 0.1:
            form["serial"] = rng.choice(("", "   ", 42, None))
    store = rng.choice(STORES)
    state = rng.choice(("open", "closed", "merged", "pending reminder", "removed"))
    return dict(ticket_id=tid, ticket_number=str(tid), title="t", state=state,
                state_type=state, queue="IT", category=rng.choice(ITEMS), store=store,
                customer_id=rng.choice((store, "store-007", None)),
                created=NOW - timedelta(hours=rng.randrange(0, 24 * 40)) if rng.random() < 0.95
                else None, form_values=form)


def _filters(rng: random.Random) -> list[ReportFilter]:
    found = [ReportFilter()]
    for _ in range(6):
        first = NOW.date() - timedelta(days=rng.randrange(0, 45))
        last = first + timedelta(days=rng.randrange(0, 20))
        found.append(ReportFilter.for_dates(
            first if rng.random() < 0.8 else None, last if rng.random() < 0.8 else None,
            SETTINGS.zone, department=rng.choice((None, "it", "maintenance", "acme", "hr")),
            store=rng.choice((None, None, "store-001", "store-012")),
            company=rng.choice((None, None, "store-007"))))
    return found


def _assert_index_answers_as_the_cache(engine: Engine, filters: list[ReportFilter]) -> None:
    with Session(engine) as session:
        for report_filter in filters:
            ctx = ReportContext(session, report_filter, SETTINGS, ASSETS, NOW)
            raw = [(a.item, a.field, a.value, a.tickets, a.open, a.first, a.last)
                   for a in _collect(ctx)]
            table = run_report("assets", session, report_filter, settings=SETTINGS,
                               directory=ASSETS, now=NOW)
            assert session.scalar(select(func.count()).select_from(ReportAssetDirty)) == 0
            got = [(r["item"], r["field"], r["asset"], r["tickets"], r["open"],
                    r["first"] or None, r["last"] or None) for r in table.records()]
            labels = {"serial": "Serial number", "model": "Unit model"}
            want = [(i, labels.get(f, f) if i in ASSETS.asset_fields else f, v, n, o,
                     first.isoformat() if first else None, last.isoformat() if last else None)
                    for i, f, v, n, o, first, last in raw]
            assert got == want, report_filter


def _index_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(ReportAsset).order_by(
            ReportAsset.ticket_id, ReportAsset.field))]


def _change(engine: Engine, rng: random.Random, next_id: int) -> None:
    """Inserts (one multi-row statement), updates of every watched kind, deletes."""
    with engine.begin() as conn:
        conn.execute(insert(TicketCache), [_ticket(rng, next_id + i) for i in range(15)])
        ids = list(conn.scalars(select(TicketCache.ticket_id)))
        for tid in rng.sample(ids, 12):
            other = _ticket(rng, tid)
            column = rng.choice(("form_values", "category", "state_type", "created", "store",
                                 "customer_id"))
            conn.execute(update(TicketCache).where(TicketCache.ticket_id == tid)
                         .values({column: other[column]}))
        conn.execute(delete(TicketCache).where(TicketCache.ticket_id.in_(rng.sample(ids, 6))))
        conn.execute(text("UPDATE ticket_cache SET title = 'renamed'"))  # not a change


@pytest.mark.parametrize("seed", [1, 2])
def test_the_index_answers_as_the_cache_does_after_inserts_updates_and_deletes(
        engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(insert(TicketCache), [_ticket(rng, i) for i in range(1, 61)])
        rebuild_assets(conn, ASSETS)
    assert _index_rows(engine)
    _assert_index_answers_as_the_cache(engine, _filters(rng))
    for round_ in range(2):
        _change(engine, rng, 1000 * (round_ + 1))
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ReportAssetDirty))
        _assert_index_answers_as_the_cache(engine, _filters(rng))  # the page takes them in
    refreshed = _index_rows(engine)
    with engine.begin() as conn:
        rebuild_assets(conn, ASSETS)
    assert _index_rows(engine) == refreshed


def test_the_index_is_not_read_when_the_asset_fields_changed_until_rebuilt(
        engine: Engine) -> None:
    rng = random.Random(3)
    with engine.begin() as conn:
        conn.execute(insert(TicketCache), [
            dict(_ticket(rng, i), category="it.pos-down", form_values={"serial": "SN-9"},
                 created=NOW) for i in range(1, 4)])
        rebuild_assets(conn, ASSETS)
    fewer = replace(ASSETS, asset_fields={})  # it.pos-down no longer has an asset field
    with engine.begin() as conn:
        assert not refresh_assets(conn, fewer).built
    with Session(engine) as session:
        table = run_report("assets", session, ReportFilter(), directory=fewer, now=NOW)
        assert table.rows == []  # read from the cache by the catalog as it is now
    assert keep_assets(engine, fewer) == {"assets_rebuilt": 3}  # the job rebuilds
    assert _index_rows(engine) == []
    assert keep_assets(engine, fewer) == {}


def test_a_backlog_beyond_the_page_limit_is_left_to_the_job(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import radiant_ext.reports.assets as assets

    monkeypatch.setattr(assets, "PAGE_REFRESH_LIMIT", 2)
    with engine.begin() as conn:
        rebuild_assets(conn, ASSETS)
        conn.execute(insert(TicketCache), [
            dict(_ticket(random.Random(i), i), category="it.pos-down",
                 form_values={"serial": "SN-5"}, created=NOW) for i in range(1, 4)])
    with Session(engine) as session:
        table = run_report("assets", session, ReportFilter(), directory=ASSETS, now=NOW)
        assert [(r["asset"], r["tickets"]) for r in table.records()] == [("SN-5", 3)]
    assert _index_rows(engine) == []  # the page read the cache and left the changes
    assert keep_assets(engine, ASSETS) == {"assets_taken_in": 3}
    assert len(_index_rows(engine)) == 3


def test_the_page_lists_the_most_troubled_devices_and_the_export_every_one(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import radiant_ext.reports.assets as assets

    monkeypatch.setattr(assets, "PAGE_DEVICES", 2)
    with engine.begin() as conn:
        conn.execute(insert(TicketCache), [
            dict(_ticket(random.Random(i), i), category="it.pos-down", created=NOW,
                 form_values={"serial": f"SN-{n}"})
            for i, n in enumerate((1, 1, 1, 2, 2, 3, 4), start=1)])
        rebuild_assets(conn, ASSETS)
    client = _client(engine)
    html = client.get("/reports/assets").get_data(as_text=True)
    table = html[html.index("<table"):html.index("</table>")]
    assert "SN-1" in table and "SN-2" in table and "SN-3" not in table
    assert "Shows the 2 devices with the most tickets; 2 more devices are left out." in html
    russian = client.get("/reports/assets", headers=RU).get_data(as_text=True)
    assert "ещё не показано устройств: 2" in russian
    export = client.get("/reports/assets/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(export)))
    assert [r[0] for r in rows[1:]] == ["SN-1", "SN-2", "SN-3", "SN-4"]


def _client(engine: Engine) -> FlaskClient:
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(*(object(),) * 4),  # type: ignore[arg-type]
        "PORTAL_SESSION_STORE": MemorySessionStore(3600), "PORTAL_SESSION_CHECK_SECONDS": 10**9,
        "REPORTS_ENGINE": engine, "REPORTS_SETTINGS": SETTINGS, "REPORTS_DIRECTORY": ASSETS,
        "REPORTS_AGENT_AUTH": lambda login, pw: pw == "demo", "REPORTS_CLOCK": lambda: NOW})
    client = app.test_client()
    client.post("/reports/login", data={"login": "it-agent", "password": "demo"})
    return client


def test_report_rebuild_and_the_job_keep_the_index_by_the_installed_catalogs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("RADIANT_DATABASE_URL", raising=False)
    engine = make_engine(f"sqlite:///{make_store(tmp_path)}")
    with engine.begin() as conn:  # the IT catalog's cash register has a serial field
        conn.execute(update(TicketCache).values(form_values={"serial": "SN-0042"}))
    result = CliRunner().invoke(build_cli(), ["report-rebuild"])
    assert result.exit_code == 0, result.stderr
    assert "asset index rebuilt: 3 tickets with form values in " in result.stderr
    with engine.begin() as conn:
        conn.execute(update(TicketCache).where(TicketCache.ticket_id == 1)
                     .values(form_values={"serial": "SN-7"}))
    ctx = JobContext(settings=load_settings(), engine=engine, now=lambda: NOW)
    assert keep_report_rollups(ctx)["assets_taken_in"] == 1
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(ReportAsset.value))) == ["SN-0042", "SN-0042", "SN-7"]
    engine.dispose()


def _spread(rng: random.Random, tid: int) -> dict[str, Any]:
    """A ticket with an asset field of a few devices, created any minute of 100 days."""
    return dict(_ticket(rng, tid), category=rng.choice(("it.pos-down", "maintenance.hvac")),
                form_values={"serial": rng.choice(SERIALS[:5])},
                created=NOW - timedelta(minutes=rng.randrange(0, 100 * 24 * 60)))


def _periods(rng: random.Random) -> list[ReportFilter]:
    """Periods starting at UTC midnight, at the report zone's midnight and at any minute,
    from a day to ten weeks long (most hold whole 8-day blocks, some none)."""
    found = []
    for _ in range(25):
        day = NOW - timedelta(days=rng.randrange(0, 100))
        start = rng.choice((
            day.replace(hour=0, minute=0, second=0, microsecond=0),
            day.astimezone(SETTINGS.zone).replace(hour=0, minute=0, second=0, microsecond=0),
            day - timedelta(minutes=rng.randrange(0, 24 * 60))))
        end = start + timedelta(days=rng.randrange(1, 70), minutes=rng.choice((0, 37)))
        found.append(ReportFilter(start=start, end=end))
    return found


def test_the_running_totals_count_every_period_as_the_rows_do(engine: Engine) -> None:
    from radiant_ext.reports.asset_totals import ASSET_TOTALS, build_asset_totals
    from radiant_ext.reports.assets import _from_totals, _grouped
    from radiant_ext.reports.pair_prefix import running_totals
    from tests.reports.test_pair_totals import changes_of

    rng = random.Random(7)
    with engine.begin() as conn:
        conn.execute(insert(TicketCache), [_spread(rng, i) for i in range(1, 301)])
        rebuild_assets(conn, ASSETS)
    answered = 0
    for round_ in range(3):
        if round_:
            with engine.begin() as conn:  # new devices, tickets moved, closed, deleted
                conn.execute(insert(TicketCache), [_spread(rng, 1000 * round_ + i)
                                                   for i in range(40)])
                ids = list(conn.scalars(select(TicketCache.ticket_id)))
                for tid in rng.sample(ids, 40):
                    other = _spread(rng, tid)
                    column = rng.choice(("form_values", "state_type", "created"))
                    conn.execute(update(TicketCache).where(TicketCache.ticket_id == tid)
                                 .values({column: other[column]}))
                conn.execute(delete(TicketCache).where(TicketCache.ticket_id.in_(
                    rng.sample(ids, 20))))
                assert refresh_assets(conn, ASSETS).tickets
        with Session(engine) as session:
            for period in _periods(rng):
                ctx = ReportContext(session, period, SETTINGS, ASSETS, NOW)
                for limit in (None, 2):
                    totals = _from_totals(ctx, limit)
                    if period.end - period.start >= timedelta(days=16):
                        assert totals is not None, period  # a whole block always inside
                    if totals is not None:
                        answered += 1
                        assert totals == _grouped(ctx, limit), (period, limit)
    assert answered > 100
    with engine.begin() as conn:
        kept = changes_of(running_totals(conn, ASSET_TOTALS))
        build_asset_totals(conn)
        assert changes_of(running_totals(conn, ASSET_TOTALS)) == kept  # as a rebuild makes


def test_a_filtered_or_open_period_is_grouped_from_the_rows(engine: Engine) -> None:
    from radiant_ext.reports.assets import _from_totals

    with engine.begin() as conn:
        conn.execute(insert(TicketCache), [_spread(random.Random(i), i) for i in range(1, 9)])
        rebuild_assets(conn, ASSETS)
    start = NOW - timedelta(days=60)
    with Session(engine) as session:
        for period in (ReportFilter(start=start, end=NOW, store="store-001"),
                       ReportFilter(start=start, end=NOW, company="store-007"),
                       ReportFilter(start=start, end=NOW, department="it"),
                       ReportFilter(start=start), ReportFilter(end=NOW), ReportFilter(),
                       ReportFilter(start=NOW - timedelta(days=9), end=NOW)):
            ctx = ReportContext(session, period, SETTINGS, ASSETS, NOW)
            assert _from_totals(ctx, None) is None, period
