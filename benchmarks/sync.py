"""Time the ticket pull: a full pull of a large Znuny, then an incremental one after 100 changes.

Usage::

    python benchmarks/sync.py [--tickets 100000] [--changes 100] [--workers 1] [--threads 4]
                              [--database-url URL] [--tracemalloc]

A retail sandbox in a temporary folder is seeded with ``--tickets`` historical tickets
(``radiant_ext_sandbox.generate_tickets``) and served by gunicorn on 127.0.0.1 in its own
process, so the figures below are the companion's side only (time, CPU, memory of this
process) plus the wall time the sandbox needed to answer. Then:

1. ``full_resync`` pulls every ticket into an empty store (the first run of ``ticket-pull``);
2. ``--changes`` tickets are changed through the client (``TicketUpdate``: title and priority);
3. ``pull_tickets`` runs the incremental pull (cursor minus the overlap window).

Goal (issue 7): the incremental pull under 2 s and at least 100 times cheaper than the full
pull. Peak memory is the process's peak RSS growth during the full pull (``getrusage``); with
``--tracemalloc`` the full pull runs a second time under tracemalloc and its traced peak is
printed too (slower; not used for the times).

Two more modes answer "how fast is a full pull, and how many parallel batches does the server
take" (``RADIANT_SYNC_PULL_PARALLEL_BATCHES``)::

    python benchmarks/sync.py --tickets 10000 --workers 2 --parallel 1,2,4,8 --rounds 3
    python benchmarks/sync.py --growth 1000,10000,100000 [--tracemalloc]
    eval "$(scripts/znuny-server env 7.0.9)"
    python benchmarks/sync.py --znuny-env --seed-gi 2000 --parallel 1,2,4,8 --rounds 3

``--parallel`` pulls everything into an emptied cache once per value per round, the values
taking turns in a rotating order, with the product's own client (its 15 s timeout): tickets per
second min / median / max, and every error or timeout. ``--growth`` seeds a fresh sandbox of
each size and pulls it once with the defaults: tickets per second, peak RSS growth (sampled)
and, with ``--tracemalloc``, the traced peak of a second pull. ``--znuny-env`` pulls the Znuny
that the ``RADIANT_ZNUNY_*`` variables name instead of a sandbox (every ticket it holds;
``--seed-gi N`` first creates N tickets through ``TicketCreate``, ``--seed-threads`` at once,
for the e-mail customer ``RADIANT_BENCH_CUSTOMER`` (default ``sync-benchmark@example.com``,
whom the live tests do not list), titled ``sync benchmark <n>``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _measure import footer, header, load, rotations, rss_peak, spread
from sqlalchemy import Engine, delete, func, inspect, select, text

from radiant_ext.client import NewArticle, NewTicket, TicketChanges, ZnunyClient
from radiant_ext.config import Settings, load_settings
from radiant_ext.store import TicketCache, make_engine, session_scope, upgrade_database
from radiant_ext.sync import JobContext
from radiant_ext.sync.tickets import full_resync, pull_tickets

PRIORITIES = ("1 very low", "2 low", "3 normal", "4 high", "5 very high")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sandbox_server(data_dir: Path, workers: int, threads: int) -> Iterator[str]:
    """Serve ``data_dir`` with gunicorn on 127.0.0.1; yield the base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--worker-class", "gthread", "--threads", str(threads), "--timeout",
         "300", "--keep-alive", "5", f"radiant_ext_sandbox:create_app(data_dir={str(data_dir)!r})"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


DROP_INDEXES = ""
"""``--drop-indexes``: the ticket cache's indexes whose names start with this are dropped."""


def _drop_indexes(engine: Engine) -> None:
    """Drop the indexes named by ``--drop-indexes`` (to see what keeping them costs a pull)."""
    if not DROP_INDEXES:
        return
    names = [i["name"] for i in inspect(engine).get_indexes("ticket_cache")
             if str(i["name"]).startswith(DROP_INDEXES)]
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(f'DROP INDEX "{name}"'))
    print(f"dropped {len(names)} indexes of ticket_cache: {', '.join(map(str, names))}")


