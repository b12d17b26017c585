"""The portal's request lists as the ticket cache grows: 1k, 10k, 100k and 1M cached tickets.

Usage::

    python benchmarks/lists.py [--sizes 1000,10000,100000,1000000] [--rounds 100]
                               [--database sqlite|postgresql|both] [--keep DIR [--reuse]]

Set-up: a retail sandbox Znuny (the logins) under gunicorn; for every database and size a
ticket cache of its own (an SQLite file; a PostgreSQL schema) and a portal on it under
``radiant-ext serve`` as shipped (its defaults: 2 workers x 4 threads, the buffering worker);
beside them a *framework floor*: a bare Flask view rendering a small template under the same
gunicorn settings. Each cache is filled directly with bulk inserts (``executemany`` batches on
SQLite, ``COPY`` on PostgreSQL; the indexes rebuilt after, then ``ANALYZE`` / ``VACUUM
ANALYZE``). The measured customers hold the same tickets at every size and list the same
rows (:func:`_showcase`): store 001 (a flagship) 200 tickets over three years, 40 of them in the
last month (35 open), 67 filed by ``flagship-clerk``, 40 for the scanner, 50 titled "leak …
printer"; the head office 120, 40 of them for store 007 - enough for every measured page's 25
rows and for page 2. Every other ticket belongs to stores 002-500 (the next nine flagships get
eight times a store's tickets), three clerks per store (six at a flagship), 24 catalog items,
over three years (closed after a few days, the last month's mostly open): so the cache, and
the indexes the pages read, grow with the size while the pages' rows do not; the benchmark
stops if a page lists a different number of rows at two sizes. The smallest size is 640. The
marks the report roll-ups' triggers leave in ``report_dirty`` are emptied after each
load, as their job would.

The outbox holds what the portal keeps of every request it filed, as it would after years:
a confirmed row for each ticket but every tenth of the other stores' (those came by mail;
:data:`PORTAL_EVERY`), a refused request parked for good per 2,000 tickets (500 at a million),
and every 500th of the other stores' tickets a bundle request whose next three tickets are its
parts (``bundle``, ``bundle_part``). The measured customers have three requests Znuny has
not confirmed (:data:`WAITING`), which their lists add at every size: every list page reads
the waiting requests and, in the nested lists, checks each row against the bundle parts.

Measurement: every page of every portal gets a warm-up request, then ``--rounds`` rounds each
request every page of every database and size once, in an order rotated by one each round —
the sizes side by side, so a change in the machine's load between them does not pass for
growth. p50 / p95 / max per page and the growth from the smallest size; ``os.getloadavg()``
before and after. Pages: ``flagship-clerk`` (store 001): own, company, company open, company
by category, company searched by text; ``office-anna`` (head office):
company by store, and the company list's page 2 by its cursor. Goal: p95 <= 30 ms at 1M and
within 1.3x of the 10k figure.

The PostgreSQL caches are schemas ``radiant_list_bench_<size>`` of a database of the
benchmark's own, ``radiant_list_bench`` (see :data:`DATABASE`), dropped at the end. ``--keep
DIR`` keeps the caches (the folder and the database); ``--reuse`` measures the caches a kept
run left there when they hold the size asked for, instead of filling them again (upgrading
their schema to the current one first); it refuses
caches an older version of this benchmark filled (its smaller caches held the larger one's
oldest tickets, so the pages listed fewer rows there), which must be filled again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Container, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal import _gunicorn, _log_in, _machine, _percentile, _settings_env  # noqa: E402

from radiant_ext.store.bundles import part_request_id  # noqa: E402

PG_URL = "postgresql+psycopg://radiant:radiant@127.0.0.1:5432/radiant_test"
DATABASE = "radiant_list_bench"
"""The benchmark's own PostgreSQL database: a long transaction in another one (someone's bulk
load in the shared test database) cannot keep its VACUUM from setting the visibility map, which
the lists' index-only scans need, as nothing else holds the store's database in production."""
BENCH_URL = PG_URL.rsplit("/", 1)[0] + "/" + DATABASE
SCHEMA = "radiant_list_bench"
GOAL_MS = 30.0
GROWTH_GOAL = 1.3
STORES = [f"store-{i:03d}" for i in range(1, 501)]
FLAGSHIPS = set(STORES[:10])
ITEMS = ["it.pos-down", "it.receipt-printer", "it.scanner", "it.network", "it.laptop",
         "it.password", "it.email", "it.software", "hr.vacation-request", "hr.payslip",
         "hr.certificate", "hr.onboarding", "maintenance.lighting", "maintenance.door",
         "maintenance.hvac", "maintenance.plumbing", "facilities.cleaning",
         "facilities.furniture", "accounting.invoice", "accounting.refund",
         "customer-service.complaint", "customer-service.return", "legal.contract",
         "legal.lease"]
WORDS = ["printer", "till", "scanner", "door", "light", "heating", "invoice", "refund",
         "laptop", "password", "network", "leak", "shelf", "camera", "screen", "payslip"]
OPEN_STATES = [("new", "new"), ("open", "open"), ("pending reminder", "pending reminder")]
CLOSED_STATES = [("closed successful", "closed"), ("closed unsuccessful", "closed"),
                 ("merged", "merged")]
END = datetime(2026, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)

FLOOR_TEMPLATE = """<!doctype html><html><head><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1><ul>{% for row in rows %}<li>{{ row }}</li>{% endfor %}</ul></body></html>"""


def floor_app() -> Any:
    """The framework floor: a bare Flask view rendering a small template."""
    from flask import Flask, render_template_string

    app = Flask("floor")

    @app.get("/")
    def index() -> str:
        return render_template_string(FLOOR_TEMPLATE, title="Floor",
                                      rows=[f"row {i}" for i in range(25)])

    return app


MEASURED = ("store-001", "head-office")
"""The customers the pages are measured for: they hold the same :func:`_showcase` tickets at
every size, and no others."""
SHOWCASE_SEED = 2026
RECENT = timedelta(days=30)


def _people() -> list[tuple[str, str, int]]:
    """(login, company, weight) of everyone who files the tickets that grow with the size:
    the clerks of stores 002-500 (none of :data:`MEASURED`)."""
    people: list[tuple[str, str, int]] = []
    for store in STORES[1:]:
        clerks = 6 if store in FLAGSHIPS else 3
        weight = 8 * 3 // clerks if store in FLAGSHIPS else 1
        people += [(f"clerk-{store}-{k}", store, weight) for k in range(1, clerks + 1)]
    return [*people, ("demo-customer", "store-007", 1)]


def _showcase() -> list[tuple[float, tuple[Any, ...]]]:
    """The measured customers' tickets, the same at every size, oldest first: (where in the
    three years, 0 to 1; (title, state, state type, login, company, store, category,
    deadline hours)). Store 001: 200 tickets, 160 over three years (closed) and 40 in the last
    month (35 open); every third filed by ``flagship-clerk``, every fifth for the scanner,
    every fourth titled "leak … printer". Head office: 120 tickets, every third for store
    007. So every measured page fills its 25 rows, and page 2 its 25."""
    rng = random.Random(SHOWCASE_SEED)
    found: list[tuple[float, tuple[Any, ...]]] = []
    recent = RECENT / SPAN
    for company, history, fresh in (("store-001", 160, 40), ("head-office", 100, 20)):
        for k in range(history + fresh):
            where = ((k + 0.5) / history * (1 - recent) if k < history
                     else 1 - recent + (k - history + 0.5) / fresh * recent)
            state = rng.choice(OPEN_STATES if k >= history and k % 8 != 7 else CLOSED_STATES)
            if company == "store-001":
                login = "flagship-clerk" if k % 3 == 0 else f"clerk-store-001-{k % 6 + 1}"
                store = company
                category = "it.scanner" if k % 5 == 0 else rng.choice(ITEMS[:2] + ITEMS[3:])
            else:
                login = ("office-anna", "office-boris", "office-vera")[k % 3]
                store = "store-007" if k % 3 == 0 else rng.choice(STORES[1:6] + STORES[7:])
                category = rng.choice(ITEMS)
            words = (("Leak", "printer") if k % 4 == 0 and company == "store-001"
                     else (rng.choice(WORDS[:11]).capitalize(), rng.choice(WORDS[:11])))
            found.append((where, (f"{words[0]} {words[1]} at {store}", *state, login, company,
                                  store, category, rng.choice((4, 8, 24, 72, None)))))
    return sorted(found, key=lambda item: item[0])


def _places(total: int) -> dict[int, tuple[float, tuple[Any, ...]]]:
    """Where the :func:`_showcase` tickets fall among ``total`` (ids follow creation; in a
    small cache the last month's crowd the last places)."""
    showcase = _showcase()
    if total < 2 * len(showcase):
        raise SystemExit(f"--sizes: {total:,} tickets cannot hold the measured customers' "
                         f"{len(showcase)} and as many others; the smallest size is "
                         f"{2 * len(showcase)}")
    places: dict[int, tuple[float, tuple[Any, ...]]] = {}
    following = total
    for where, ticket in reversed(showcase):
        following = min(int(where * total), following - 1)
        places[following] = (where, ticket)
    return places


def _rows(start: int, stop: int, total: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Tickets ``start`` … ``stop - 1`` of ``total``, oldest first (ids follow creation): the
    :func:`_showcase` in their places, the stores 002-500 around them."""
    people = _people()
    weights = [w for _, _, w in people]
    places = _places(total)
    parent: tuple[str, str, int] | None = None
    for n in range(start, stop):
        created = END - SPAN + SPAN * (n / total)
        jitter = timedelta(seconds=rng.randint(0, 59))
        if n in places:  # the same times at every size
            created = END - SPAN + SPAN * places[n][0]
            title, state, kind, login, company, store, category, hours = places[n][1]
        else:
            login, company, _w = rng.choices(people, weights)[0]
            role = _bundle_role(n, places)
            if role == 0:
                parent = (login, company, _w)
            elif role is not None and parent is not None:
                login, company, _w = parent  # a part of the bundle filed just before
            store, category = company, rng.choice(ITEMS)
            created += jitter
            recent = END - created < RECENT
            state, kind = rng.choice(OPEN_STATES if recent and rng.random() < 0.6
                                     else CLOSED_STATES)
            hours = rng.choice((4, 8, 24, 72)) if rng.random() < 0.7 else None
            title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} at {store}"
        deadline = created + timedelta(hours=hours) if hours else None
        yield (n, f"{created:%Y%m%d}{n:08d}", title, state, kind, "Raw", "3 normal",
               login, company, store, category, created, created, deadline, created,
               created)


PORTAL_EVERY = 10
"""Every ticket but each tenth of the other stores' (the fifth of every ten) was filed through
the portal, and the outbox keeps a confirmed row for each (it never deletes one); the measured
customers' all were."""
PARKED_EVERY = 2_000
"""One request of the other stores' per this many tickets was refused by Znuny for good and
stays parked in the outbox (500 at a million): rows every company list's waiting requests
must pass over."""
BUNDLE_EVERY, BUNDLE_PARTS = 500, 3
"""Every 500th of the other stores' tickets is a bundle request; the next three are its parts,
of the same requester (their lists show them under the parent)."""
WAITING = (("flagship-clerk", "store-001", "parked", 10), ("flagship-clerk", "store-001",
                                                         "pending", 1),
           ("office-anna", "head-office", "pending", 2))
"""The measured customers' requests Znuny has not confirmed (login, company, state, days
before the cache's end): the same at every size."""
OUTBOX_COLUMNS = ("request_id", "state", "payload", "customer_user", "customer_id", "title",
                  "category",
                  "attempts", "maybe_sent", "next_attempt_at", "ticket_id", "ticket_number",
                  "created_at", "sent_at", "parked_at", "last_error")


def _request_id(n: int) -> str:
    return f"RQ-BENCH-{n:08d}"


def _bundle_role(n: int, places: Container[int]) -> int | None:
    """0 when ticket ``n`` is a bundle request, its part's number when it is one, else
    ``None`` (the measured customers' tickets are neither, nor are the parts of a bundle
    whose place one of theirs took)."""
    number, first = n % BUNDLE_EVERY, n - n % BUNDLE_EVERY
    if number > BUNDLE_PARTS or n in places or first in places:
        return None
    return number


def _outbox(ticket: tuple[Any, ...], places: Container[int]) -> Iterator[tuple[Any, ...]]:
    """The outbox rows of one ticket of :func:`_rows`: the confirmed request it was filed as
    (unless it came by mail), and now and then a request Znuny refused."""
    n, number, title, _s, _k, _q, _p, login, company, _st, category, created = ticket[:12]
    payload = json.dumps({"ticket": {"CustomerID": company, "Title": title}})
    role = _bundle_role(n, places)
    if n in places or n % PORTAL_EVERY != PORTAL_EVERY // 2:  # each tenth came by mail
        reference = (part_request_id(_request_id(n - role), role) if role
                     else _request_id(n))
        yield (reference, "sent", payload, login, company, title, category, 1, False, created,
               n, number, created, created, None, None)
    if n not in places and n % PARKED_EVERY == 7:
        yield (f"RQ-BENCH-P{n:08d}", "parked", payload, login, company, title, category, 1,
               False, created, None, None, created, None, created, "Queue is invalid")


def _waiting_rows() -> Iterator[tuple[Any, ...]]:
    """The measured customers' :data:`WAITING` requests."""
    for k, (login, company, state, days) in enumerate(WAITING):
        at = END - timedelta(days=days)
        payload = json.dumps({"ticket": {"CustomerID": company, "Title": "Waiting"}})
        yield (f"RQ-BENCH-W{k}", state, payload, login, company, f"Waiting {state} {k}",
               ITEMS[0], 1, False, at, None, None, at, None, at if state == "parked" else None,
               "Queue is invalid" if state == "parked" else None)


COLUMNS = ("ticket_id", "ticket_number", "title", "state", "state_type", "queue", "priority",
           "customer_user_id", "customer_id", "store", "category", "created", "changed",
           "promised_deadline", "state_since", "synced_at")


def _naive(value: Any) -> Any:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def _load(url: str, start: int, stop: int, total: int) -> None:
    """Bulk-insert tickets ``start`` … ``stop - 1`` into the cache at ``url``, with the outbox
    rows and bundles of the requests they were filed as (and the measured customers' waiting
    requests with the first)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    raw = engine.raw_connection()
    sqlite = url.startswith("sqlite")
    places = _places(total)

    def tickets() -> Iterator[tuple[Any, ...]]:  # the same rows on every call
        return (tuple(_naive(v) for v in row)
                for row in _rows(start, stop, total, random.Random(start)))

    def requests_filed() -> Iterator[tuple[Any, ...]]:
        if start == 0:
            yield from (tuple(_naive(v) for v in row) for row in _waiting_rows())
        for ticket in tickets():
            yield from _outbox(ticket, places)

    try:
        cur = raw.cursor()
        indexes = [*_drop_indexes(cur, sqlite, "ticket_cache"),
                   *_drop_indexes(cur, sqlite, "outbox")]
        _copy(cur, sqlite, "ticket_cache", COLUMNS, tickets())
        _copy(cur, sqlite, "outbox", OUTBOX_COLUMNS, requests_filed())
        _bundles(cur, sqlite, tickets(), places)
        for ddl in indexes:
            cur.execute(ddl)
        _drain_rollup_marks(cur, sqlite)
        raw.commit()
        if sqlite:
            cur.execute("ANALYZE")
        else:  # as autovacuum would: statistics, and the visibility map for index-only scans
            assert raw.driver_connection is not None
            raw.driver_connection.autocommit = True
            for table in ("ticket_cache", "outbox", "bundle", "bundle_part"):
                cur.execute(f"VACUUM ANALYZE {table}")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def _copy(cur: Any, sqlite: bool, table: str, columns: tuple[str, ...],
          rows: Iterator[tuple[Any, ...]]) -> None:
    """``rows`` into ``table``: ``executemany`` batches on SQLite, ``COPY`` on PostgreSQL."""
    if sqlite:
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 20_000:
                cur.executemany(sql, batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
        return
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _bundles(cur: Any, sqlite: bool, tickets: Iterator[tuple[Any, ...]],
             places: Container[int]) -> None:
    """The bundle requests among ``tickets`` and their parts (:func:`_bundle_role`)."""
    bundles: list[tuple[Any, ...]] = []
    parts: list[tuple[Any, ...]] = []
    for ticket in tickets:
        n, _number, title, *_rest = ticket
        login, company, category, created = ticket[7], ticket[8], ticket[10], ticket[11]
        role = _bundle_role(n, places)
        if role == 0:
            bundles.append((len(bundles) + 1, _request_id(n), category, login, "", "en",
                            created))
        elif role is not None and bundles:
            reference = part_request_id(_request_id(n - role), role)
            parts.append((len(bundles), role, reference, category, category.split(".")[0],
                          title, title, "{}", company))
    _copy(cur, sqlite, "bundle", ("id", "request_id", "item", "customer_user", "sender",
                                  "language", "created_at"), iter(bundles))
    _copy(cur, sqlite, "bundle_part", ("bundle_id", "number", "request_id", "item",
                                       "department", "title", "body", "decision",
                                       "customer_id"), iter(parts))


def _drain_rollup_marks(cur: Any, sqlite: bool) -> None:
    """Empty ``report_dirty``, which the report roll-ups' triggers fill on every insert, as
    their job would drain it: these pages do not read it, and a million marks left behind
    keep autovacuum busy during the measurement."""
    if sqlite:
        cur.execute("SELECT count(*) FROM sqlite_master WHERE name = 'report_dirty'")
    else:
        cur.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'report_dirty' "
                    "AND schemaname = current_schema()")
    if cur.fetchone()[0]:
        cur.execute("DELETE FROM report_dirty" if sqlite else "TRUNCATE report_dirty")


def _drop_indexes(cur: Any, sqlite: bool, table: str) -> list[str]:
    """Drop ``table``'s secondary indexes for a bulk load; return the DDL that recreates them
    (one sort per index afterwards beats a million B-tree inserts into twenty indexes)."""
    if sqlite:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = ? AND sql IS NOT NULL", (table,))
    else:  # not the primary key's nor a unique constraint's
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                    "AND schemaname = current_schema() AND indexname NOT LIKE 'pk_%%' "
                    "AND indexname NOT LIKE 'uq_%%'", (table,))
    found = list(cur.fetchall())
    for name, _ddl in found:
        cur.execute(f'DROP INDEX "{name}"')
    return [ddl for _name, ddl in found]


def _schema(size: int) -> str:
    return f"{SCHEMA}_{size}"


def _store_url(database: str, root: Path, size: int) -> str:
    if database == "sqlite":
        return f"sqlite:///{root / f'sqlite-{size}' / 'radiant.sqlite3'}"
    return f"{BENCH_URL}?options=-csearch_path%3D{_schema(size)}"


def _prepare(url: str, schema: str) -> None:
    """A fresh schema at ``url``, migrated, with the ``ticket-pull`` cursor set."""
    from sqlalchemy import create_engine, text

    from radiant_ext.store import make_engine, make_session_factory, set_cursor, upgrade_database

    if not url.startswith("sqlite"):
        _create_database()
        with create_engine(BENCH_URL).begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url)
    upgrade_database(engine)
    with make_session_factory(engine).begin() as s:
        set_cursor(s, "ticket-pull", END)
    engine.dispose()


def _upgrade(url: str) -> None:
    """Bring a kept cache to the store's current schema, as ``radiant-ext db upgrade``
    would: the portal refuses to start on an older one."""
    from radiant_ext.store import make_engine, upgrade_database

    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()


def _filled(url: str) -> tuple[int, int]:
    """How many tickets the cache at ``url`` holds, and how many of them are the measured
    customers' ((0, 0) when it is not there; none of them when an older version of this
    benchmark filled it without the outbox's rows)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    if url.startswith("sqlite") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0, 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            every = conn.execute(text("SELECT count(*) FROM ticket_cache")).scalar()
            measured = conn.execute(text("SELECT count(*) FROM ticket_cache WHERE customer_id "
                                         "IN ('store-001', 'head-office')")).scalar()
            if not conn.execute(text("SELECT count(*) FROM outbox")).scalar():
                measured = 0
            return int(every or 0), int(measured or 0)
    except SQLAlchemyError:
        return 0, 0
    finally:
        engine.dispose()


def _create_database() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                            {"d": DATABASE}).first():
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    engine.dispose()


def _drop_database() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(env: dict[str, str], log: Path, command: list[str], port: int) -> Iterator[str]:
    """Run ``command`` (listening on ``port``) until it answers; yield its base URL."""
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url + "/", timeout=2)
                break
            except requests.RequestException as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{command[0]} did not start:\n"
                                     f"{log.read_text()[-3000:]}") from exc
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _timed(session: requests.Session, url: str) -> float:
    start = time.perf_counter()
    answer = session.get(url, timeout=60, allow_redirects=False)
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"GET {url}: HTTP {answer.status_code}")
    return elapsed


