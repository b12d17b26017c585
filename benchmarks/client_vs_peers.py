"""Benchmark: radiant_ext's Znuny client against PyOTRS, pyznuny and znuny on one sandbox.

One command from a clean checkout::

    python benchmarks/client_vs_peers.py            # 1,000 tickets, 200 updates, 3 rounds
    python benchmarks/client_vs_peers.py --tickets 200 --updates 50 --repeat 1   # ~1 minute

It creates ``benchmarks/.venv`` (radiant_ext plus the peers pinned in
``benchmarks/requirements-peers.txt``, from PyPI) on first use and re-runs itself there, seeds a
sandbox (retail seed) in a temporary folder, serves it with gunicorn on 127.0.0.1, and runs the
same work with every library: create N tickets (one article each), search them, fetch all N
with articles, update U of them. The creates run in ``--repeat`` slices and search, fetch and
update are repeated ``--repeat`` times, the libraries taking turns in a rotating order each
round; the create time is the sum of the slices, the others are the median and range. It
prints wall time and the HTTP requests the server saw (counted from gunicorn's access log) per
phase and library, the fetch requests' flags and answer sizes, and the load average (the
machine may be shared).

Every library fetches with the same flags, ``AllArticles=1`` and nothing else (no
attachments, no dynamic fields), except ``znuny``, whose TicketGet request is fixed
(``DynamicFields=1``, ``Extended=1``, ``ArticleLimit=5``, ``HTMLBodyAsAttachment=1``).

Each library is driven the way its documentation intends; where it lacks an operation the
closest thing it offers is used and the table says so. The ``znuny`` package cannot talk to
a stock web service (it sends TicketGet as POST and TicketUpdate as PUT and expects
``IncludeTicketData``), so it gets its own web service with those routes in the sandbox.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv"
AGENT, PASSWORD = "radiant", "radiant-demo"
CUSTOMER, QUEUE, TYPE = "demo-customer", "IT", "Incident"
WS = "GenericTicketConnectorREST"
PEER_WS = "BenchmarkPeerREST"


# -- environment ------------------------------------------------------------------------------


def ensure_venv() -> None:
    """Re-run inside benchmarks/.venv, creating it first if needed."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not python.exists():
        print(f"creating {VENV} (radiant_ext + peers from PyPI) …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(REPO),
                        "-r", str(HERE / "requirements-peers.txt")], check=True)
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_peer_webservice(data_dir: Path) -> None:
    """The web service the ``znuny`` package needs (routes of its own builder, POST get)."""
    import datetime as dt

    from radiant_ext_sandbox import routing
    from radiant_ext_sandbox.db import make_engine
    from radiant_ext_sandbox.seeds import _base

    routing.ROUTE_SETS["benchmark-peer"] = [
        ("SessionCreate", "Session::SessionCreate", "/Session", ("POST",)),
        ("ticket-create", "Ticket::TicketCreate", "/ticket-create", ("POST",)),
        ("ticket-get", "Ticket::TicketGet", "/ticket-get", ("POST",)),
        ("ticket-search", "Ticket::TicketSearch", "/ticket-search", ("POST",)),
        ("ticket-update", "Ticket::TicketUpdate", "/ticket-update", ("PUT",)),
    ]
    with make_engine(data_dir).begin() as conn:
        _base.add_webservice(conn, dt.datetime.now(dt.UTC).replace(tzinfo=None), PEER_WS,
                             "benchmark-peer")


class Server:
    """The sandbox under gunicorn; counts requests from the access log."""

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
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", int(self.url.rsplit(":", 1)[1])), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start")

    def lines(self) -> list[str]:
        """Access-log lines so far: ``METHOD PATH STATUS BYTES QUERY``."""
        time.sleep(0.3)  # gunicorn writes the access line after the answer
        return self.log.read_text().splitlines() if self.log.exists() else []

    def requests(self) -> int:
        return len(self.lines())

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