@contextmanager
def store(database_url: str | None, folder: Path) -> Iterator[Engine]:
    """A migrated, empty store: SQLite in ``folder`` or a fresh PostgreSQL schema."""
    if not database_url:
        engine = make_engine(f"sqlite:///{folder / 'store.sqlite3'}")
        upgrade_database(engine)
        _drop_indexes(engine)
        yield engine
        engine.dispose()
        return
    schema = f"bench_sync_{os.getpid()}"
    admin = make_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(f"{database_url}?options=-csearch_path%3D{schema}")
    try:
        upgrade_database(engine)
        _drop_indexes(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(step: Callable[[], dict[str, int]]) -> dict[str, Any]:
    """Run ``step``; return its counts with wall and CPU seconds and peak RSS growth."""
    rss0, cpu0, wall0 = _rss_mb(), time.process_time(), time.perf_counter()
    counts = step()
    return {"counts": counts, "wall": time.perf_counter() - wall0,
            "cpu": time.process_time() - cpu0, "rss_growth_mb": _rss_mb() - rss0}


def change_tickets(client: ZnunyClient, ids: list[int], count: int) -> float:
    """Change ``count`` random tickets (title and priority); return the seconds it took."""
    rng = random.Random(7)
    started = time.perf_counter()
    for n, ticket_id in enumerate(rng.sample(ids, count)):
        client.ticket_update(ticket_id, ticket=TicketChanges(
            title=f"changed by the benchmark #{n}", priority=rng.choice(PRIORITIES)))
    return time.perf_counter() - started


def seed_in_child(data_dir: Path, count: int) -> None:
    """Generate the tickets in a child process, so its memory is not counted as the pull's."""
    code = ("import sys; from radiant_ext_sandbox import generate_tickets; "
            "generate_tickets(sys.argv[1], int(sys.argv[2]), seed=42)")
    subprocess.run([sys.executable, "-c", code, str(data_dir), str(count)], check=True)


class Timed:
    """Wrap the client's search and get calls to add up the time spent waiting on Znuny."""

    def __init__(self, client: ZnunyClient) -> None:
        self.client = client
        self.seconds = {"ticket_search": 0.0, "ticket_get_many": 0.0}
        self.calls = {"ticket_search": 0, "ticket_get_many": 0}

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)
        if name not in self.seconds:
            return method

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1
        return timed

    def take(self) -> dict[str, Any]:
        """Return and reset the totals."""
        out = {"search_s": self.seconds["ticket_search"], "get_s": self.seconds["ticket_get_many"],
               "searches": self.calls["ticket_search"], "gets": self.calls["ticket_get_many"]}
        self.seconds = dict.fromkeys(self.seconds, 0.0)
        self.calls = dict.fromkeys(self.calls, 0)
        return out


@contextmanager
def seeded_sandbox(args: argparse.Namespace, root: Path) -> Iterator[tuple[Settings, Engine]]:
    """A sandbox seeded with ``args.tickets`` historical tickets, served by gunicorn, and the
    benchmark's store: the companion's settings for it and the store's engine."""
    started = time.perf_counter()
    seed_in_child(root / "sandbox", args.tickets)
    print(f"seeded {args.tickets} tickets in {time.perf_counter() - started:.1f} s")
    with sandbox_server(root / "sandbox", args.workers, args.threads) as url, \
            store(args.database_url, root) as engine:
        yield Settings(data_dir=root, znuny_url=url, znuny_user="radiant",
                       znuny_password="radiant-demo"), engine


def _cached(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(TicketCache)) or 0)


def traced_full_pull(ctx: JobContext, engine: Engine) -> float:
    """Pull everything again into an emptied cache under tracemalloc; return the peak MB."""
    with engine.begin() as conn:
        conn.execute(delete(TicketCache))
    tracemalloc.start()
    try:
        full_resync(ctx)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def _row(name: str, m: dict[str, Any]) -> tuple[str, ...]:
    return (name, str(m["counts"].get("pulled", "")), f"{m['wall']:.2f}", f"{m['cpu']:.2f}",
            f"{m['search_s']:.2f} ({m['searches']})", f"{m['get_s']:.2f} ({m['gets']})",
            f"{m['rss_growth_mb']:.0f}")


def run(args: argparse.Namespace, root: Path) -> None:
    """Seed, serve, pull fully, change, pull incrementally; print the table."""
    with seeded_sandbox(args, root) as (settings, engine):
        client = ZnunyClient.from_settings(settings, timeout=300.0)
        client.session_create()  # log in outside the measurement
        timed = Timed(client)
        ctx = JobContext(settings=settings, engine=engine, client_factory=lambda: timed)
        full = measure(lambda: full_resync(ctx)) | timed.take()
        assert _cached(engine) == args.tickets, "the full pull missed tickets"
        with session_scope(engine) as s:
            ids = list(s.scalars(select(TicketCache.ticket_id)))
        update_s = change_tickets(client, ids, args.changes)
        incremental = measure(lambda: pull_tickets(ctx)) | timed.take()
        peak = traced_full_pull(ctx, engine) if args.tracemalloc else None
        client.close()
    _report(args, full, incremental, update_s, peak)