PAGES = {
    "own": ("flagship-clerk", "/requests?state=all"),
    "company": ("flagship-clerk", "/requests/company?state=all"),
    "company open": ("flagship-clerk", "/requests/company?state=open"),
    "company category": ("flagship-clerk", "/requests/company?state=all&category=it.scanner"),
    "company store": ("office-anna", "/requests/company?state=all&store=store-007"),
    "company text": ("flagship-clerk", "/requests/company?state=all&q=leak+printer"),
    "company page 2": ("office-anna", None),
}


def _page_two(session: requests.Session, url: str) -> str:
    html = session.get(url + "/requests/company?state=all", timeout=60).text
    found = re.search(r'rel="next" href="([^"]+)"', html)
    if not found:
        raise SystemExit("the company list has no next page")
    return found.group(1).replace("&amp;", "&")


def _same_rows(rows: dict[str, int]) -> None:
    """Fail unless every page lists the same number of rows, more than none, at every size:
    otherwise its growth would be rendering, not the cache's size."""
    by_page: dict[tuple[str, str], dict[str, int]] = {}
    for key, count in rows.items():
        database, size, name = key.split("|")
        if database:
            by_page.setdefault((database, name), {})[size] = count
    wrong = [f"{database} {name}: " + ", ".join(f"{int(s):,} tickets {c} rows"
                                                  for s, c in counts.items())
             for (database, name), counts in by_page.items()
             if len(set(counts.values())) > 1 or 0 in counts.values()]
    if wrong:
        raise SystemExit("pages list different rows at different sizes:\n  "
                         + "\n  ".join(wrong))


