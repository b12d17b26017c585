"""Time every report page over a retail chain's ticket cache at growing sizes, SQLite and
PostgreSQL in one run: the growth table of docs/performance.md, "Reports".

Usage::

    python benchmarks/reports.py [--sizes 1000,10000,100000,1000000] [--rounds 15]
        [--databases sqlite,postgres] [--postgres-url URL] [--pages assets,guest-feedback]
        [--no-catalogs] [--keep DIR [--reuse]]

For each size and database the cache is filled with a chain of 500 stores (20 flagships file
five times as much), 24 catalog items, 50 owners and tickets spread over the last 2.5 years
(the sandbox's weekday and hour weights, the recurring printer at one store; a quarter of the
closed tickets rated, mostly well, poor ratings often with a comment), the roll-ups are
built by the rebuild that ``radiant-ext report-rebuild`` runs (its seconds are printed), and
every report page is requested through the portal as an agent would (the installed catalogs'
items, downtime costs and asset fields, unless ``--no-catalogs``), with the default filter
(the last 365 days). Pages are interleaved: each round requests all of them, in an order
rotated by one per round; the first request of a page (cold) is left out of p50 / max. The
growth column is p50 at the largest size over p50 at 10,000. PostgreSQL gets a database of
its own (:data:`DATABASE`), dropped afterwards, and ``VACUUM ANALYZE`` after the fill and the
rebuild, as autovacuum would, then a ``CHECKPOINT`` (the rebuild writes about a gigabyte at a
million tickets; flushed by the checkpointer during the rounds it slowed some pages by half);
SQLite gets ``ANALYZE``, its write-ahead log checkpointed and the files flushed to disk.

``--keep DIR`` keeps every filled cache: SQLite as ``DIR/reports-SIZE.sqlite3``, PostgreSQL as
the database ``radiant_report_bench_SIZE``. ``--reuse`` measures a kept cache again when it
holds the size asked for (the fill is seeded, so it is the same cache a new fill would make),
upgraded to the current schema; the roll-ups are rebuilt in every run, since the code that
builds them may have changed.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select, text, update

from radiant_ext.cli.http_worker import freeze_loaded
from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.reports import REPORTS, ItemDirectory, ReportSettings
from radiant_ext.reports.asset_index import rebuild_assets
from radiant_ext.reports.contract_rollups import (
    ContractFigures,
    rebuild_contracts,
    refresh_contracts,
)
from radiant_ext.reports.rollups import rebuild, refresh
from radiant_ext.store import (
    ContractContribution,
    SatisfactionRating,
    TicketCache,
    make_engine,
    upgrade_database,
)
from radiant_ext_sandbox.seeds.history import (
    CATEGORIES,
    HOUR_WEIGHTS,
    PRINTER_STORE,
    WEEKDAY_WEIGHTS,
)
from radiant_ext_sandbox.seeds.retail import sla_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DAYS = 913
"""Tickets are spread over the last 2.5 years."""
STORES = 500
FLAGSHIPS = 20
EXTRA_ITEMS = (("it.scanner", "IT::Scanner", 5), ("it.scale", "IT::Scale", 4),
               ("it.self-checkout", "IT::Self-checkout", 5),
               ("maintenance.lighting", "Maintenance::Lighting", 4),
               ("maintenance.doors", "Maintenance::Doors", 3),
               ("customer-service.returns", "Customer Service::Returns", 4),
               ("it.software-defect", "IT::Software defect", 3))
"""``it.software-defect`` has a workflow whose steps have limits: ``steps-now`` counts its open
tickets past them in business hours."""
ITEMS = [(c[0], c[1], c[2], c[3], c[5]) for c in CATEGORIES] + [
    (i, s, "Incident", i, w) for i, s, w in EXTRA_ITEMS]
OWNERS = [f"agent-{i:02d}" for i in range(50)]
SLA_HOURS = {"POS critical": 4, "IT standard": 24, "HR standard": 30,
             "Maintenance contract": 6, "Customer Service standard": 20}
PG_URL = "postgresql+psycopg://radiant:radiant@127.0.0.1:5432/radiant_test"
DATABASE = "radiant_report_bench"
"""The benchmark's own PostgreSQL database: in a shared one another client's long transaction
keeps VACUUM from clearing the million dead rows the roll-up rebuild leaves in
``report_dirty`` and ``contract_dirty``, which every page's refresh then reads past."""
STORE_WEIGHTS = [5 if n <= FLAGSHIPS else 1 for n in range(1, STORES + 1)]


