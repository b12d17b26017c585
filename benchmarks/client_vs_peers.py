"""Benchmark: radiant_ext's Znuny client against bare requests + json, PyOTRS, pyznuny, znuny and
otobo-znuny, all on one sandbox, in rotating order over repeated rounds.

One command from a clean checkout::

    python benchmarks/client_vs_peers.py        # 1,000 tickets, 200 updates, 5 rounds
    python benchmarks/client_vs_peers.py --tickets 200 --updates 50 --repeat 2   # ~1 minute

It creates ``benchmarks/.venv`` (radiant_ext plus the peers pinned in
``benchmarks/requirements-peers.txt``, from PyPI; re-installed when that file changes) and re-runs
itself there, seeds a sandbox (retail seed) in a temporary folder, serves it with gunicorn on
127.0.0.1 and has every contender do the same work: create N tickets (one article each; in
``--repeat`` slices), then per round search them, fetch all N with articles and update U of
them. Every update round changes title, state and priority to values the tickets do not have
yet (so the server does real work each round), and the change is read back afterwards, outside
the measurement. Within every slice and round the contenders take turns in a rotating order.

Each contender is driven with its defaults, the way its documentation shows; radiant_ext's
parallel batches (``workers=4``) are an option and are measured as a separate contender in the
fetch phase only. ``bare`` is plain ``requests.Session`` + ``json.loads`` doing the same
requests as radiant_ext (100-ID batches): the floor. Per phase the wall time and this process's
CPU time (``time.process_time``; the server is another process) are printed as median [min–max],
with the requests the server saw (gunicorn's access log), the load average before and after, the
machine and the command. The headline is radiant_ext's fetch CPU per 1,000 tickets against
bare's, round by round.

``--znuny`` runs the same against the Znuny of ``RADIANT_ZNUNY_URL`` / ``_USER`` / ``_PASSWORD``
(``_SCRIPT_PATH``, ``_WEBSERVICE``; queue and type from ``RADIANT_LIVE_QUEUE`` / ``_TYPE``, the
customer ``RADIANT_BENCH_CUSTOMER``, default client-benchmark@example.com; see
docs/live-servers.md) instead of the sandbox, with the contenders
that work with its stock web service (radiant_ext, bare, PyOTRS, pyznuny) and no request counts.
It creates ``--tickets`` tickets per contender there.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qsl

from _measure import load, machine
from client_peers import (
    PEER_ROUTES,
    PEER_WS,
    TARGET,
    Bare,
    Contender,
    OtoboZnuny,
    PyOTRS,
    PyZnuny,
    Radiant,
    RadiantParallel,
    SoftoftZnuny,
    read_back,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv"
REQUIREMENTS = HERE / "requirements-peers.txt"
PHASES = ("create", "search", "fetch", "update")
CONTENDERS: list[type[Contender]] = [Radiant, Bare, PyOTRS, PyZnuny, SoftoftZnuny, OtoboZnuny]
DISTRIBUTIONS = ("PyOTRS", "pyznuny", "znuny", "otobo-znuny", "requests", "httpx", "pydantic",
                 "gunicorn")


# -- environment ------------------------------------------------------------------------------


def ensure_venv() -> None:
    """Re-run inside benchmarks/.venv, creating or updating it when the requirements changed."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements-sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not python.exists():
        print(f"creating {VENV} (radiant_ext + peers from PyPI) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(REPO),
                        "-e", str(REPO / "sandbox"), "-r", str(REQUIREMENTS)],
                       check=True)
        stamp.write_text(wanted)
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_peer_webservice(data_dir: Path) -> None:
    """The web service znuny and otobo-znuny need (their own routes: POST get, PUT update)."""
    import datetime as dt

    from radiant_ext_sandbox import routing
    from radiant_ext_sandbox.db import make_engine
    from radiant_ext_sandbox.seeds import _base

    routing.ROUTE_SETS["benchmark-peer"] = PEER_ROUTES
    with make_engine(data_dir).begin() as conn:
        _base.add_webservice(conn, dt.datetime.now(dt.UTC).replace(tzinfo=None), PEER_WS,
                             "benchmark-peer")


