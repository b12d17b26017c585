"""Latency and throughput of the customer portal under gunicorn, one company with 10,000 tickets.

Usage::

    python benchmarks/portal.py [--tickets 10000] [--requests 200] [--concurrency 4]
                                [--workers 2] [--threads 4] [--keep DIR]

Set-up (timed and printed): the sandbox generator writes ``--tickets`` historical tickets into
a fresh retail sandbox, which are then all given to store 007 (customer company
``store-007``, half to ``demo-customer`` and half to ``store-manager``); the sandbox Znuny
runs under gunicorn; a full ticket pull of :mod:`radiant_ext.sync` fills the portal's local
ticket cache (the lists read it); the portal runs under gunicorn (``gthread``) on 127.0.0.1.

Measurement: ``demo-customer`` logs in, each page gets a few warm-up requests and then
``--requests`` sequential requests (p50/p95/max), then ``--concurrency`` clients send
``--requests`` requests each over the four pages in turn (requests per second). Pages: the
home (catalog), "my requests" and "my company's requests" in every state (the generated
tickets are historical, mostly closed: the first page of 25 of 5,000 and of 10,000 tickets),
and a request's detail page (read live from Znuny). Goal: p95 <= 50 ms for
the home and the lists.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests

COMPANY = "store-007"
USERS = ("demo-customer", "store-manager")
PAGES = (("home", "/"), ("my requests", "/requests?state=all"),
         ("company requests", "/requests/company?state=all"), ("detail", None))
GOAL_MS = 50.0


def _step(label: str) -> Callable[[], None]:
    start = time.perf_counter()
    print(f"  {label} …", end="", flush=True)
    return lambda: print(f" {time.perf_counter() - start:.1f} s", flush=True)


def _one_company(sandbox: Path) -> None:
    """Give every generated ticket to store 007 (both its customer users, RadiantStore)."""
    db = sqlite3.connect(sandbox / "sandbox.sqlite")
    try:
        store_field = db.execute(
            "SELECT id FROM dynamic_field WHERE name = 'RadiantStore'").fetchone()[0]
        db.execute("UPDATE ticket SET customer_id = ?, customer_user_id = CASE id % 2 "
                   "WHEN 0 THEN ? ELSE ? END", (COMPANY, *USERS))
        db.execute("UPDATE dynamic_field_value SET value_text = ? WHERE field_id = ?",
                   (COMPANY, store_field))
        db.commit()
    finally:
        db.close()


@contextmanager
def _gunicorn(app: str, env: dict[str, str], workers: int, threads: int,
              log: Path) -> Iterator[str]:
    """Run ``app`` under gunicorn on a free 127.0.0.1 port; yield its base URL."""
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers",
               str(workers), "--threads", str(threads), "--worker-class", "gthread",
               "--log-level", "info", app]
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = _wait_for_url(proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_url(proc: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", text)
        booted = text.count("Booting worker")
        if found and booted and _answers(found.group(1)):
            return found.group(1)
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn stopped:\n{text[-3000:]}")
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start:\n{log.read_text(errors='replace')[-3000:]}")


def _answers(url: str) -> bool:
    try:
        requests.get(url + "/", timeout=2)
    except requests.RequestException:
        return False
    return True


def _settings_env(root: Path, znuny: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}
    env.update({
        "RADIANT_ZNUNY_URL": znuny, "RADIANT_ZNUNY_USER": "radiant",
        "RADIANT_ZNUNY_PASSWORD": "radiant-demo", "RADIANT_DATA_DIR": str(root / "data"),
        "RADIANT_SECRET_KEY": "benchmark-" + "x" * 40,
        "RADIANT_SESSION_COOKIE_SECURE": "false",
        "RADIANT_ZNUNY_DB_URL": f"sqlite:///{root / 'sandbox' / 'sandbox.sqlite'}",
    })
    return env


def _fill_cache(env: dict[str, str]) -> int:
    """Migrate the store and run the sync engine's full ticket pull."""
    from radiant_ext.config import load_settings
    from radiant_ext.store import make_engine, upgrade_database
    from radiant_ext.sync import JobContext
    from radiant_ext.sync.tickets import pull_tickets

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("RADIANT_")})
    try:
        settings = load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    context = JobContext.from_settings(settings, engine=engine)
    try:
        return int(pull_tickets(context)["pulled"])
    finally:
        context.close()
        engine.dispose()


