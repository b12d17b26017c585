"""Latency of the portal's webhook endpoint under concurrent invoker calls (issue 9, item 5).

Usage::

    python benchmarks/webhook.py [--concurrency 20] [--requests 1000] [--seconds 30]
                                 [--workers 2] [--threads 4] [--profile 200]
                                 [--cache-enablement 2]

Starts the portal (``radiant_ext.portal:create_app()``, which serves ``POST /-/znuny/webhook``)
under gunicorn on 127.0.0.1 with the installed department plugins and a migrated SQLite store,
then sends invoker requests of the recorded shape (``shared/contract/znuny-webhook/`` file 05,
an e-mail ticket: title, first article, store and clerk varied; every fifth event is an
``ArticleCreate`` that the endpoint acknowledges and ignores) from ``--concurrency`` threads,
one connection per request with Znuny's headers and pre-emptive Basic auth, until
``--requests`` were answered or ``--seconds`` passed. Prints p50/p95/max latency and requests/s.
Goal (Znuny waits for the answer): p95 <= 100 ms at 20 concurrent events.

``--profile N`` instead runs N requests through the app in this process under cProfile and
prints where the server's time goes. ``--cache-enablement S`` measures, for comparison, the
portal with the department switches and disabled catalog items memoised for S seconds.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import http.client
import json
import os
import platform
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORDING = ROOT.parent / "shared/contract/znuny-webhook/05-TicketCreate-email-postmaster.json"
USER, SECRET = "znuny", "bench-secret"
PATH = "/-/znuny/webhook/ticket-create"
SUBJECTS = [
    "Cash register in store {n} does not work",
    "Receipt printer at till 2 jams",
    "Price-tag printer prints blank labels",
    "Door lock of the back entrance is broken",
    "Lighting in the sales room flickers",
    "Certificate of employment needed",
    "Question about invoice 2026-118",
    "Hello from store {n}",
]


def payloads(count: int) -> list[bytes]:
    """``count`` invoker bodies of the recorded shape, varied."""
    recorded = json.loads(RECORDING.read_text(encoding="utf-8"))["request"]["body"]
    out = []
    for i in range(count):
        n = i % 30 + 1
        body = json.loads(json.dumps(recorded))
        ticket, event = body["Ticket"], body["Event"]
        subject = SUBJECTS[i % len(SUBJECTS)].format(n=f"{n:03d}")
        ticket.update(
            TicketID=1000 + i,
            TicketNumber=f"2026112310{i:06d}",
            Title=subject,
            CustomerID=f"store-{n:03d}",
            CustomerUserID=f"clerk-{n:03d}-1",
        )
        for article in [ticket["Article"], *ticket["Articles"]]:
            article.update(Subject=subject, Body=f"{subject}.\nSince this morning.")
        event["TicketID"] = 1000 + i
        if i % 5 == 4:
            event.update(Event="ArticleCreate", ArticleID=ticket["Article"]["ArticleID"])
        out.append(json.dumps(body).encode("utf-8"))
    return out


def _environment(data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RADIANT_DATA_DIR=str(data),
        RADIANT_DATABASE_URL="",
        RADIANT_SECRET_KEY="b" * 48,
        RADIANT_WEBHOOK_USER=USER,
        RADIANT_WEBHOOK_SECRET=SECRET,
        RADIANT_CONFIG=str(data / "none.toml"),
        RADIANT_ZNUNY_USER="radiant",
        RADIANT_ZNUNY_PASSWORD="radiant-demo",
    )
    return env


def _migrate(env: dict[str, str]) -> None:
    os.environ.update({k: v for k, v in env.items() if k.startswith("RADIANT_")})
    from radiant_ext.config import load_settings
    from radiant_ext.store import make_engine, upgrade_database

    engine = make_engine(load_settings().effective_database_url)
    upgrade_database(engine)
    engine.dispose()


@contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int, app: str) -> Iterator[int]:
    """Serve the portal on 127.0.0.1 (a free port, handed over as a bound socket)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"fd://{listener.fileno()}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(command, env=env, pass_fds=[listener.fileno()], cwd=ROOT)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        listener.close()