class Remote:
    """A Znuny elsewhere: nothing to start, no access log to count requests from."""

    counts = False

    def __init__(self) -> None:
        missing = [name for name in ("RADIANT_ZNUNY_URL", "RADIANT_ZNUNY_USER",
                                     "RADIANT_ZNUNY_PASSWORD") if not os.environ.get(name)]
        if missing:
            raise SystemExit(f"--znuny needs {', '.join(missing)} (see docs/live-servers.md)")
        env = os.environ
        self.url = env["RADIANT_ZNUNY_URL"].rstrip("/")
        TARGET.agent, TARGET.password = env["RADIANT_ZNUNY_USER"], env["RADIANT_ZNUNY_PASSWORD"]
        TARGET.script = env.get("RADIANT_ZNUNY_SCRIPT_PATH", "otrs/").strip("/") + "/"
        TARGET.webservice = env.get("RADIANT_ZNUNY_WEBSERVICE", TARGET.webservice)
        TARGET.queue = env.get("RADIANT_LIVE_QUEUE", TARGET.queue)
        TARGET.type = env.get("RADIANT_LIVE_TYPE", TARGET.type)
        # an e-mail address, not a customer user of the live tests: their lists stay as they were
        TARGET.customer = env.get("RADIANT_BENCH_CUSTOMER", "client-benchmark@example.com")

    def lines(self) -> list[str]:
        return []

    def stop(self) -> None: ...


class Server:
    """The sandbox under gunicorn; counts requests from the access log."""

    counts = True

    def __init__(self, workers: int, threads: int) -> None:
        from radiant_ext_sandbox import create_app

        self.dir = Path(tempfile.mkdtemp(prefix="radiant-bench-"))
        create_app(self.dir, seed="retail")
        add_peer_webservice(self.dir)
        self.log = self.dir / "access.log"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
             "--keep-alive", "5", "--access-logfile", str(self.log),
             "--access-logformat", "%(m)s %(U)s %(s)s %(B)s %(q)s",
             f"radiant_ext_sandbox:create_app(data_dir={str(self.dir)!r})"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start")

    def lines(self) -> list[str]:
        """Access-log lines so far: ``METHOD PATH STATUS BYTES QUERY``."""
        time.sleep(0.3)  # gunicorn writes the access line after the answer
        return self.log.read_text().splitlines() if self.log.exists() else []

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    cpu: float


@dataclass
class Result:
    name: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    checked: list[tuple[int, int]] = field(default_factory=list)  # (changed, updated) per round
    fetch_bytes: int = 0
    fetch_flags: str = ""


def rotated(items: list[Contender], turn: int) -> list[Contender]:
    return items[turn % len(items):] + items[: turn % len(items)]


def run_phase(lib: Contender, phase: str, server: Server | Remote, result: Result,
              round_: int) -> None:
    """Time one phase (wall and CPU); count the server's requests in its first round."""
    counting = server.counts and (phase == "create" or phase not in result.requests)
    before = len(server.lines()) if counting else 0
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        lib.update(round_) if phase == "update" else getattr(lib, phase)()
    except Exception as exc:  # noqa: BLE001 - a peer failing is a result, not a crash
        result.notes.append(f"{phase} round {round_} failed: {type(exc).__name__}: "
                            f"{str(exc)[:120]}")
    result.samples.setdefault(phase, []).append(
        Sample(time.perf_counter() - wall, time.process_time() - cpu))
    if not counting:
        return
    new = server.lines()[before:]
    result.requests[phase] = result.requests.get(phase, 0) + len(new)
    if phase == "fetch":
        fields = [line.split(" ", 4) for line in new]
        result.fetch_bytes = sum(int(f[3]) for f in fields if len(f) > 3 and f[3].isdigit())
        query = dict(parse_qsl(fields[0][4])) if fields and len(fields[0]) > 4 else {}
        flags = {k: v for k, v in query.items() if k not in ("SessionID", "TicketID")}
        result.fetch_flags = " ".join(f"{k}={v}" for k, v in sorted(flags.items())) or (
            f"({fields[0][0]} body)" if fields else "")