def _measure(targets: dict[str, tuple[requests.Session, str]],
             rounds: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Each target's times over ``rounds`` rotated rounds, and how many rows it lists (the
    same at every size, or it stops)."""
    names = list(targets)
    rows = {name: len(re.findall(r'href="/requests/\d+"', session.get(url, timeout=60).text))
            for name, (session, url) in targets.items()}  # also the warm-up
    _same_rows(rows)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(_timed(*targets[name]))
    return times, rows


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", type=Path, help="keep the data in this folder (and the "
                        "PostgreSQL database)")
    parser.add_argument("--reuse", action="store_true", help="use the caches a run with "
                        "--keep left in that folder when they hold the size asked for")
    return parser.parse_args()


def _load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _fill(database: str, root: Path, size: int, reuse: bool) -> str:
    """The cache of ``size`` tickets on ``database`` (the measured customers' the same at
    every size, the other stores' ``size`` less those); its URL."""
    url = _store_url(database, root, size)
    (root / f"{database}-{size}").mkdir(exist_ok=True)
    if database == "sqlite":
        (root / f"sqlite-{size}").mkdir(exist_ok=True)
    if reuse and (found := _filled(url))[0] == size:
        if found[1] != len(_showcase()):
            raise SystemExit(f"--reuse: the {database} cache of {size:,} tickets was filled by "
                             f"an older version of this benchmark ({found[1]:,} tickets of "
                             f"store 001 and the head office, not {len(_showcase())}); run "
                             "it without --reuse to fill it again")
        _upgrade(url)
        print(f"  {database}: {size:,} tickets reused", flush=True)
        return url
    if database == "sqlite":
        (root / f"sqlite-{size}" / "radiant.sqlite3").unlink(missing_ok=True)
    _prepare(url, _schema(size))
    started = time.perf_counter()
    _load(url, 0, size, size)
    print(f"  {database}: {size:,} tickets loaded in {time.perf_counter() - started:.0f} s",
          flush=True)
    return url


def _portal(stack: ExitStack, root: Path, znuny: str, database: str, size: int,
            url: str) -> str:
    """A portal under ``radiant-ext serve`` on the cache at ``url``; its base URL."""
    env = _settings_env(root, znuny)
    env["RADIANT_DATA_DIR"] = str(root / f"{database}-{size}")
    env["RADIANT_DATABASE_URL"] = url
    port = _free_port()
    serve = [str(Path(sys.executable).parent / "radiant-ext"), "serve", "--port", str(port)]
    return stack.enter_context(_serve(env, root / f"serve-{database}-{size}.log", serve,
                                      port))


def _run(databases: list[str], root: Path, sizes: list[int], rounds: int, znuny: str,
         reuse: bool) -> list[str]:
    """Measure every page at every size on every database, side by side; the table's lines."""
    stores = {(database, size): _fill(database, root, size, reuse)
              for database in databases for size in sizes}
    floor_port = _free_port()
    floor = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{floor_port}",
             "--workers", "2", "--threads", "4", "--worker-class",
             "radiant_ext.cli.http_worker.BufferingThreadWorker", "lists:floor_app()"]
    floor_env = dict(_settings_env(root, znuny), PYTHONPATH=os.pathsep.join(
        filter(None, (str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH")))))
    targets: dict[str, tuple[requests.Session, str]] = {}
    with ExitStack() as stack:
        for (database, size), url in stores.items():
            portal = _portal(stack, root, znuny, database, size, url)
            sessions = {who: _log_in(portal, who) for who, _ in PAGES.values()}
            for name, (who, path) in PAGES.items():
                targets[f"{database}|{size}|{name}"] = (
                    sessions[who], portal + (path or _page_two(sessions[who], portal)))
        floor_url = stack.enter_context(_serve(floor_env, root / "floor.log", floor, floor_port))
        targets["|0|framework floor"] = (requests.Session(), floor_url + "/")
        before = _load_text()
        print(f"  measuring {len(targets)} pages side by side, {rounds} rounds; load "
              f"{before}", flush=True)
        times, rows = _measure(targets, rounds)
        after = _load_text()
    return _table(times, rows, before, after)


def _table(times: dict[str, list[float]], rows: dict[str, int], before: str,
           after: str) -> list[str]:
    """The result lines (by database, page and size), each larger size with its growth
    from the smallest (p50 and p95 ratios)."""
    order = [*PAGES, "framework floor"]

    def place(key: str) -> tuple[bool, str, int, int]:
        database, size, name = key.split("|")
        return not database, database, order.index(name), int(size)

    lines: list[str] = []
    smallest: dict[tuple[str, str], tuple[float, float]] = {}
    for key in sorted(times, key=place):
        database, size, name = key.split("|")
        values = times[key]
        p50, p95 = statistics.median(values), _percentile(values, 0.95)
        growth = ""
        if (database, name) in smallest:
            first50, first95 = smallest[(database, name)]
            growth = f"  x{p50 / first50:.2f} / x{p95 / first95:.2f}"
        else:
            smallest[(database, name)] = (p50, p95)
        lines.append(f"{database or '-':<10} {int(size):>9,} {name:<18} {rows[key]:>4} "
                     f"{p50:>7.1f} {p95:>7.1f} {max(values):>7.1f}{growth}")
    return [*lines, f"load average (1/5/15 min) {before} -> {after}"]


def _versions(databases: list[str]) -> str:
    """The database versions measured."""
    import sqlite3

    from sqlalchemy import create_engine, text

    found = [f"SQLite {sqlite3.sqlite_version}"]
    if "postgresql" in databases:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            found.append(f"PostgreSQL {conn.execute(text('SHOW server_version')).scalar()}")
        engine.dispose()
    return ", ".join(found)


def main() -> int:
    args = _arguments()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    for size in sizes:
        _places(size)  # refuses a size too small for the measured customers' tickets
    print(f"machine: {_machine()}")
    print("command: python benchmarks/lists.py " + " ".join(sys.argv[1:]))
    root = args.keep or Path(tempfile.mkdtemp(prefix="radiant-lists-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(f"databases: {_versions(databases)}")
    lines: list[str] = []
    try:
        with ExitStack() as stack:
            from radiant_ext_sandbox import generate_tickets

            generate_tickets(root / "sandbox", 0)
            znuny = stack.enter_context(_gunicorn(
                f'radiant_ext_sandbox:create_app(data_dir="{root / "sandbox"}")',
                {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}, 2, 4,
                root / "sandbox-gunicorn.log"))
            lines = _run(databases, root, sizes, args.rounds, znuny, args.reuse)
    finally:
        if "postgresql" in databases and args.keep is None:
            _drop_database()
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"\n{'database':<10} {'tickets':>9} {'page':<18} rows {'p50':>7} {'p95':>7} {'max':>7}"
          "  growth from the smallest size (p50 / p95)   (ms)")
    print("\n".join(lines))
    print(f"python {platform.python_version()}; goal: p95 <= {GOAL_MS:.0f} ms at every size, "
          f"within {GROWTH_GOAL}x of the smallest")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