def _report(args: argparse.Namespace, full: dict[str, Any], incremental: dict[str, Any],
            update_s: float, peak: float | None) -> None:
    print(f"{args.changes} TicketUpdates through the client: {update_s:.2f} s")
    _table([("pull", "tickets", "wall s", "cpu s", "search s (calls)", "get s (calls)",
             "peak RSS growth MB"),
            _row("full", full), _row(f"incremental after {args.changes} changes", incremental)])
    ratio = full["wall"] / max(incremental["wall"], 1e-9)
    print(f"full / incremental: {ratio:.0f}x wall, "
          f"{full['cpu'] / max(incremental['cpu'], 1e-9):.0f}x cpu")
    if peak is not None:
        print(f"full pull under tracemalloc: traced peak {peak:.1f} MB")
    ok = incremental["wall"] < 2.0 and ratio >= 100
    print(f"goal (incremental < 2 s and >= 100x cheaper): {'met' if ok else 'MISSED'}")


def _emptied(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(TicketCache))


class Slices:
    """A progress callback that prints the rate of every ``every`` tickets pulled."""

    def __init__(self, every: int) -> None:
        self.every, self.done, self.mark = every, 0, time.perf_counter()
        self.started = self.mark

    def __call__(self, _task: str, advance: int, _total: int | None) -> None:
        before, self.done = self.done, self.done + advance
        if self.every and before // self.every != self.done // self.every:
            now = time.perf_counter()
            print(f"  {self.done:,} pulled after {now - self.started:.0f} s; the last "
                  f"{self.every:,} at {self.every / (now - self.mark):.0f}/s, load {load()}",
                  flush=True)
            self.mark = now


def _one_pull(settings: Settings, engine: Engine, parallel: int,
              every: int = 0) -> dict[str, Any]:
    """Pull everything into an emptied cache with the product's client; time it."""
    _emptied(engine)
    settings = settings.model_copy(update={"sync_pull_parallel_batches": parallel})
    ctx = JobContext(settings=settings, engine=engine, progress=Slices(every),
                     client_factory=lambda: ZnunyClient.from_settings(settings))
    started, cpu = time.perf_counter(), time.process_time()
    try:
        pulled = full_resync(ctx)["pulled"]
        error = ""
    except Exception as exc:  # noqa: BLE001 - an error is a result here
        pulled, error = _cached(engine), f"{type(exc).__name__}: {exc}"[:200]
    finally:
        ctx.close()
    return {"wall": time.perf_counter() - started, "pulled": pulled, "error": error,
            "cpu": time.process_time() - cpu}


def compare_parallel(settings: Settings, engine: Engine, values: list[int],
                     rounds: int) -> None:
    """Full pulls with each number of parallel batches, rotating; print the spread."""
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in values}
    for number, order in rotations(values, rounds):
        for n in order:
            before = load()
            run_ = _one_pull(settings, engine, n)
            runs[n].append(run_)
            print(f"round {number + 1}, {n} parallel: {run_['pulled']} tickets, "
                  f"{run_['wall']:.1f} s ({run_['cpu']:.1f} s CPU here), "
                  f"{run_['pulled'] / run_['wall']:.0f}/s, load {before} "
                  f"-> {load()}{', ERROR ' + run_['error'] if run_['error'] else ''}",
                  flush=True)
    rows = [("parallel batches", "tickets", "wall s min / median / max",
             "tickets/s min / median / max", "errors")]
    for n in values:
        good = [r for r in runs[n] if not r["error"]]
        rows.append((str(n), "/".join(sorted({str(r["pulled"]) for r in runs[n]})),
                     spread([r["wall"] for r in good], "{:.1f}"),
                     spread([r["pulled"] / r["wall"] for r in good], "{:.0f}"),
                     str(len(runs[n]) - len(good))))
    _table(rows)