def run_all(libs: list[Contender], server: Server | Remote, n: int,
            repeat: int) -> dict[str, Result]:
    """Creates in ``repeat`` slices, then ``repeat`` rounds of search, fetch and update; every
    slice and phase in a new rotating order. Updates are read back after each round."""
    results = {lib.name: Result(lib.name) for lib in libs}
    for lib in libs:
        lib.setup()
    makers = [lib for lib in libs if "create" in lib.phases]
    bounds = [n * k // repeat for k in range(repeat + 1)]
    for round_, (start, stop) in enumerate(zip(bounds, bounds[1:], strict=False)):
        for lib in rotated(makers, round_):
            lib.span = range(start, stop)
            run_phase(lib, "create", server, results[lib.name], round_)
    for round_ in range(repeat):
        for index, phase in enumerate(PHASES[1:], start=1):
            for lib in rotated(libs, round_ * 3 + index):
                if phase not in lib.phases:
                    continue
                if phase == "fetch" and round_ == 0:
                    lib.setup_fetch()
                run_phase(lib, phase, server, results[lib.name], round_)
                if phase == "search" and len(lib.ids) != n:
                    results[lib.name].notes.append(f"search found {len(lib.ids)} of {n}")
        for lib in libs:
            if "update" in lib.phases:
                results[lib.name].checked.append(read_back(server.url, lib, round_))
    for lib in libs:
        lib.close()
        results[lib.name].notes.extend(lib.notes)
    return results


def warm_up(server: Server | Remote) -> None:
    """Let every gunicorn worker load and warm its caches before anything is measured."""
    for cls in (Radiant, Bare):
        lib = cls(server.url, 10, 5)
        lib.marker = f"bench-warm-up-{cls.__name__}-{int(time.time())}"
        lib.setup()
        lib.create()
        for round_ in range(2):
            lib.search()
            lib.fetch()
            lib.update(round_)
        lib.close()


# -- report -----------------------------------------------------------------------------------


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    scaled = [v * scale for v in values]
    if len(scaled) == 1:
        return f"{scaled[0]:.{digits}f}"
    return (f"{statistics.median(scaled):.{digits}f} [{min(scaled):.{digits}f}–"
            f"{max(scaled):.{digits}f}]")


def wall_table(results: list[Result], n: int, repeat: int) -> str:
    rows = ["| contender | create s, all slices (req) | search s (req) | fetch s (req) "
            "| update s (req) |", "|---|---|---|---|---|"]
    for r in results:
        cells = []
        for phase in PHASES:
            samples = r.samples.get(phase)
            if not samples:
                cells.append("—")
                continue
            walls = [s.wall for s in samples]
            counted = f" ({r.requests[phase]})" if phase in r.requests else ""
            if phase == "create":
                per = [1000 * w / max(1, n // repeat) for w in walls]
                cells.append(f"{sum(walls):.2f}{counted}; {spread(per, digits=1)} ms each")
            else:
                cells.append(f"{spread(walls)}{counted}")
        rows.append(f"| {r.name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def cpu_table(results: list[Result], n: int, u: int, repeat: int) -> str:
    rows = ["| contender | create, ms per ticket | search, ms | fetch, ms per 1,000 tickets "
            "| update, ms per update |", "|---|---|---|---|---|"]
    per = {"create": 1000 / max(1, n // repeat), "search": 1000.0, "fetch": 1000 * 1000 / n,
           "update": 1000 / max(1, u)}
    for r in results:
        cells = [spread([s.cpu for s in r.samples[p]], per[p], 1) if r.samples.get(p) else "—"
                 for p in PHASES]
        rows.append(f"| {r.name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def headline(results: dict[str, Result], n: int) -> str:
    client, bare = results[Radiant.name].samples["fetch"], results[Bare.name].samples["fetch"]
    ratios = [c.cpu / b.cpu for c, b in zip(client, bare, strict=True)]
    scale = 1000 * 1000 / n
    return (f"fetch CPU per 1,000 tickets: radiant_ext {spread([s.cpu for s in client], scale, 1)}"
            f" ms, bare requests + json {spread([s.cpu for s in bare], scale, 1)} ms; "
            f"ratio radiant_ext / bare per round {spread(ratios)} (goal ≤ 1.5)")


def versions() -> str:
    """The versions of the peers and of what they and radiant_ext stand on."""
    found = []
    for name in DISTRIBUTIONS:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def report(results: dict[str, Result], args: argparse.Namespace, before: str,
           started: float) -> None:
    ordered = [results[c.name] for c in CONTENDERS if c.name in results]
    print(f"\ncommand: {shlex.join(['python', 'benchmarks/client_vs_peers.py', *sys.argv[1:]])}")
    print(f"machine: {machine(versions())}")
    print(f"load average (1, 5, 15 min): {before} before, {load()} after; "
          f"{time.perf_counter() - started:.0f} s in all")
    where = (f"the Znuny at {os.environ.get('RADIANT_ZNUNY_URL')} ({TARGET.script}, web service "
             f"{TARGET.webservice})" if args.znuny else f"sandbox (retail seed) under gunicorn "
             f"{args.workers} workers x {args.threads} threads on 127.0.0.1")
    print(f"{args.tickets} tickets, {args.updates} updates, {args.repeat} rounds; {where}\n")
    if Radiant.name in results and Bare.name in results:
        print(headline(results, args.tickets) + "\n")
    print("wall time, median [min–max] over the rounds (requests the server saw, first round):\n")
    print(wall_table(ordered, args.tickets, args.repeat))
    print("\nCPU time of this process, median [min–max]:\n")
    print(cpu_table(ordered, args.tickets, args.updates, args.repeat))
    option = results.get(RadiantParallel.name)
    if option:
        fetches = option.samples["fetch"]
        counted = f" ({option.requests['fetch']} requests)" if "fetch" in option.requests else ""
        print(f"\noption: {option.name}, fetch only: wall {spread([s.wall for s in fetches])} s"
              f"{counted}, CPU "
              f"{spread([s.cpu for s in fetches], 1e6 / args.tickets, 1)} ms per 1,000 tickets")
    if any(r.fetch_flags for r in ordered):
        print("\n| contender | fetch flags (first request) | answer bytes, all fetch requests |")
        print("|---|---|---|")
        for r in ordered:
            print(f"| {r.name} | {r.fetch_flags} | {r.fetch_bytes:,} |")
    print()
    for r in ordered:
        if r.checked:
            rounds = ", ".join(f"{c}/{u}" for c, u in r.checked)
            print(f"* {r.name}: updates read back as changed per round: {rounds}")
        for note in r.notes:
            print(f"* {r.name}: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--repeat", type=int, default=5,
                        help="create slices and rounds of search, fetch and update")
    parser.add_argument("--parallel", type=int, default=4, help="workers of the radiant_ext "
                        "option contender (fetch only); 0 leaves it out")
    parser.add_argument("--only", nargs="*", help="contender names to run")
    parser.add_argument("--znuny", action="store_true", help="against the Znuny of "
                        "RADIANT_ZNUNY_URL instead of the sandbox (stock web service: radiant_ext,"
                        " bare, PyOTRS, pyznuny)")
    args = parser.parse_args()
    if args.tickets < 1 or not 0 < args.updates <= args.tickets or args.repeat < 1:
        parser.error("need --tickets >= 1, 0 < --updates <= --tickets, --repeat >= 1")
    ensure_venv()
    before = load()
    started = time.perf_counter()
    server: Server | Remote = Remote() if args.znuny else Server(args.workers, args.threads)
    chosen = [cls for cls in CONTENDERS if (not args.only or cls.name in args.only)
              and not (args.znuny and issubclass(cls, SoftoftZnuny))]
    try:
        warm_up(server)
        libs = [cls(server.url, args.tickets, args.updates) for cls in chosen]
        radiant = next((lib for lib in libs if isinstance(lib, Radiant)), None)
        if args.parallel and radiant is not None:
            RadiantParallel.workers = args.parallel
            RadiantParallel.name = f"radiant_ext workers={args.parallel}"
            RadiantParallel.source = radiant
            libs.append(RadiantParallel(server.url, args.tickets, args.updates))
        results = run_all(libs, server, args.tickets, args.repeat)
    finally:
        server.stop()
    report(results, args, before, started)


if __name__ == "__main__":
    main()