# -- the work, per library --------------------------------------------------------------------


@dataclass
class Result:
    library: str
    seconds: dict[str, list[float]] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fetch_bytes: int = 0
    fetch_flags: str = ""


PHASES = ("create", "search", "fetch", "update")


class Library:
    """One library's way of doing each phase; subclasses fill in the four steps."""

    name = ""

    def __init__(self, url: str, n: int, u: int) -> None:
        self.url, self.n, self.u = url, n, u
        self.marker = f"bench-{self.name}-{int(time.time())}"
        self.ids: list[int] = []
        self.notes: list[str] = []
        self.span = range(n)  #: the tickets the next create() makes (a slice per round)

    def title(self, i: int) -> str:
        return f"{self.marker} {i:05d}"

    def setup(self) -> None: ...
    def setup_fetch(self) -> None: ...
    def create(self) -> None: ...
    def search(self) -> None: ...
    def fetch(self) -> None: ...
    def update(self) -> None: ...
    def close(self) -> None: ...


class Radiant(Library):
    name = "radiant_ext"

    #: batches fetched at once; 4 = the sandbox's 2 gunicorn workers x 2 (keep-alive
    #: connections stick to the worker process that accepted them)
    workers = 4

    def setup(self) -> None:
        from radiant_ext.client import AgentCredentials, ZnunyClient

        self.client = ZnunyClient(self.url, webservice=WS, route_set="otrs6",
                                  credentials=AgentCredentials(AGENT, PASSWORD), timeout=60)
        self.client.session_create()  # like the others: log in before anything is measured

    def create(self) -> None:
        from radiant_ext.client import NewArticle, NewTicket

        for i in self.span:
            self.client.ticket_create(
                NewTicket(title=self.title(i), queue=QUEUE, state="new", priority="3 normal",
                          type=TYPE, customer_user=CUSTOMER),
                NewArticle(subject="benchmark", body=f"ticket {i}",
                           content_type="text/plain; charset=utf-8",
                           communication_channel="Internal", sender_type="agent"))

    def search(self) -> None:
        self.ids = self.client.ticket_search(title=f"{self.marker}*", limit=self.n)

    def fetch(self) -> None:
        tickets = self.client.ticket_get_many(self.ids, chunk_size=100, workers=self.workers,
                                              all_articles=True)
        assert len(tickets) == self.n and all(t.articles for t in tickets)

    def update(self) -> None:
        from radiant_ext.client import TicketChanges

        for ticket_id in self.ids[: self.u]:
            self.client.ticket_update(ticket_id, ticket=TicketChanges(state="open"))

    def close(self) -> None:
        self.client.close()


class PyOTRS(Library):
    name = "PyOTRS"

    def setup(self) -> None:
        import pyotrs  # type: ignore[import-not-found]

        self.pyotrs = pyotrs
        self.client = pyotrs.Client(self.url, AGENT, PASSWORD, request_timeout=60,
                                    session_id_file=tempfile.mktemp(), use_legacy_sessions=True)
        self.client.session_create()

    def create(self) -> None:
        for i in self.span:
            ticket = self.pyotrs.Ticket.create_basic(
                Title=self.title(i), Queue=QUEUE, State="new", Priority="3 normal", Type=TYPE,
                CustomerUser=CUSTOMER)
            article = self.pyotrs.Article({
                "Subject": "benchmark", "Body": f"ticket {i}", "ContentType":
                "text/plain; charset=utf-8", "CommunicationChannel": "Internal",
                "SenderType": "agent"})
            self.client.ticket_create(ticket=ticket, article=article)

    def search(self) -> None:
        self.ids = [int(i) for i in self.client.ticket_search(Title=f"{self.marker}*",
                                                              Limit=self.n)]

    def setup_fetch(self) -> None:
        """Its documented way, all IDs in one list: tried once, outside the measurements."""
        try:
            self.client.ticket_get_by_list(self.ids, articles=True, dynamic_fields=False)
            self.chunk = len(self.ids) or 1
        except self.pyotrs.lib.HTTPError as exc:
            # one request with every ID: the URL is too long for the server (HTTP 414)
            self.notes.append("fetch: ticket_get_by_list with all IDs failed ("
                              + str(exc).splitlines()[1] + "); measured with 100-ID lists "
                              "chunked by the caller (the failed attempt not counted)")
            self.chunk = 100

    def fetch(self) -> None:
        tickets = []
        for start in range(0, len(self.ids), self.chunk):
            tickets += self.client.ticket_get_by_list(self.ids[start:start + self.chunk],
                                                      articles=True, dynamic_fields=False)
        assert len(tickets) == self.n

    def update(self) -> None:
        for ticket_id in self.ids[: self.u]:
            self.client.ticket_update(ticket_id, State="open")