def _post(port: int, body: bytes, auth: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            PATH,
            body,
            {
                "TE": "deflate,gzip;q=0.3",
                "Connection": "TE, close",
                "Authorization": auth,
                "User-Agent": "REST::Client/273",
                "Content-Type": "application/json; charset=UTF-8",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def _wait_ready(port: int, auth: str, body: bytes) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _post(port, body, auth)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the portal did not start within 60 s")


def load(
    port: int, bodies: list[bytes], concurrency: int, total: int, seconds: float
) -> tuple[list[float], float, dict[int, int]]:
    """Send until ``total`` answers or ``seconds``; return latencies, wall time, statuses."""
    auth = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total))
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status, took = _post(port, bodies[i % len(bodies)], auth)
            with lock:
                latencies.append(took)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started, statuses


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def cached_enablement_app(seconds: float) -> Any:
    """The portal with ``DatabaseEnablement`` reads memoised for ``seconds`` (a comparison
    variant, not how the portal ships; ``--cache-enablement``)."""
    from radiant_ext.plugins import enablement
    from radiant_ext.portal import create_app

    for name in ("department_states", "disabled_items"):
        original = getattr(enablement.DatabaseEnablement, name)

        def cached(self: Any, _original: Any = original, _key: str = f"_bench_{name}") -> Any:
            hit = self.__dict__.get(_key)
            if hit is None or time.monotonic() - hit[0] > seconds:
                hit = self.__dict__[_key] = (time.monotonic(), _original(self))
            return hit[1]

        setattr(enablement.DatabaseEnablement, name, cached)
    return create_app()


def profile(env: dict[str, str], bodies: list[bytes], count: int) -> None:
    """Run ``count`` requests through the app in this process under cProfile."""
    from radiant_ext.portal import create_app

    client = create_app().test_client()
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode(),
        "Content-Type": "application/json; charset=UTF-8",
    }
    client.post(PATH, data=bodies[0], headers=headers)  # builds the router
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(count):
        client.post(PATH, data=bodies[i % len(bodies)], headers=headers)
    profiler.disable()
    print(
        f"{count} requests in process: {(time.perf_counter() - started) / count * 1000:.2f} "
        "ms each (with the profiler)"
    )
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument(
        "--app",
        default="radiant_ext.portal:create_app()",
        help="gunicorn app spec (to compare a variant of the portal)",
    )
    parser.add_argument(
        "--cache-enablement",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="compare: the portal with department switches and disabled items memoised",
    )
    args = parser.parse_args(argv)
    warm = 4 * args.workers * args.threads
    bodies = payloads(max(args.profile, warm + args.requests))  # one ticket id per request
    with tempfile.TemporaryDirectory(prefix="radiant-webhook-bench-") as tmp:
        env = _environment(Path(tmp))
        if args.cache_enablement:
            args.app = f"webhook:cached_enablement_app({args.cache_enablement})"
            env["PYTHONPATH"] = os.pathsep.join(
                [str(ROOT / "benchmarks"), env.get("PYTHONPATH", "")]
            )
        _migrate(env)
        if args.profile:
            profile(env, bodies, args.profile)
            return
        with gunicorn(env, args.workers, args.threads, args.app) as port:
            auth = "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
            _wait_ready(port, auth, bodies[0])
            load(port, bodies[:warm], args.concurrency, warm, 30)
            latencies, wall, statuses = load(
                port, bodies[warm:], args.concurrency, args.requests, args.seconds
            )
    report(args, latencies, wall, statuses)


def report(args: Any, latencies: list[float], wall: float, statuses: dict[int, int]) -> None:
    """Print the figures and what they were measured on."""
    ms = [x * 1000 for x in latencies]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at end"
    )
    print(
        f"app {args.app}, gunicorn gthread {args.workers} workers x {args.threads} threads; "
        f"{args.concurrency} concurrent clients in one process"
    )
    print(
        f"requests: {len(ms)} in {wall:.1f} s = {len(ms) / wall:.0f} requests/s; "
        f"statuses {statuses}"
    )
    print(
        f"latency: p50 {statistics.median(ms):.1f} ms, p95 {_percentile(ms, 0.95):.1f} ms, "
        f"max {max(ms):.1f} ms (goal p95 <= 100 ms)"
    )


if __name__ == "__main__":
    main()