def _log_in(url: str, login: str) -> requests.Session:
    session = requests.Session()
    page = session.get(url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    answer = session.post(url + "/login", timeout=30, allow_redirects=False, data={
        "login": login, "password": "demo", "csrf_token": token.group(1), "next": "/"})
    if answer.status_code != 302:
        raise SystemExit(f"login as {login} failed: HTTP {answer.status_code}")
    return session


def _detail_path(session: requests.Session, url: str) -> str:
    listing = session.get(url + "/requests?state=all", timeout=30).text
    found = re.search(r'href="(/requests/\d+)"', listing)
    if not found:
        raise SystemExit("'my requests' lists no ticket: is the cache filled?")
    return found.group(1)


def _timed_get(session: requests.Session, url: str) -> float:
    start = time.perf_counter()
    answer = session.get(url, timeout=30, allow_redirects=False)
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"GET {url}: HTTP {answer.status_code}")
    return elapsed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _latencies(session: requests.Session, url: str, paths: dict[str, str],
               count: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for name, path in paths.items():
        for _ in range(5):  # warm-up: templates compiled, connections pooled
            _timed_get(session, url + path)
        times[name] = [_timed_get(session, url + path) for _ in range(count)]
    return times


def _throughput(url: str, paths: dict[str, str], clients: int, count: int) -> float:
    sessions = [_log_in(url, USERS[0]) for _ in range(clients)]
    cycle = list(paths.values())
    errors: list[BaseException] = []

    def run(session: requests.Session) -> None:
        try:
            for i in range(count):
                _timed_get(session, url + cycle[i % len(cycle)])
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"throughput run failed: {errors[0]}")
    return clients * count / elapsed


def _report(times: dict[str, list[float]], rate: float, args: argparse.Namespace) -> bool:
    print(f"\n{'page':<18} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  goal")
    met = True
    for name, values in times.items():
        p95 = _percentile(values, 0.95)
        goal = "" if name == "detail" else ("ok" if p95 <= GOAL_MS else "MISSED")
        met = met and goal != "MISSED"
        print(f"{name:<18} {len(values):>5} {statistics.median(values):>8.1f} {p95:>8.1f} "
              f"{max(values):>8.1f}  {goal}")
    print(f"\nthroughput: {rate:.0f} requests/s ({args.concurrency} clients x {args.requests} "
          f"requests over the four pages; {args.workers} workers x {args.threads} threads)")
    return met


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}; {load.strip()}"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200,
                        help="sequential requests per page; also per client for throughput")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="portal gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per portal worker")
    parser.add_argument("--keep", type=Path, help="keep the data in this folder")
    return parser.parse_args()


def _set_up(root: Path, args: argparse.Namespace, stack: ExitStack) -> str:
    from radiant_ext_sandbox import generate_tickets

    done = _step(f"sandbox: {args.tickets} generated tickets for {COMPANY}")
    generate_tickets(root / "sandbox", args.tickets)
    _one_company(root / "sandbox")
    done()
    done = _step("sandbox Znuny under gunicorn")
    znuny = stack.enter_context(_gunicorn(
        f'radiant_ext_sandbox:create_app(data_dir="{root / "sandbox"}")',
        {k: v for k, v in os.environ.items() if not k.startswith("RADIANT_")}, 2, 4,
        root / "sandbox-gunicorn.log"))
    done()
    env = _settings_env(root, znuny)
    done = _step("ticket cache: full pull (radiant_ext.sync)")
    pulled = _fill_cache(env)
    done()
    print(f"  pulled {pulled} tickets")
    done = _step("portal under gunicorn")
    portal = stack.enter_context(_gunicorn("radiant_ext.portal:create_app()", env,
                                           args.workers, args.threads,
                                           root / "portal-gunicorn.log"))
    done()
    return portal


def main() -> int:
    args = _arguments()
    print(f"machine: {_machine()}")
    print("command: python benchmarks/portal.py " + " ".join(sys.argv[1:]))
    root = args.keep or Path(tempfile.mkdtemp(prefix="radiant-portal-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        with ExitStack() as stack:
            url = _set_up(root, args, stack)
            session = _log_in(url, USERS[0])
            paths = {name: path or _detail_path(session, url) for name, path in PAGES}
            times = _latencies(session, url, paths, args.requests)
            rate = _throughput(url, paths, args.concurrency, args.requests)
        met = _report(times, rate, args)
        print(f"load after: {_machine().rsplit(';', 1)[1].strip()}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