class PyZnuny(Library):
    name = "pyznuny"

    def setup(self) -> None:
        from pyznuny.ticket.client import TicketClient  # type: ignore[import-not-found]

        self.client = TicketClient(
            f"{self.url}/otrs/nph-genericinterface.pl/Webservice/{WS}",
            username=AGENT, password=PASSWORD, timeout=60)
        self.client.register_endpoint("ticket_search", "GET", "/Ticket")
        self.notes.append("search: no search in pyznuny; raw request() on an added endpoint")

    def create(self) -> None:
        for i in self.span:
            self.client.ticket.create(
                Ticket={"Title": self.title(i), "Queue": QUEUE, "State": "new",
                        "Priority": "3 normal", "Type": TYPE, "CustomerUser": CUSTOMER},
                Article={"Subject": "benchmark", "Body": f"ticket {i}",
                         "ContentType": "text/plain; charset=utf-8", "SenderType": "agent"})

    def search(self) -> None:
        response = self.client.request("ticket_search", params={
            "SessionID": self.client.session_id, "Title": f"{self.marker}*", "Limit": self.n})
        self.ids = [int(i) for i in response.json().get("TicketID", [])]

    def fetch(self) -> None:
        for ticket_id in self.ids:
            ticket = self.client.ticket.get(ticket_id, all_articles=1).json()["Ticket"][0]
            assert ticket["Article"]

    def update(self) -> None:
        for ticket_id in self.ids[: self.u]:
            self.client.ticket.update(ticket_id, Ticket={"State": "open"})

    def close(self) -> None:
        self.client.close()


