"""Time every report page over a ticket cache of 100,000 tickets.

Usage::

    python benchmarks/reports.py [--tickets 100000] [--database-url URL] [--repeat 3]

The cache is filled with the sandbox generator's distributions (items, weekday and hour
weights, the flagship stores, the recurring printer at one store, SLAs and deadlines), then
each report page is requested through the portal as an agent would, with the default filter
(the last 365 days). Prints one line per page: first (cold) and best of ``--repeat`` times,
and the size of the HTML. Goal: every page under 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, text

from radiant_ext.portal import create_app
from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.sessions import MemorySessionStore
from radiant_ext.reports import REPORTS, ReportSettings
from radiant_ext.store import TicketCache, make_engine, upgrade_database
from radiant_ext_sandbox.seeds.history import (
    CATEGORIES,
    HOUR_WEIGHTS,
    PRINTER_STORE,
    WEEKDAY_WEIGHTS,
)
from radiant_ext_sandbox.seeds.retail import sla_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SLA_HOURS = {"POS critical": 4, "IT standard": 24, "HR standard": 30,
             "Maintenance contract": 6, "Customer Service standard": 20}


def _ticket(i: int, rng: random.Random) -> dict[str, Any]:
    n = rng.choices(range(1, 31), weights=[3 if k <= 3 else 1 for k in range(1, 31)])[0]
    store = f"store-{n:03d}"
    if store == PRINTER_STORE and rng.random() < 0.3:
        item = CATEGORIES[1]
    else:
        item = rng.choices(CATEGORIES, weights=[c[5] for c in CATEGORIES])[0]
    while True:
        day = NOW.date() - timedelta(days=rng.randrange(1, 366))
        if rng.random() * 2.0 < WEEKDAY_WEIGHTS[day.weekday()]:
            break
    hour = rng.choices(list(HOUR_WEIGHTS), weights=list(HOUR_WEIGHTS.values()))[0]
    created = datetime(day.year, day.month, day.day, hour, rng.randrange(60),
                       tzinfo=UTC) - timedelta(hours=3)
    sla = sla_for(item[1])
    deadline = created + timedelta(hours=SLA_HOURS.get(sla or "", 24))
    solved = created + timedelta(minutes=rng.randrange(20, 3 * 24 * 60))
    closed = solved if solved < NOW and (created < NOW - timedelta(days=3)
                                         or rng.random() < 0.5) else None
    answered = created + timedelta(minutes=rng.randrange(5, 600))
    queue = "IT::Stores" if item[1].startswith("IT::") else item[1].split("::")[0]
    return dict(
        ticket_id=i, ticket_number=f"{created:%Y%m%d}{i:08d}", title=item[3],
        state="closed successful" if closed else "open",
        state_type="closed" if closed else "open", queue=queue, service=item[1], sla=sla,
        type=item[2], priority="3 normal", customer_user_id=f"clerk-{n:03d}-1",
        customer_id=store, store=store, category=item[0], request_id=f"gen-{i}",
        owner=rng.choice(["it-agent", "demo-agent", "hr-agent", "maint-agent", "cs-agent"]),
        created=created, changed=closed or created, closed=closed,
        first_response_at=answered,
        first_response_minutes=int((answered - created).total_seconds() // 60),
        solution_minutes=int((closed - created).total_seconds() // 60) if closed else None,
        first_response_deadline=created + timedelta(hours=2), promised_deadline=deadline,
        form_values=_form(item[0], store, rng), synced_at=NOW)


def _form(item: str, store: str, rng: random.Random) -> dict[str, str]:
    """Form values as the portal keeps them; cash registers carry a serial number."""
    register = rng.randrange(1, 9)
    form = {"register": str(register), "description": "does not work"}
    if item == "it.pos-down":
        form["serial"] = f"SN-{store[-3:]}-{register:02d}"
    return form


def fill(engine: Engine, count: int, seed: int = 42) -> float:
    """Replace the cache with ``count`` generated tickets; return the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(delete(TicketCache))
        for start in range(0, count, 10_000):
            rows = [_ticket(i, rng) for i in range(start + 1, min(count, start + 10_000) + 1)]
            conn.execute(insert(TicketCache), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # as autovacuum would after a bulk load
            conn.execute(text("ANALYZE ticket_cache"))
            conn.commit()
    return time.perf_counter() - started


class _Unused:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(name)


def time_pages(engine: Engine, repeat: int) -> list[tuple[str, float, float, float, int]]:
    """Request every report page as an agent.

    :returns: per page ``(name, first wall s, best wall s, best CPU s of this process, bytes)``;
        the CPU time includes SQLite's work (in-process) but not PostgreSQL's.
    """
    settings = ReportSettings.model_validate({"penalties": [{
        "id": "maint-6h", "title": "Service company: 6-hour contract",
        "sla": ["Maintenance contract"], "kind": "per_hour", "amount_per_hour": 500,
        "cap_amount": 50000}]})
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "PORTAL_SERVICES": PortalServices(_Unused(), _Unused(), _Unused(), _Unused()),
        "PORTAL_SESSION_STORE": MemorySessionStore(3600), "REPORTS_ENGINE": engine,
        "REPORTS_SETTINGS": settings, "REPORTS_AGENT_AUTH": lambda login, pw: True,
        "REPORTS_CLOCK": lambda: NOW,
    })
    client = app.test_client()
    client.post("/reports/login", data={"login": "bench", "password": "x"})
    out = []
    for name in REPORTS:
        times, cpu, size = [], [], 0
        for _ in range(repeat + 1):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/reports/{name}")
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            size = len(response.data)
        out.append((name, times[0], min(times[1:] or times), min(cpu[1:] or cpu), size))
    return out


@contextmanager
def _database(url: str, tmp: str) -> Iterator[Engine]:
    """The benchmark's engine; on PostgreSQL a schema of its own, dropped afterwards."""
    if not url:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        yield engine
        engine.dispose()
        return
    if not url.startswith("postgres"):
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    schema = f"bench_reports_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    """Fill the cache, time the pages, print the table; exit 1 if a page took 1 s or more."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-fill", action="store_true",
                        help="Keep the tickets already in --database-url.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, _database(args.database_url, tmp) as engine:
        upgrade_database(engine)
        if not args.no_fill:
            print(f"filled {args.tickets} tickets in {fill(engine, args.tickets):.1f} s "
                  f"({engine.dialect.name})")
        results = time_pages(engine, args.repeat)
    print(f"{'page':<14} {'first s':>8} {'best s':>8} {'cpu s':>8} {'HTML kB':>8}")
    for name, first, best, cpu, size in results:
        print(f"{name:<14} {first:8.3f} {best:8.3f} {cpu:8.3f} {size / 1024:8.1f}")
    worst = max(r[2] for r in results)
    print(f"median best {statistics.median(r[2] for r in results):.3f} s, "
          f"worst best {worst:.3f} s, worst first {max(r[1] for r in results):.3f} s; "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0 if worst < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