def growth(args: argparse.Namespace, root: Path) -> None:
    """A fresh sandbox per size, one full pull with the defaults; print the growth table."""
    rows = [("tickets", "seed s", "pull s", "CPU s here", "tickets/s", "ms/ticket",
             "peak RSS growth MB",
             "tracemalloc peak MB", "load before -> after")]
    for size in args.growth:
        folder = root / f"growth-{size}"
        started = time.perf_counter()
        seed_in_child(folder / "sandbox", size)
        seeded = time.perf_counter() - started
        with sandbox_server(folder / "sandbox", args.workers, args.threads) as url, \
                store(args.database_url, folder) as engine:
            settings = Settings(data_dir=folder, znuny_url=url, znuny_user="radiant",
                                znuny_password="radiant-demo")
            before = load()
            with rss_peak() as rss:
                result = _one_pull(settings, engine, settings.sync_pull_parallel_batches,
                                   every=max(size // 10, 1000))
            after = load()
            assert not result["error"] and result["pulled"] == size, result
            traced = _traced(settings, engine) if args.tracemalloc else None
        shutil.rmtree(folder, ignore_errors=True)
        rate = size / result["wall"]
        rows.append((f"{size:,}", f"{seeded:.0f}", f"{result['wall']:.1f}",
                     f"{result['cpu']:.1f}", f"{rate:.0f}",
                     f"{1000 / rate:.2f}", f"{rss.growth_mb:.1f}",
                     "—" if traced is None else f"{traced:.1f}", f"{before} -> {after}"))
        print(" | ".join(rows[-1]), flush=True)
    _table(rows)


def _traced(settings: Settings, engine: Engine) -> float:
    ctx = JobContext(settings=settings, engine=engine,
                     client_factory=lambda: ZnunyClient.from_settings(settings))
    try:
        return traced_full_pull(ctx, engine)
    finally:
        ctx.close()


def seed_over_gi(settings: Settings, count: int, threads: int) -> None:
    """Create ``count`` tickets through ``TicketCreate``, ``threads`` at a time."""
    queue = os.environ.get("RADIANT_LIVE_QUEUE", "IT")
    customer = os.environ.get("RADIANT_BENCH_CUSTOMER", "sync-benchmark@example.com")
    local = threading.local()

    def create(n: int) -> None:
        if not hasattr(local, "client"):
            local.client = ZnunyClient.from_settings(settings, timeout=120.0)
        local.client.ticket_create(
            NewTicket(title=f"sync benchmark {n}", queue=queue, state="new", type="Incident",
                      priority=PRIORITIES[n % 5], customer_user=customer),
            NewArticle(subject="sync benchmark", body=f"ticket {n} for the pull benchmark",
                       content_type="text/plain; charset=utf-8",
                       communication_channel="Internal", sender_type="agent"),
            dynamic_fields={"RadiantStore": f"store-{n % 30 + 1:03d}"})

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for done, _ in enumerate(pool.map(create, range(count)), 1):
            if done % 250 == 0:
                print(f"created {done} of {count} ({time.perf_counter() - started:.0f} s, "
                      f"load {load()})", flush=True)
    print(f"created {count} tickets through TicketCreate in {time.perf_counter() - started:.0f} "
          f"s with {threads} threads")


def against_znuny(args: argparse.Namespace, root: Path) -> None:
    """The real Znuny of the RADIANT_ZNUNY_* variables: seed (optionally), compare."""
    settings = load_settings(data_dir=root, database_url="")
    if args.seed_gi:
        seed_over_gi(settings, args.seed_gi, args.seed_threads)
    with store(args.database_url, root) as engine:
        compare_parallel(settings, engine, args.parallel or [1], args.rounds)


def against_sandbox(args: argparse.Namespace, root: Path) -> None:
    """A seeded sandbox under gunicorn: compare the numbers of parallel batches."""
    with seeded_sandbox(args, root) as (settings, engine):
        compare_parallel(settings, engine, args.parallel, args.rounds)


def _sizes(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma list of whole numbers of at least 1")
    return values


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run the benchmark in a temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--database-url", default=os.environ.get("RADIANT_BENCH_DATABASE_URL"))
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also run the full pull under tracemalloc for its traced peak")
    parser.add_argument("--parallel", type=_sizes, metavar="N,N,…",
                        help="compare full pulls with these numbers of parallel batches")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --parallel")
    parser.add_argument("--growth", type=_sizes, metavar="SIZE,SIZE,…",
                        help="one full pull of a fresh sandbox of each size")
    parser.add_argument("--znuny-env", action="store_true",
                        help="pull the Znuny of the RADIANT_ZNUNY_* variables, not a sandbox")
    parser.add_argument("--seed-gi", type=int, default=0,
                        help="with --znuny-env: create this many tickets first (TicketCreate)")
    parser.add_argument("--seed-threads", type=int, default=8)
    parser.add_argument("--drop-indexes", default="", metavar="PREFIX",
                        help="drop the ticket cache's indexes whose names start with PREFIX "
                             "before pulling, e.g. ix_ticket_cache_list_ (what they cost)")
    args = parser.parse_args(argv)
    global DROP_INDEXES
    DROP_INDEXES = args.drop_indexes
    if args.changes > args.tickets:
        parser.error("--changes cannot exceed --tickets")
    extra = [f"Znuny at {os.environ.get('RADIANT_ZNUNY_URL')}"] if args.znuny_env else [
        f"sandbox under gunicorn {args.workers} worker(s) x {args.threads} threads"]
    header(*extra)
    root = Path(tempfile.mkdtemp(prefix="radiant-bench-sync-"))
    try:
        if args.znuny_env:
            against_znuny(args, root)
        elif args.growth:
            growth(args, root)
        elif args.parallel:
            against_sandbox(args, root)
        else:
            run(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        footer()


if __name__ == "__main__":
    main()