class SoftoftZnuny(Library):
    name = "znuny"

    def setup(self) -> None:
        import znuny  # type: ignore[import-not-found]

        self.znuny = znuny
        op = znuny.TicketOperation
        config = znuny.ClientConfig(
            base_url=f"{self.url}/otrs/nph-genericinterface.pl", webservice_name=PEER_WS,
            operation_url_map={op.CREATE: "ticket-create", op.GET: "ticket-get",
                               op.SEARCH: "ticket-search", op.UPDATE: "ticket-update"})
        import httpx

        self.client = znuny.ZnunyClient(config, client=httpx.AsyncClient(timeout=60))
        self.client.login(znuny.BasicAuth(user_login=AGENT, password=PASSWORD))
        self.loop = asyncio.new_event_loop()
        self.notes.append("own web service (POST get, PUT update); create/update raise "
                          "RuntimeError without IncludeTicketData: caught, tickets are changed; "
                          "fetch: asyncio.gather bounded to 8 concurrent gets")

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def create(self) -> None:
        z = self.znuny
        for i in self.span:
            ticket = z.TicketCreate(
                title=self.title(i), queue=z.IdName(name=QUEUE), state=z.IdName(name="new"),
                priority=z.IdName(name="3 normal"), type=z.IdName(name=TYPE),
                customer_user=CUSTOMER,
                article=z.Article(subject="benchmark", body=f"ticket {i}"))
            try:
                self.run(self.client.create_ticket(ticket))
            except RuntimeError:
                pass  # "create returned no Ticket": the sandbox, like stock Znuny, sends IDs only

    def search(self) -> None:
        search = self.znuny.TicketSearch(titles=[f"{self.marker}*"], limit=self.n)
        self.ids = [int(i) for i in self.run(self.client.search_tickets(search))]

    def fetch(self) -> None:
        # its search_and_get gathers one get per ID with no bound; 1,000 at once overran the
        # sandbox (HTTP 500s, requests still queued when the next library started), so the
        # gather is bounded to the server's 8 threads here
        gate = asyncio.Semaphore(8)

        async def one(ticket_id: int) -> Any:
            async with gate:
                return await self.client.get_ticket(ticket_id)

        async def fetch_all() -> list[Any]:
            return await asyncio.gather(*(one(i) for i in self.ids), return_exceptions=True)

        results = self.run(fetch_all())
        failed = [r for r in results if isinstance(r, BaseException)]
        assert not failed, f"{len(failed)} gets failed, first: {failed[0]!r}"
        assert len(results) == self.n

    def update(self) -> None:
        z = self.znuny
        for ticket_id in self.ids[: self.u]:
            try:
                self.run(self.client.update_ticket(z.TicketUpdate(id=ticket_id,
                                                                  state=z.IdName(name="open"))))
            except RuntimeError:
                pass

    def close(self) -> None:
        self.run(self.client.aclose())
        self.loop.close()


LIBRARIES: list[type[Library]] = [Radiant, PyOTRS, PyZnuny, SoftoftZnuny]


def rotated(libs: list[Library], turn: int) -> list[Library]:
    return libs[turn % len(libs):] + libs[: turn % len(libs)]


def run_phase(lib: Library, phase: str, server: Server, result: Result) -> None:
    before = server.lines()
    started = time.perf_counter()
    try:
        getattr(lib, phase)()
    except Exception as exc:  # noqa: BLE001 - a peer failing is a result, not a crash
        result.notes.append(f"{phase} failed: {type(exc).__name__}: {str(exc)[:120]}")
    result.seconds.setdefault(phase, []).append(time.perf_counter() - started)
    new = server.lines()[len(before):]
    if phase == "create":  # slices: all of them together make the phase
        result.requests[phase] = result.requests.get(phase, 0) + len(new)
    else:
        result.requests.setdefault(phase, len(new))  # the first round's count
    if phase == "fetch" and not result.fetch_flags:
        fields = [line.split(" ", 4) for line in new]
        result.fetch_bytes = sum(int(f[3]) for f in fields if len(f) > 3 and f[3].isdigit())
        query = dict(parse_qsl(fields[0][4])) if fields and len(fields[0]) > 4 else {}
        flags = {k: v for k, v in query.items() if k not in ("SessionID", "TicketID")}
        result.fetch_flags = " ".join(f"{k}={v}" for k, v in sorted(flags.items())) or (
            f"({fields[0][0]} body)" if fields else "")