def _ticket(i: int, rng: random.Random) -> dict[str, Any]:
    n = rng.choices(range(1, STORES + 1), weights=STORE_WEIGHTS)[0]
    store = f"store-{n:03d}"
    if store == PRINTER_STORE and rng.random() < 0.3:
        item = ITEMS[1]
    else:
        item = rng.choices(ITEMS, weights=[c[4] for c in ITEMS])[0]
    while True:
        day = NOW.date() - timedelta(days=rng.randrange(1, DAYS))
        if rng.random() * 2.0 < WEEKDAY_WEIGHTS[day.weekday()]:
            break
    hour = rng.choices(list(HOUR_WEIGHTS), weights=list(HOUR_WEIGHTS.values()))[0]
    created = datetime(day.year, day.month, day.day, hour, rng.randrange(60),
                       tzinfo=UTC) - timedelta(hours=3)
    sla = sla_for(item[1])
    solved = created + timedelta(minutes=rng.randrange(20, 3 * 24 * 60))
    closed = solved if solved < NOW and (created < NOW - timedelta(days=3)
                                         or rng.random() < 0.5) else None
    answered = created + timedelta(minutes=rng.randrange(5, 600))
    form = {"register": str(rng.randrange(1, 9)), "description": "does not work"}
    if item[0] == "it.pos-down":
        form["serial"] = f"SN-{store[-3:]}-{form['register']}"
    return dict(
        ticket_id=i, ticket_number=f"{created:%Y%m%d}{i:08d}", title=item[3],
        state="closed successful" if closed else "open",
        state_since=closed or (answered if answered <= NOW else created),
        state_type="closed" if closed else "open", queue=item[1].split("::")[0],
        service=item[1], sla=sla, type=item[2], priority="3 normal",
        customer_user_id=f"clerk-{n:03d}-1", customer_id=store, store=store, category=item[0],
        request_id=f"gen-{i}", owner=rng.choice(OWNERS), created=created,
        changed=closed or created, closed=closed, first_response_at=answered,
        first_response_minutes=int((answered - created).total_seconds() // 60),
        solution_minutes=int((closed - created).total_seconds() // 60) if closed else None,
        first_response_deadline=created + timedelta(hours=2),
        promised_deadline=created + timedelta(hours=SLA_HOURS.get(sla or "", 24)),
        form_values=form, synced_at=NOW)


RATINGS = (1, 2, 3, 4, 5)
RATING_WEIGHTS = (5, 8, 15, 32, 40)
"""A quarter of the closed tickets are rated, mostly well; a poor rating often says why."""


def _rating(ticket: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    if ticket["closed"] is None or rng.random() >= 0.25:
        return None
    rating = rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
    commented = rng.random() < (0.5 if rating <= 3 else 0.15)
    owner = ticket["owner"] if rng.random() < 0.9 else rng.choice(OWNERS)
    return dict(ticket_id=ticket["ticket_id"], ticket_number=ticket["ticket_number"],
                request_id=ticket["request_id"], item=ticket["category"], store=ticket["store"],
                department=ticket["category"].split(".")[0], owner=owner, rating=rating,
                comment=f"rated {rating}: {ticket['title']}" if commented else "",
                rated_at=min(NOW, ticket["closed"] + timedelta(minutes=rng.randrange(30, 4000))),
                rated_by=ticket["customer_user_id"], via="portal", follow_up="",
                recorded_at=NOW, attempts=0, last_error="")


def fill(engine: Engine, count: int, seed: int = 42) -> float:
    """Replace the cache with ``count`` generated tickets (and their customers' ratings);
    return the seconds it took."""
    started = time.perf_counter()
    rng, rating_rng = random.Random(seed), random.Random(seed + 1)
    with engine.begin() as conn:
        conn.execute(delete(SatisfactionRating))
        conn.execute(delete(TicketCache))
        for start in range(0, count, 10_000):
            rows = [_ticket(i, rng) for i in range(start + 1, min(count, start + 10_000) + 1)]
            conn.execute(insert(TicketCache), rows)
            ratings = [r for t in rows if (r := _rating(t, rating_rng)) is not None]
            if ratings:
                conn.execute(insert(SatisfactionRating), ratings)
    _analyze(engine)
    return time.perf_counter() - started


def _analyze(engine: Engine) -> None:
    """What autovacuum / a DBA would do after a bulk load: statistics for the planner and, on
    PostgreSQL, the dead rows cleared and the visibility map set (``VACUUM ANALYZE``)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            # the rebuild's writes flushed now, as the server's next checkpoint would, not
            # by the checkpointer in the middle of the pages' rounds
            conn.execute(text("CHECKPOINT"))
        return
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        # the gigabytes the rebuild wrote to the write-ahead log copied into the database and
        # flushed to disk now, as they would be long before anyone reads a report, not by the
        # kernel's writeback in the middle of the pages' rounds (PostgreSQL's CHECKPOINT above)
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    os.sync()


def build(engine: Engine, settings: ReportSettings) -> float:
    """Build the roll-ups as ``radiant-ext report-rebuild`` does; return the seconds."""
    started = time.perf_counter()
    with engine.begin() as conn:
        rebuild(conn, settings.zone, NOW)
    with engine.begin() as conn:  # by the asset fields of the directory the pages use
        rebuild_assets(conn, CATALOGS["directory"])
    with engine.begin() as conn:  # by the penalty rules and catalogs the pages use
        rebuild_contracts(conn, ContractFigures(settings, CATALOGS["directory"]), NOW)
    _analyze(engine)
    return time.perf_counter() - started


CATALOGS: dict[str, ItemDirectory] = {}
"""The directory the roll-ups are built by and the pages read (the same one, or the pages
would find the contract roll-ups built for other catalogs and read the cache): the installed
plugins' catalogs, whose items have downtime costs and asset fields; with ``--no-catalogs``
an empty one (no costs: the downtime pages' outage part is empty)."""


class _Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(name)


SETTINGS = ReportSettings.model_validate({"penalties": [{
    "id": "maint-6h", "title": "Service company: 6-hour contract",
    "sla": ["Maintenance contract"], "kind": "per_hour", "amount_per_hour": 500,
    "cap_amount": 50000}]})


CHANGED = ("downtime", "downtime-detail")
"""Pages that keep what they priced per month until the month's cells change
(``docs/reports.md``, "Priced once per change"): timed again, each request right after a
change of the newest month taken in (:func:`_month_changer`), as ``PAGE (a month
changed)``."""


def _month_changer(engine: Engine) -> Callable[[], None]:
    """A change of the newest month's outage cells, taken in as the ``report-rollups`` job
    would: a settled outage of ``NOW``'s month moved to another store and back, in turn."""
    first = NOW.astimezone(SETTINGS.zone).date().replace(day=1)
    with engine.connect() as conn:
        ticket = conn.scalar(select(ContractContribution.ticket_id).where(
            ContractContribution.family == "o", ContractContribution.day >= first)
            .order_by(ContractContribution.ticket_id).limit(1))
        own = conn.scalar(select(TicketCache.store).where(TicketCache.ticket_id == ticket))
    if ticket is None:
        raise SystemExit("no settled outage in the newest month to change")
    stores = itertools.cycle(["store-002" if own != "store-002" else "store-003", own])

    def change() -> None:
        with engine.begin() as conn:
            conn.execute(update(TicketCache).where(TicketCache.ticket_id == ticket)
                         .values(store=next(stores)))
        with engine.begin() as conn:
            refresh_contracts(conn, ContractFigures(SETTINGS, CATALOGS["directory"]), NOW)
            refresh(conn, SETTINGS.zone, NOW)
    return change


def time_pages(engine: Engine, rounds: int, pages: list[str] | None = None
               ) -> dict[str, list[float]]:
    """Request every report page ``rounds`` times as an agent, interleaved in rotating order;
    then each of :data:`CHANGED` ``rounds`` times, a month changed before each request.

    :returns: per page the wall seconds of every request after its first (cold) one.
    """
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(_Unused(), _Unused(), _Unused(), _Unused()),
        "PORTAL_SESSION_STORE": MemorySessionStore(3600), "REPORTS_ENGINE": engine,
        "REPORTS_SETTINGS": SETTINGS, "REPORTS_AGENT_AUTH": lambda login, pw: True,
        "REPORTS_CLOCK": lambda: NOW, "REPORTS_DIRECTORY": CATALOGS["directory"],
    })
    client = app.test_client()
    client.post("/reports/login", data={"login": "bench", "password": "x"})
    freeze_loaded()  # as the portal's gunicorn worker does once the application is loaded
    names = pages or list(REPORTS)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds + 1):
        for name in names[r % len(names):] + names[:r % len(names)]:
            started = time.perf_counter()
            response = client.get(f"/reports/{name}")
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            if r:
                times[name].append(elapsed)
    changed = [name for name in CHANGED if name in names]
    change = _month_changer(engine) if changed else None
    for r in range(rounds if changed else 0):
        for name in changed[r % len(changed):] + changed[:r % len(changed)]:
            assert change is not None
            change()  # not timed: the job's refresh
            started = time.perf_counter()
            response = client.get(f"/reports/{name}")
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            times.setdefault(f"{name} (a month changed)", []).append(elapsed)
    gc.unfreeze()  # the next size's application replaces this one
    return times


def _kept_name(size: int) -> str:
    return f"{DATABASE}_{size}"


@contextmanager
def _database(kind: str, url: str, tmp: str, size: int, keep: Path | None,
              reuse: bool) -> Iterator[tuple[Engine, bool]]:
    """The benchmark's engine and whether it holds a reused cache; on PostgreSQL a database of
    its own, dropped afterwards unless kept."""
    if kind == "sqlite":
        path = (keep / f"reports-{size}.sqlite3") if keep else Path(tmp) / "bench.sqlite3"
        reused = reuse and path.exists()
        if not reused:
            path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine, reused
        finally:
            engine.dispose()
            if keep is None:
                path.unlink(missing_ok=True)
        return
    name = _kept_name(size) if keep else DATABASE
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        reused = bool(reuse and exists)
        if not reused:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    engine = make_engine(url.rsplit("/", 1)[0] + "/" + name)
    try:
        yield engine, reused
    finally:
        engine.dispose()
        if keep is None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _holds(engine: Engine, size: int) -> bool:
    """Whether the cache holds the ``size`` tickets a fill of that size makes."""
    with engine.connect() as conn:
        count, top = conn.execute(text("SELECT count(*), max(ticket_id) FROM ticket_cache")).one()
    return bool(count == size and top == size)


def _versions(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return str(conn.scalar(text("SHOW server_version")))
        return "SQLite " + str(conn.scalar(text("select sqlite_version()")))


def machine() -> str:
    """CPU model, cores and Python version."""
    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _ms(values: list[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, max(values) * 1000


def run(sizes: list[int], kinds: list[str], rounds: int, url: str,
        pages: list[str] | None = None, keep: Path | None = None,
        reuse: bool = False) -> dict[Any, Any]:
    """Fill (or reuse), build and time every size on every database; print as it goes."""
    results: dict[tuple[str, int], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            for kind in kinds:
                with _database(kind, url, tmp, size, keep, reuse) as (engine, reused):
                    upgrade_database(engine)
                    if reused and not _holds(engine, size):
                        raise SystemExit(f"--reuse: the kept {kind} cache of {size:,} tickets "
                                         "holds another number of tickets; run without "
                                         "--reuse to fill it again")
                    filled = 0.0 if reused else fill(engine, size)
                    built = build(engine, SETTINGS)
                    load_before = os.getloadavg()
                    times = time_pages(engine, rounds, pages)
                    load_after = os.getloadavg()
                    results[(kind, size)] = {"times": times, "fill": filled, "build": built,
                                             "load": (load_before[0], load_after[0]),
                                             "version": _versions(engine)}
                how = "reused" if reused else f"filled {filled:6.1f} s"
                print(f"{kind} {size:>9,}: {how}, roll-ups rebuilt {built:6.1f} s, "
                      f"load {load_before[0]:.2f} → {load_after[0]:.2f}", flush=True)
    return results


def report(results: dict[Any, Any], sizes: list[int], kinds: list[str]) -> bool:
    """Print the growth table; return whether every page met ≤ 150 ms and ≤ 1.5× of 10k."""
    ok = True
    base = 10_000 if 10_000 in sizes else sizes[0]
    for kind in kinds:
        print(f"\n{kind} ({results[(kind, sizes[0])]['version']}): p50 / max ms per page")
        print(f"{'page':<34}" + "".join(f"{s:>16,}" for s in sizes) + f"{'growth':>8}")
        for name in results[(kind, sizes[0])]["times"]:
            cells, p50 = [], {}
            for size in sizes:
                mid, top = _ms(results[(kind, size)]["times"][name])
                p50[size] = mid
                cells.append(f"{mid:8.1f} /{top:6.0f}")
            growth = p50[sizes[-1]] / p50[base] if p50[base] else 0.0
            ok = ok and p50[sizes[-1]] <= 150 and growth <= 1.5
            print(f"{name:<34}" + "".join(f"{c:>16}" for c in cells) + f"{growth:7.2f}×")
        print(f"{'rebuild s':<34}" + "".join(
            f"{results[(kind, s)]['build']:>16.1f}" for s in sizes))
        print(f"{'load before → after':<34}" + "".join(
            f"{results[(kind, s)]['load'][0]:>9.2f} → {results[(kind, s)]['load'][1]:.2f}"
            for s in sizes))
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the sizes on the databases, print the table; exit 1 if a goal was missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=PG_URL)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pages", default="", help="only these report pages (comma list)")
    parser.add_argument("--no-catalogs", action="store_true",
                        help="an empty directory instead of the installed catalogs (no "
                             "downtime costs, no asset fields)")
    parser.add_argument("--keep", type=Path, help="keep the filled caches: SQLite files in "
                        "this folder, PostgreSQL databases radiant_report_bench_SIZE")
    parser.add_argument("--reuse", action="store_true", help="measure the caches a run with "
                        "--keep left when they hold the size asked for (roll-ups rebuilt)")
    args = parser.parse_args(argv)
    if args.reuse and args.keep is None:
        parser.error("--reuse needs --keep DIR")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = [k.strip() for k in args.databases.split(",")]
    print(f"command: python benchmarks/reports.py {' '.join(argv or sys.argv[1:])}")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    pages = [p.strip() for p in args.pages.split(",") if p.strip()] or None
    unknown = sorted(set(pages or ()) - set(REPORTS))
    if unknown:
        parser.error(f"unknown pages {', '.join(unknown)}: choose from {', '.join(REPORTS)}")
    CATALOGS["directory"] = (ItemDirectory() if args.no_catalogs else
                             ItemDirectory.from_plugins(Plugins(make_plugin_manager())))
    results = run(sizes, kinds, args.rounds, args.postgres_url, pages, args.keep, args.reuse)
    ok = report(results, sizes, kinds)
    print(f"\nload average {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