def run_all(classes: list[type[Library]], server: Server, n: int, u: int,
            repeat: int) -> list[Result]:
    """Phase by phase; within a phase the libraries take turns in a rotating order, so load
    from elsewhere on the machine and the growing database hit every library alike. Search,
    fetch and update are then run ``repeat - 1`` more rounds, each in a new order."""
    libs = [cls(server.url, n, u) for cls in classes]
    results = {lib.name: Result(lib.name) for lib in libs}
    for lib in libs:
        lib.setup()
    bounds = [n * k // repeat for k in range(repeat + 1)]
    for round_, (start, stop) in enumerate(zip(bounds, bounds[1:], strict=False)):
        for lib in rotated(libs, round_):
            lib.span = range(start, stop)
            run_phase(lib, "create", server, results[lib.name])
    for index, phase in enumerate(PHASES[1:], start=1):
        if phase == "fetch":
            for lib in libs:
                lib.setup_fetch()
        for lib in rotated(libs, index):
            run_phase(lib, phase, server, results[lib.name])
            if phase == "search" and len(lib.ids) != n:
                results[lib.name].notes.append(f"search found {len(lib.ids)} of {n}")
    for round_ in range(1, repeat):
        for index, phase in enumerate(PHASES[1:]):
            for lib in rotated(libs, round_ + index + 1):
                run_phase(lib, phase, server, results[lib.name])
    for lib in libs:
        lib.close()
        results[lib.name].notes.extend(lib.notes)
    return [results[lib.name] for lib in libs]


def warm_up(server: Server) -> None:
    """Let every gunicorn worker load and warm its caches before anything is measured."""
    lib = Radiant(server.url, 10, 5)
    lib.marker = "bench-warm-up"
    lib.setup()
    for step in (lib.create, lib.search, lib.fetch, lib.update, lib.search, lib.fetch):
        step()
    lib.close()


def cell(values: list[float], requests: int) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f} ({requests})"
    return (f"{statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}] "
            f"({requests})")


def phase_seconds(result: Result, phase: str) -> float:
    values = result.seconds[phase]
    return sum(values) if phase == "create" else statistics.median(values)


def table(results: list[Result], n: int) -> str:
    head = "| library | " + " | ".join(f"{p} s (req)" for p in PHASES) + " | total s | requests |"
    rows = [head, "|" + "---|" * (len(PHASES) + 3)]
    for r in results:
        create = r.seconds["create"]
        per_ticket = [1000 * v / max(1, n // len(create)) for v in create]
        cells = [f"{sum(create):.2f} ({r.requests['create']})"
                 + (f" {min(per_ticket):.0f}–{max(per_ticket):.0f} ms each"
                    if len(create) > 1 else "")]
        cells += [cell(r.seconds[p], r.requests[p]) for p in PHASES[1:]]
        total = sum(phase_seconds(r, p) for p in PHASES)
        rows.append(f"| {r.library} | " + " | ".join(cells)
                    + f" | {total:.2f} | {sum(r.requests.values())} |")
    return "\n".join(rows)


def fetch_table(results: list[Result]) -> str:
    rows = ["| library | fetch flags (first request) | answer bytes, all fetch requests |",
            "|---|---|---|"]
    rows += [f"| {r.library} | {r.fetch_flags} | {r.fetch_bytes:,} |" for r in results]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of search, fetch and update (median and range shown)")
    parser.add_argument("--radiant-workers", type=int, default=Radiant.workers,
                        help="parallel batches for radiant_ext's fetch")
    parser.add_argument("--only", nargs="*", help="library names to run")
    args = parser.parse_args()
    if args.tickets < 1 or not 0 <= args.updates <= args.tickets or args.repeat < 1:
        parser.error("need --tickets >= 1, 0 <= --updates <= --tickets, --repeat >= 1")
    ensure_venv()
    Radiant.workers = args.radiant_workers
    load_before = os.getloadavg()
    started = time.perf_counter()
    server = Server(args.workers, args.threads)
    try:
        warm_up(server)
        chosen = [cls for cls in LIBRARIES if not args.only or cls.name in args.only]
        results = run_all(chosen, server, args.tickets, args.updates, args.repeat)
    finally:
        server.stop()
    load_after = os.getloadavg()
    print(f"\n{args.tickets} tickets, {args.updates} updates, {args.repeat} round(s) of "
          f"search/fetch/update; sandbox (retail seed) under gunicorn {args.workers} workers x "
          f"{args.threads} threads on 127.0.0.1; {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
          f"(1-minute); {time.perf_counter() - started:.0f} s in all\n")
    print(table(results, args.tickets))
    print()
    print(fetch_table(results))
    for r in results:
        for note in r.notes:
            print(f"* {r.library}: {note}")


if __name__ == "__main__":
    main()
