"""50 customers submitting at once: time to the confirmation, tickets filed, webhook calls.

Usage::

    python benchmarks/submit_burst.py [--customers 50] [--rounds 3]
                                      [--scenarios sandbox,znuny] [--submit-waits default,0]
                                      [--item it.pos-down]
                                      [--znuny-root /opt/radiant-znuny-bench]
                                      [--znuny-version 7.0.9] [--workers N --threads N]
                                      [--burst-seconds 120] [--number-seconds 120]
                                      [--keep DIR] [--json FILE]
    python benchmarks/submit_burst.py --profile 50

Each round runs every scenario once with every ``--submit-waits`` value
(``RADIANT_PORTAL_SUBMIT_WAIT_SECONDS``; ``default`` leaves it unset), in turns (each run goes
first in one of the rounds), each with a fresh data folder and fresh processes:

``sandbox``
    the sandbox Znuny (``radiant-ext sandbox``, retail seed) with its invoker calling the
    portal's webhook with the web service's timeout, as ``radiant-ext demo`` wires it; the
    customers are the seed's store clerks ``clerk-NNN-k`` (password ``demo``).
``znuny``
    the real Znuny of ``scripts/znuny-server`` under ``--znuny-root`` (never the default root,
    which other live tests use); its ``RadiantWebhook`` web service calls back into the same
    portal. The benchmark creates (once) and sets the password of ``--customers`` customer
    users ``burst-customer-NN`` of company ``store-007`` through Znuny's Perl API.

The ``znuny`` scenario needs the server up, with the webhook pointed at the port the
benchmark's relay takes (the portal's base URL: the web service adds
``/-/znuny/webhook/ticket-create``)::

    ZNUNY_ROOT=/opt/radiant-znuny-bench ZNUNY_PORT=19170 \
        RADIANT_WEBHOOK_URL=http://127.0.0.1:18570 scripts/znuny-server up 7.0.9

The portal runs as ``radiant-ext serve`` (gunicorn ``gthread``, its default 2 workers x 4
threads unless ``--workers``/``--threads`` are given) on 127.0.0.1 with a migrated SQLite
store and, in both scenarios, the demo's store directory (it knows ``store-007``); no
``radiant-ext sync`` runs. Znuny's webhook calls reach the portal through a relay
in a process of its own that writes down when each call's request arrived and when the
portal's answer began (the time Znuny waits for, against the web service's ``Timeout`` from
``deploy/znuny/RadiantWebhook.yml``).

One round: every customer, on a thread of its own, logs in through the login form (CSRF
token), opens the item's form and fills it; when all are ready they submit at once, follow
the redirect to the confirmation and, while it says the request is being filed, reload it
every 3 s as its ``<meta refresh>`` does. Measured: time from the submit POST to the
confirmation page (goal: p95 <= 1 s), what the first confirmation said, how many customers
were ever told "cannot be reached" for a request that was filed (goal: 0), time until the
page showed the ticket number. Then the outbox must be empty of unsent requests (after
``--number-seconds``; otherwise ``radiant-ext sync run outbox-drain`` runs once), and the
agent client must find exactly one ticket per reference by its ``RadiantRequestID`` and
exactly ``--customers`` tickets of these customers created in the round (goal: exactly 50,
no duplicates). Webhook: every call answered within the timeout (relay), plus, on the real
Znuny, new webhook errors in ``var/log/znuny.log`` and retry tasks scheduled for the web
service, and the ``TicketCreate`` times of Apache's access log.

Every request has a timeout, the submit phase ends after ``--burst-seconds`` and the waiting
for numbers after ``--number-seconds``; the processes started here are stopped at the end
of each scenario (the real Znuny keeps running: stop it with
``ZNUNY_ROOT=/opt/radiant-znuny-bench scripts/znuny-server down 7.0.9``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
WEBHOOK_YAML = ROOT / "deploy" / "znuny" / "RadiantWebhook.yml"
WEBHOOK_PATH = "/-/znuny/webhook/ticket-create"
DEFAULT_ROOT = Path("/opt/radiant-znuny")
COMPANY = "store-007"
GOAL_P95 = 1.0
REFRESH_SECONDS = 3.0  # the confirmation's <meta http-equiv="refresh" content="3">
HTTP_TIMEOUT = 30.0


# ---------------------------------------------------------------------------------------------
# small helpers


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return (f"{statistics.median(values):.2f} / {_percentile(values, 0.95):.2f} / "
            f"{max(values):.2f}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{log.name}: the process stopped:\n"
                             f"{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port} after {seconds:.0f} s: {log}")


@contextmanager
def _process(command: list[str], env: dict[str, str],
             log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` in its own process group; stop it (TERM, then KILL) on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _machine() -> str:
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return (f"{platform.system()} {platform.release()}, {cpu}, nproc {os.cpu_count()}, "
            f"{mem / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def webhook_timeout() -> float:
    """``Requester.Transport.Config.Timeout`` of the webhook web service (seconds)."""
    import yaml

    config = yaml.safe_load(WEBHOOK_YAML.read_text(encoding="utf-8"))
    return float(config["Requester"]["Transport"]["Config"]["Timeout"])


# ---------------------------------------------------------------------------------------------
# the relay in front of the webhook (a process of its own: --relay LISTEN TARGET LOG)


def relay_main(listen: int, target: int, log_path: str) -> None:
    """Pass connections on to ``target``; log per connection when the request arrived, when
    the answer began and ended, and whether the caller gave up first (one JSON line each)."""
    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - process-long

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        record: dict[str, Any] = {"accepted": time.time()}
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError as exc:
            record["error"] = f"portal: {exc}"
            log.write(json.dumps(record) + "\n")
            writer.close()
            return

        async def upward() -> None:
            head = b""
            while data := await reader.read(65536):
                record.setdefault("request_at", time.time())
                if len(head) < 300:
                    head += data[:300]
                    record["request"] = head.split(b"\r\n", 1)[0].decode("latin-1")
                up_writer.write(data)
                await up_writer.drain()
            record["caller_closed_at"] = time.time()
            if up_writer.can_write_eof():  # the portal closes once it has answered
                up_writer.write_eof()

        async def downward() -> None:
            head = b""
            while data := await up_reader.read(65536):
                record.setdefault("answer_at", time.time())
                if len(head) < 100:
                    head += data[:100]
                    record["status"] = head.split(b"\r\n", 1)[0].decode("latin-1")
                try:
                    writer.write(data)
                    await writer.drain()
                except (ConnectionError, OSError):
                    record["caller_gone"] = True
            record["answer_end"] = time.time()

        up = asyncio.ensure_future(upward())
        try:
            await asyncio.wait_for(downward(), timeout=120)
        except (TimeoutError, ConnectionError, OSError) as exc:
            record["error"] = repr(exc)
        up.cancel()
        log.write(json.dumps(record) + "\n")
        for w in (writer, up_writer):
            try:
                w.close()
            except OSError:
                pass

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=256)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        async with server:
            await stop.wait()

    asyncio.run(serve())


def relay_calls(log: Path, since: float) -> list[dict[str, Any]]:
    """The calls since ``since`` (connections that sent no request, like the start-up
    probe, are left out)."""
    calls = []
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else ():
        record = json.loads(line)
        if record["accepted"] >= since and "request_at" in record:
            calls.append(record)
    return calls


# ---------------------------------------------------------------------------------------------
# HTML forms


class _Form(HTMLParser):
    """Inputs, selects and textareas of the page's form posting to ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.fields: list[dict[str, Any]] = []
        self._inside = False
        self._select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._inside = a.get("action", "").split("?")[0].endswith(self.action)
        elif not self._inside:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            self.fields.append({"tag": tag, **a})
        elif tag == "select" and a.get("name"):
            self._select = {"tag": "select", "options": [], **a}
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


def _number(bound: str | None) -> str:
    value = float(bound or 1)
    return str(int(value)) if value.is_integer() else str(value)


def fill_form(page: str, action: str) -> dict[str, str]:
    """What a customer sends: the form's hidden values, and a value in every other field."""
    parser = _Form(action)
    parser.feed(page)
    if not parser.fields:
        raise RuntimeError(f"no form posting to {action}")
    values: dict[str, str] = {}
    for f in parser.fields:
        name, kind = f["name"], f.get("type", "text")
        if f["tag"] == "select":
            values[name] = next((o for o in f["options"] if o), "")
        elif f["tag"] == "textarea":
            values[name] = "Register 3 shows a black screen since the store opened."
        elif kind == "hidden":
            values[name] = f.get("value", "")
        elif kind == "number":
            values[name] = _number(f.get("min"))
        elif kind == "date":
            values[name] = f.get("min") or datetime.now().date().isoformat()
        elif kind in ("file", "submit", "button", "checkbox", "radio"):
            continue
        else:
            values[name] = "SN-1234567"
    return values


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def _page_errors(page: str) -> list[str]:
    found = re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>|'
                       r'<div class="form-errors"[^>]*>(.*?)</div>', page, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", "".join(parts)).strip() for parts in found]


def classify(page: str) -> tuple[str, str | None]:
    """What the confirmation says: filed (with the number), sending, unreachable or held."""
    number = re.search(r"has the number ([0-9A-Za-z-]+)\.", page)
    if number:
        return "filed", number.group(1)
    if "cannot be reached" in page:
        return "unreachable", None
    if "is being filed now" in page:
        return "sending", None
    if "could not file it automatically" in page:
        return "held", None
    return "other", None


# ---------------------------------------------------------------------------------------------
# one customer


@dataclass
class Customer:
    login: str
    password: str
    login_seconds: float = 0.0
    ready: bool = False
    reference: str | None = None
    post_seconds: float | None = None  # submit POST answered (the redirect)
    confirm_seconds: float | None = None  # POST + redirect followed: the confirmation page
    first_status: str | None = None
    statuses: list[str] = field(default_factory=list)
    number: str | None = None
    number_seconds: float | None = None  # from the POST until the page showed the number
    error: str | None = None


def _reload(session: Any, target: str) -> Any:
    import requests

    try:
        return session.get(target, timeout=HTTP_TIMEOUT)
    except requests.ConnectionError:  # a kept connection closed as the request went out
        return session.get(target, timeout=HTTP_TIMEOUT)


def customer_run(url: str, item: str, customer: Customer, barrier: threading.Barrier,
                 submit_deadline: float, number_deadline: float) -> None:
    import requests

    session = requests.Session()
    try:
        started = time.perf_counter()
        token = _csrf(session.get(f"{url}/login", timeout=HTTP_TIMEOUT).text)
        answer = session.post(f"{url}/login", timeout=HTTP_TIMEOUT, allow_redirects=False, data={
            "login": customer.login, "password": customer.password, "csrf_token": token,
            "next": "/"})
        if answer.status_code != 302:
            raise RuntimeError(f"login: HTTP {answer.status_code}")
        form_page = session.get(f"{url}/new/{item}", timeout=HTTP_TIMEOUT)
        if form_page.status_code != 200:
            raise RuntimeError(f"form of {item}: HTTP {form_page.status_code}")
        values = fill_form(form_page.text, f"/new/{item}")
        customer.login_seconds = time.perf_counter() - started
        customer.ready = True
    except Exception as exc:  # noqa: BLE001 - reported with the round
        customer.error = f"before submit: {exc}"
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        customer.error = customer.error or "the others did not get ready"
        return
    if not customer.ready or time.monotonic() > submit_deadline:
        return
    # The form was open for a while: like a browser, submit on a new connection (the server
    # closes idle keep-alive connections after 2 s, and a POST sent on one at that moment
    # gets no answer), and reload the confirmation once if a kept connection was closed.
    session.close()
    try:
        start = time.perf_counter()
        answer = session.post(f"{url}/new/{item}", timeout=HTTP_TIMEOUT, allow_redirects=False,
                              files={k: (None, v) for k, v in values.items()})
        customer.post_seconds = time.perf_counter() - start
        if answer.status_code != 302:
            raise RuntimeError(f"HTTP {answer.status_code} {_page_errors(answer.text)}")
        where = answer.headers["Location"]
        target = where if where.startswith("http") else url + where
        customer.reference = target.rsplit("/", 1)[-1]
        page = _reload(session, target)
        customer.confirm_seconds = time.perf_counter() - start
        status, number = classify(page.text)
        customer.first_status = status
        customer.statuses.append(status)
        while status in ("sending", "unreachable") and time.monotonic() < number_deadline:
            time.sleep(REFRESH_SECONDS)
            status, number = classify(_reload(session, target).text)
            customer.statuses.append(status)
        if number:
            customer.number = number
            customer.number_seconds = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - reported with the round
        customer.error = f"submit: {exc}"


# ---------------------------------------------------------------------------------------------
# scenarios


@dataclass
class Scenario:
    name: str
    url: str  # the portal
    env: dict[str, str]  # the portal's settings
    data: Path
    logins: list[tuple[str, str]]
    relay_log: Path
    portal_log: Path
    groups: dict[str, int]  # process group ids of what runs here: portal, sandbox, relay
    sandbox_url: str | None = None
    znuny: dict[str, str] | None = None  # scripts/znuny-server env


def _base_env(data: Path, wait: float | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RADIANT_", "ZNUNY_"))}
    env.update({
        "PATH": f"{VENV_BIN}:{env.get('PATH', '')}",
        "RADIANT_CONFIG": str(data / "none.toml"),  # no radiant.toml from the working dir
        "RADIANT_DATA_DIR": str(data / "portal"),
        "RADIANT_DATABASE_URL": "",
        "RADIANT_SECRET_KEY": secrets.token_urlsafe(32),
        "RADIANT_SESSION_COOKIE_SECURE": "false",  # plain HTTP on 127.0.0.1
    })
    if wait is not None:
        env["RADIANT_PORTAL_SUBMIT_WAIT_SECONDS"] = str(wait)
    return env


def _migrate(env: dict[str, str], log: Path) -> None:
    done = subprocess.run([str(VENV_BIN / "radiant-ext"), "db", "upgrade"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"radiant-ext db upgrade failed:\n{done.stdout}{done.stderr}")


def _serve(env: dict[str, str], port: int, args: argparse.Namespace, log: Path,
           stack: ExitStack) -> tuple[str, int]:
    command = [str(VENV_BIN / "radiant-ext"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    proc = stack.enter_context(_process(command, env, log))
    _wait_port(port, proc, log)
    return f"http://127.0.0.1:{port}", proc.pid


def _relay(listen: int, target: int, log: Path, stack: ExitStack) -> int:
    if not _port_free(listen):
        raise SystemExit(f"port {listen} (the webhook's) is taken")
    command = [sys.executable, str(Path(__file__).resolve()), "--relay", str(listen),
               str(target), str(log)]
    proc = stack.enter_context(_process(command, dict(os.environ), log.with_suffix(".out")))
    _wait_port(listen, proc, log.with_suffix(".out"))
    return proc.pid


def sandbox_scenario(folder: Path, args: argparse.Namespace, wait: float | None,
                     stack: ExitStack) -> Scenario:
    """The sandbox Znuny (own process) with its invoker calling the portal's webhook."""
    from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

    env = _base_env(folder, wait)
    secret = secrets.token_urlsafe(24)
    secret_file = folder / "webhook-secret.txt"
    secret_file.write_text(secret)
    secret_file.chmod(0o600)
    sandbox_port, relay_port, portal_port = _free_port(), _free_port(), _free_port()
    sandbox_log = folder / "sandbox.log"
    sandbox = stack.enter_context(_process([
        str(VENV_BIN / "radiant-ext"), "sandbox", "--host", "127.0.0.1", "--port",
        str(sandbox_port), "--data", str(folder / "sandbox"), "--seed", "retail",
        "--test-controls",
        "--invoker-url", f"http://127.0.0.1:{relay_port}{WEBHOOK_PATH}",
        "--invoker-password-file", str(secret_file),
        "--invoker-timeout", str(webhook_timeout()),
    ], env, sandbox_log))
    _wait_port(sandbox_port, sandbox, sandbox_log)
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    # As radiant_ext.cli.portal._demo_settings: the demo's store directory, route set with a
    # POST search, the sandbox's agent, its database for the metadata.
    env.update({
        "RADIANT_CATALOG_DIRS": json.dumps([str(DEMO_CATALOG_DIR)]),
        "RADIANT_ZNUNY_URL": sandbox_url,
        "RADIANT_ZNUNY_SCRIPT_PATH": "",
        "RADIANT_ZNUNY_ROUTE_SET": "znuny-r2a",
        "RADIANT_ZNUNY_USER": "radiant",
        "RADIANT_ZNUNY_PASSWORD": "radiant-demo",
        "RADIANT_WEBHOOK_SECRET": secret,
        "RADIANT_ZNUNY_DB_URL": f"sqlite:///{folder / 'sandbox' / 'sandbox.sqlite'}",
    })
    _migrate(env, folder / "migrate.log")
    relay_log = folder / "relay.jsonl"
    relay = _relay(relay_port, portal_port, relay_log, stack)
    url, portal = _serve(env, portal_port, args, folder / "portal.log", stack)
    clerks = [f"clerk-{n:03d}-{k}" for n in range(2, 31) if n != 7 for k in (1, 2)]
    if args.customers > len(clerks):
        raise SystemExit(f"the retail seed has {len(clerks)} clerks")
    return Scenario(_label("sandbox", wait), url, env, folder,
                    [(c, "demo") for c in clerks[:args.customers]], relay_log,
                    folder / "portal.log",
                    {"portal": portal, "sandbox": sandbox.pid, "relay": relay},
                    sandbox_url=sandbox_url)


def znuny_env(root: Path, version: str) -> dict[str, str]:
    done = subprocess.run([str(ROOT / "scripts" / "znuny-server"), "env", version],
                          env={**os.environ, "ZNUNY_ROOT": str(root)}, capture_output=True,
                          text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise SystemExit(f"scripts/znuny-server env {version} (ZNUNY_ROOT={root}) failed: "
                         f"{done.stderr.strip()} — is it up?")
    values: dict[str, str] = {}
    for line in done.stdout.splitlines():
        words = shlex.split(line, comments=True)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            key, value = words[1].split("=", 1)
            values[key] = value
    return values


_CUSTOMERS_PL = r"""
use strict; use warnings;
my $Home;
BEGIN { $Home = shift @ARGV; unshift @INC, $Home, "$Home/Kernel/cpan-lib", "$Home/Custom"; }
use Kernel::System::ObjectManager;
local $Kernel::OM = Kernel::System::ObjectManager->new();
my $Users = $Kernel::OM->Get('Kernel::System::CustomerUser');
my ($Made, $Company, $Password) = (0, $ENV{BURST_COMPANY}, $ENV{BURST_PASSWORD});
for my $Login (split ' ', $ENV{BURST_LOGINS}) {
    my %User = $Users->CustomerUserDataGet( User => $Login );
    if ( !$User{UserLogin} ) {
        $Users->CustomerUserAdd( Source => 'CustomerUser', UserFirstname => 'Burst',
            UserLastname => $Login, UserCustomerID => $Company, UserLogin => $Login,
            UserEmail => "$Login\@example.com", ValidID => 1, UserID => 1 )
            or die "cannot add customer user $Login\n";
        $Made++;
    }
    $Users->SetPassword( UserLogin => $Login, PW => $Password )
        or die "cannot set the password of $Login\n";
}
print "$Made\n";
"""


def ensure_znuny_customers(znuny: dict[str, str], count: int) -> list[tuple[str, str]]:
    """``count`` customer users of ``store-007`` with a new password (created when missing)."""
    logins = [f"burst-customer-{n:02d}" for n in range(1, count + 1)]
    password = secrets.token_urlsafe(16)
    home = znuny["ZNUNY_HOME"]
    done = subprocess.run(
        ["runuser", "-u", znuny["ZNUNY_OS_USER"], "--", "perl", "-", home],
        input=_CUSTOMERS_PL, text=True, capture_output=True, timeout=300, check=False,
        cwd=home, env={"PATH": os.environ["PATH"], "BURST_LOGINS": " ".join(logins),
                       "BURST_COMPANY": COMPANY, "BURST_PASSWORD": password})
    if done.returncode != 0:
        raise SystemExit(f"creating the customer users failed:\n{done.stdout}{done.stderr}")
    made = int(done.stdout.strip().splitlines()[-1])
    if made:
        print(f"  created {made} customer users burst-customer-NN ({COMPANY}) in Znuny")
    return [(login, password) for login in logins]


def znuny_scenario(folder: Path, args: argparse.Namespace, wait: float | None,
                   znuny: dict[str, str], logins: list[tuple[str, str]],
                   stack: ExitStack) -> Scenario:
    """The real Znuny; its RadiantWebhook web service calls the portal (through the relay)."""
    from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

    env = _base_env(folder, wait)
    env.update({k: v for k, v in znuny.items()
                if k.startswith("RADIANT_") and not k.startswith("RADIANT_LIVE_")})
    # The same store directory as the sandbox scenario: it knows store-007, so the customers
    # see the same catalog item (without one they would see only the items open to everyone).
    env["RADIANT_CATALOG_DIRS"] = json.dumps([str(DEMO_CATALOG_DIR)])
    hook = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/?", znuny["RADIANT_WEBHOOK_URL"])
    if not hook:
        raise SystemExit(f"the webhook URL {znuny['RADIANT_WEBHOOK_URL']} is not "
                         "http://127.0.0.1:PORT (the invoker adds " + WEBHOOK_PATH + ")")
    _migrate(env, folder / "migrate.log")
    portal_port = _free_port()
    relay_log = folder / "relay.jsonl"
    relay = _relay(int(hook.group(1)), portal_port, relay_log, stack)
    url, portal = _serve(env, portal_port, args, folder / "portal.log", stack)
    return Scenario(_label("znuny", wait), url, env, folder, logins, relay_log,
                    folder / "portal.log", {"portal": portal, "relay": relay}, znuny=znuny)


# ---------------------------------------------------------------------------------------------
# CPU time per part, from /proc


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(groups: dict[str, int], znuny: dict[str, str] | None) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the processes of each part: the process
    groups started here, this process (the clients), and for the real Znuny its Apache and
    daemon (command line under its root) and the PostgreSQL backends of its database (those
    alive at the time: a lower bound)."""
    by_group = {pgid: name for name, pgid in groups.items()}
    marks: list[tuple[str, str]] = []
    if znuny:
        home = znuny["ZNUNY_HOME"]
        marks = [("znuny", str(Path(home).parent)),
                 ("postgres", znuny["RADIANT_ZNUNY_DB_URL"].rsplit("/", 1)[-1].split("?")[0])]
    totals = dict.fromkeys([*groups, "client", *(m[0] for m in marks)], 0.0)
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            pgid = int(fields[2])
            name = "client" if int(entry.name) == me else by_group.get(pgid)
            # utime + stime, and for the parts' processes the children they reaped (Apache's
            # and gunicorn's workers that ended in between), not the client's subprocesses
            used = sum(int(x) for x in fields[11:13 if name == "client" else 15]) / _TICK
            if name is None and marks:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                    "utf-8", "replace")
                name = next((n for n, mark in marks if mark in cmdline
                             and (n != "postgres" or cmdline.startswith("postgres:"))), None)
        except (OSError, ValueError, IndexError):
            continue
        if name is not None:
            totals[name] += used
    return totals


# ---------------------------------------------------------------------------------------------
# checks after the burst


def outbox_rows(data: Path) -> list[dict[str, Any]]:
    db = sqlite3.connect(data / "portal" / "radiant.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(
            "SELECT request_id, state, attempts, last_error, ticket_number, created_at, "
            "sent_at, maybe_sent FROM outbox")]
    finally:
        db.close()


def _between(start: str | None, end: str | None) -> float | None:
    """Seconds between two of the store's timestamps (``None`` if one is missing)."""
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def drain(env: dict[str, str], log: Path) -> str:
    done = subprocess.run([str(VENV_BIN / "radiant-ext"), "sync", "run", "outbox-drain"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)
    log.write_text(done.stdout + done.stderr)
    return f"exit {done.returncode}"


@contextmanager
def agent_client(env: dict[str, str]) -> Iterator[Any]:
    """The companion's agent client with the portal's settings."""
    from radiant_ext.client import ZnunyClient
    from radiant_ext.config import load_settings

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("RADIANT_")})
    try:
        settings = load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    client = ZnunyClient.from_settings(settings)
    try:
        yield client
    finally:
        client.close()


def tickets_check(env: dict[str, str], references: list[str], logins: list[str],
                  since: datetime) -> dict[str, Any]:
    """Tickets per reference (by RadiantRequestID) and tickets of the customers since ``since``."""
    per_reference: dict[str, int] = {}
    with agent_client(env) as client:
        for reference in references:
            per_reference[reference] = len(client.ticket_search(
                dynamic_fields={"RadiantRequestID": reference}, limit=10))
        created = client.ticket_search(
            customer_user_login=logins, limit=10_000,
            ticket_create_time_newer_date=since.strftime("%Y-%m-%d %H:%M:%S"))
    counts = Counter(per_reference.values())
    return {"found": sum(1 for n in per_reference.values() if n == 1),
            "missing": counts.get(0, 0), "duplicated": sum(1 for n in per_reference.values()
                                                            if n > 1),
            "customers_tickets": len(created)}


def sandbox_invoker(url: str) -> list[dict[str, Any]]:
    import requests

    return list(requests.get(f"{url}/__sandbox__/invoker", timeout=HTTP_TIMEOUT).json()["Calls"])


def _tail(path: Path, offset: int) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def znuny_retries(znuny: dict[str, str]) -> int | None:
    """Webhook retries waiting in Znuny's scheduler (GenericInterface future tasks)."""
    database = znuny["RADIANT_ZNUNY_DB_URL"].rsplit("/", 1)[-1].split("?")[0]
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-d", database, "-Atc",
         "SELECT count(*) FROM scheduler_future_task WHERE task_type = 'GenericInterface'"],
        capture_output=True, text=True, timeout=60, check=False, cwd="/")
    return int(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def webhook_failures(text: str) -> dict[str, Any]:
    """Failed webhook calls in new lines of Znuny's log (each logs a summary and a line with
    the response content), by reason: read timeout (answered too late), no connection (a
    daemon retry of an earlier call while no portal listened, e.g. between scenarios),
    other. The log does not tell a call inside a TicketCreate from a daemon retry."""
    lines = [x for x in text.splitlines() if x.strip()]
    failures: Counter[str] = Counter()
    for line in lines:
        if "/-/znuny/webhook" not in line or "Response content: '" not in line:
            continue
        failures["read timeout" if "read timeout" in line else "no connection"
                 if "Can't connect" in line else "other"] += 1
    other = [x for x in lines if "/-/znuny/webhook" not in x]
    return {"lines": len(lines), "failures": failures, "other": other[:3],
            "late": sum(n for k, n in failures.items() if k != "no connection")}


_APACHE = re.compile(r'\[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ (\d+)$')


def apache_creates(text: str) -> list[float]:
    """Seconds of each GI ``POST …/Ticket`` (TicketCreate) in Apache's access log lines."""
    out = []
    for line in text.splitlines():
        found = _APACHE.search(line)
        if found and found.group(2) == "POST" and found.group(3).split("?")[0].endswith(
                "/Webservice/GenericTicketConnectorREST/Ticket"):
            out.append(int(found.group(5)) / 1e6)
    return out


# ---------------------------------------------------------------------------------------------
# one round of one scenario


def burst(scenario: Scenario, args: argparse.Namespace) -> dict[str, Any]:
    timeout = webhook_timeout()
    customers = [Customer(login, password) for login, password in scenario.logins]
    znuny_log = apache_log = None
    offsets: dict[str, int] = {}
    if scenario.znuny:
        home = Path(scenario.znuny["ZNUNY_HOME"])
        znuny_log = home / "var" / "log" / "znuny.log"
        apache_log = home.parent / "apache" / "logs" / "access.log"
        offsets = {"znuny": _size(znuny_log), "apache": _size(apache_log)}
        retries_before = znuny_retries(scenario.znuny)
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)
    wall_start = time.time()
    load_before = _load()
    at_submit: dict[str, Any] = {}

    def submitting() -> None:  # run by the last customer to get ready, before all submit
        at_submit.update(cpu=cpu_seconds(scenario.groups, scenario.znuny), time=time.time())

    barrier = threading.Barrier(len(customers), action=submitting, timeout=args.burst_seconds)
    submit_deadline = time.monotonic() + args.burst_seconds
    number_deadline = submit_deadline + args.number_seconds
    threads = [threading.Thread(target=customer_run, daemon=True, args=(
        scenario.url, args.item, c, barrier, submit_deadline, number_deadline))
        for c in customers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, number_deadline + HTTP_TIMEOUT - time.monotonic()))
    load_after = _load()
    cpu_after = cpu_seconds(scenario.groups, scenario.znuny)
    burst_wall = time.time() - at_submit.get("time", wall_start)
    cpu_before = at_submit.get("cpu") or cpu_after
    # The senders may still be at it when the confirmations gave up: wait for the outbox
    # (bounded), then let the drain deliver what is left.
    settle = time.monotonic() + 30
    rows = outbox_rows(scenario.data)
    while any(r["state"] == "sending" for r in rows) and time.monotonic() < settle:
        time.sleep(1)
        rows = outbox_rows(scenario.data)
    drained = None
    if any(r["state"] != "sent" for r in rows):
        drained = drain(scenario.env, scenario.data / "drain.log")
        rows = outbox_rows(scenario.data)
    time.sleep(1)  # the last webhook answers reach the relay log
    references = [c.reference for c in customers if c.reference]
    check = tickets_check(scenario.env, references, [c.login for c in customers], since)
    filed_refs = {r["request_id"] for r in rows if r["state"] == "sent"}
    calls = relay_calls(scenario.relay_log, wall_start)
    hook_seconds = [c["answer_at"] - c["request_at"] for c in calls
                    if "answer_at" in c and "request_at" in c]
    result: dict[str, Any] = {
        "scenario": scenario.name,
        "load": f"{load_before} -> {load_after}",
        "customers": len(customers),
        "errors": [f"{c.login}: {c.error}" for c in customers if c.error],
        "login": [c.login_seconds for c in customers if c.ready],
        "post": [c.post_seconds for c in customers if c.post_seconds is not None],
        "confirm": [c.confirm_seconds for c in customers if c.confirm_seconds is not None],
        "first": Counter(c.first_status for c in customers if c.first_status),
        "told_unreachable": sum(1 for c in customers if "unreachable" in c.statuses),
        "told_unreachable_filed": sum(1 for c in customers if "unreachable" in c.statuses
                                      and c.reference in filed_refs),
        "number": [c.number_seconds for c in customers if c.number_seconds is not None],
        "no_number": sum(1 for c in customers if c.reference and not c.number),
        "outbox": Counter(r["state"] for r in rows),
        "outbox_attempts": Counter(r["attempts"] for r in rows),
        "outbox_errors": Counter((r["last_error"] or "")[:120] for r in rows if r["last_error"]),
        "stored_to_sent": [x for r in rows
                           if (x := _between(r["created_at"], r["sent_at"])) is not None],
        "drained": drained,
        "tickets": check,
        "hook_calls": len(calls),
        "hook_seconds": hook_seconds,
        "hook_late": sum(1 for s in hook_seconds if s > timeout),
        "hook_unanswered": sum(1 for c in calls if "answer_at" not in c),
        "hook_caller_gave_up": sum(1 for c in calls if c.get("caller_closed_at", 1e18)
                                   < c.get("answer_at", 1e18)),
        "hook_status": Counter((c.get("status") or c.get("error") or "?")[9:12]
                               for c in calls),
        "timeout": timeout,
        "wall": burst_wall,
        "cpu": {k: cpu_after.get(k, 0.0) - v for k, v in cpu_before.items()},
    }
    if scenario.sandbox_url:
        history = sandbox_invoker(scenario.sandbox_url)
        result["sandbox_invoker"] = {
            "calls": len(history),
            "errors": Counter(c["Error"] for c in history if c["Error"]),
            "seconds": [c["Seconds"] for c in history],
        }
    if scenario.znuny and znuny_log and apache_log:
        result["znuny_log"] = webhook_failures(_tail(znuny_log, offsets["znuny"]))
        result["apache_creates"] = apache_creates(_tail(apache_log, offsets["apache"]))
        result["retries"] = (retries_before, znuny_retries(scenario.znuny))
    return result


def _label(name: str, wait: float | None) -> str:
    return name if wait is None else f"{name}, wait {wait:g} s"


def run_scenario(name: str, wait: float | None, args: argparse.Namespace, base: Path,
                 round_no: int, logins: list[tuple[str, str]] | None,
                 znuny: dict[str, str] | None) -> dict[str, Any]:
    folder = base / f"round{round_no}-{name}-{'default' if wait is None else wait}"
    folder.mkdir(parents=True)
    with ExitStack() as stack:
        if name == "sandbox":
            scenario = sandbox_scenario(folder, args, wait, stack)
        else:
            assert znuny is not None and logins is not None
            scenario = znuny_scenario(folder, args, wait, znuny, logins, stack)
        time.sleep(1)  # both workers booted and listening
        result = burst(scenario, args)
    return result


# ---------------------------------------------------------------------------------------------
# --profile: where one submit's time goes, in this process


def profile_submit(args: argparse.Namespace, base: Path) -> None:
    """One customer's form, submit and confirmation through the Flask test client (the portal
    in this process, the sandbox in its own, no invoker), ``args.profile`` times in a row:
    wall and CPU per step, then cProfile of the submit POSTs."""
    import cProfile
    import pstats

    wait = next((float(w) for w in args.submit_waits.split(",") if w.strip() != "default"), 0.0)
    folder = base / "profile"
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

        env = _base_env(folder, wait)
        port, log = _free_port(), folder / "sandbox.log"
        sandbox = stack.enter_context(_process([
            str(VENV_BIN / "radiant-ext"), "sandbox", "--host", "127.0.0.1", "--port", str(port),
            "--data", str(folder / "sandbox"), "--seed", "retail"], env, log))
        _wait_port(port, sandbox, log)
        env.update({
            "RADIANT_CATALOG_DIRS": json.dumps([str(DEMO_CATALOG_DIR)]),
            "RADIANT_ZNUNY_URL": f"http://127.0.0.1:{port}", "RADIANT_ZNUNY_SCRIPT_PATH": "",
            "RADIANT_ZNUNY_ROUTE_SET": "znuny-r2a", "RADIANT_ZNUNY_USER": "radiant",
            "RADIANT_ZNUNY_PASSWORD": "radiant-demo",
            "RADIANT_ZNUNY_DB_URL": f"sqlite:///{folder / 'sandbox' / 'sandbox.sqlite'}"})
        _migrate(env, folder / "migrate.log")
        os.environ.update({k: v for k, v in env.items() if k.startswith("RADIANT_")})
        from radiant_ext.portal import create_app

        app = create_app()
        stack.callback(app.extensions["radiant_portal"]["services"].close)
        client = app.test_client()
        token = _csrf(client.get("/login").get_data(as_text=True))
        assert client.post("/login", data={"login": "clerk-002-1", "password": "demo",
                                           "csrf_token": token, "next": "/"}).status_code == 302
        item = f"/new/{args.item}"
        profiler = cProfile.Profile()
        steps: dict[str, list[tuple[float, float]]] = {"form GET": [], "submit POST": [],
                                                        "confirmation GET": []}

        def timed(name: str, call: Any, *call_args: Any, profile: bool = False,
                  **call_kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            if profile:
                profiler.enable()
            answer = call(*call_args, **call_kwargs)
            if profile:
                profiler.disable()
            steps[name].append((time.perf_counter() - wall, time.thread_time() - cpu))
            return answer

        for n in range(args.profile + 5):
            page = timed("form GET", client.get, item).get_data(as_text=True)
            answer = timed("submit POST", client.post, item, data=fill_form(page, item),
                           content_type="multipart/form-data", profile=n >= 5)
            assert answer.status_code == 302, _page_errors(answer.get_data(as_text=True))
            timed("confirmation GET", client.get, answer.headers["Location"])
        print(f"\nprofile: {args.profile} submits in a row (after 5 more to warm up), "
              f"RADIANT_PORTAL_SUBMIT_WAIT_SECONDS={wait:g}; load {_load()}")
        for name, values in steps.items():
            walls = [v[0] * 1000 for v in values[5:]]
            cpus = [v[1] * 1000 for v in values[5:]]
            print(f"  {name:<17} wall p50 {statistics.median(walls):6.1f} ms, "
                  f"p95 {_percentile(walls, .95):6.1f} ms; CPU of the request's thread p50 "
                  f"{statistics.median(cpus):5.1f} ms")
        print("\nsubmit POST, cumulative time (cProfile):")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"radiant_ext|flask_wtf|sqlalchemy/orm/session",
                                                   30)


# ---------------------------------------------------------------------------------------------
# report


def print_round(r: dict[str, Any]) -> None:
    t = r["tickets"]
    print(f"  {r['scenario']}: load {r['load']}")
    print(f"    login + form p50/p95/max s   {_spread(r['login'])}")
    print(f"    submit POST p50/p95/max s    {_spread(r['post'])}")
    print(f"    to confirmation p50/p95/max  {_spread(r['confirm'])}"
          f"   (goal p95 <= {GOAL_P95:.0f} s: "
          f"{'ok' if r['confirm'] and _percentile(r['confirm'], .95) <= GOAL_P95 else 'MISSED'})")
    print(f"    first confirmation said      {dict(r['first'])}")
    print(f"    told 'cannot be reached'     {r['told_unreachable']} "
          f"(of them filed: {r['told_unreachable_filed']})")
    print(f"    to ticket number p50/p95/max {_spread(r['number'])}   "
          f"no number shown: {r['no_number']}")
    print(f"    outbox {dict(r['outbox'])}, attempts {dict(r['outbox_attempts'])}, "
          f"stored->sent p50/p95/max s {_spread(r['stored_to_sent'])}"
          + (f", drain run: {r['drained']}" if r["drained"] else ""))
    for error, n in r["outbox_errors"].items():
        print(f"      outbox error x{n}: {error}")
    print(f"    tickets: {t['found']} references with one ticket, {t['missing']} with none, "
          f"{t['duplicated']} with several; {t['customers_tickets']} tickets of these customers "
          f"created in the round")
    print(f"    webhook calls {r['hook_calls']} (status {dict(r['hook_status'])}), answered "
          f"p50/p95/max s {_spread(r['hook_seconds'])}; later than the {r['timeout']:.0f} s "
          f"timeout: {r['hook_late']}, unanswered: {r['hook_unanswered']}, caller gave up: "
          f"{r['hook_caller_gave_up']}")
    if "sandbox_invoker" in r:
        s = r["sandbox_invoker"]
        print(f"    sandbox invoker: {s['calls']} calls, p50/p95/max s {_spread(s['seconds'])}, "
              f"errors {dict(s['errors'])}")
    if "znuny_log" in r:
        z = r["znuny_log"]
        print(f"    znuny.log: {z['lines']} new lines; failed webhook calls "
              f"{dict(z['failures']) or 0}; webhook retry tasks before/after {r['retries']}")
        for line in z["other"]:
            print(f"      {line[:200]}")
        print(f"    Apache TicketCreate: {len(r['apache_creates'])} requests, p50/p95/max s "
              f"{_spread(r['apache_creates'])}")
    cpu = ", ".join(f"{k} {v:.1f}" for k, v in r["cpu"].items())
    print(f"    CPU seconds from the submits to the last number ({r['wall']:.0f} s): {cpu}")
    for error in r["errors"][:5]:
        print(f"    error: {error}")
    if len(r["errors"]) > 5:
        print(f"    … {len(r['errors']) - 5} more errors")


def goals_met(r: dict[str, Any]) -> bool:
    t = r["tickets"]
    return (not r["errors"] and len(r["confirm"]) == r["customers"]
            and _percentile(r["confirm"], .95) <= GOAL_P95 and r["told_unreachable_filed"] == 0
            and t["found"] == r["customers"] and t["duplicated"] == 0
            and t["customers_tickets"] == r["customers"] and r["hook_late"] == 0
            and r["hook_unanswered"] == 0
            and (not r.get("znuny_log") or r["znuny_log"]["late"] == 0))


def print_summary(results: list[dict[str, Any]]) -> None:
    print("\nsummary (all rounds pooled; seconds p50 / p95 / max)")
    header = (f"{'scenario':<8} {'runs':>4} {'to confirmation':>20} {'to number':>20} "
              f"{'unreach.':>8} {'tickets':>9} {'webhook answered':>20} {'late':>4}  goals")
    print(header)
    for name in dict.fromkeys(r["scenario"] for r in results):
        rs = [r for r in results if r["scenario"] == name]
        confirm = [x for r in rs for x in r["confirm"]]
        number = [x for r in rs for x in r["number"]]
        hooks = [x for r in rs for x in r["hook_seconds"]]
        tickets = "/".join(str(r["tickets"]["customers_tickets"]) for r in rs)
        print(f"{name:<8} {len(rs):>4} {_spread(confirm):>20} {_spread(number):>20} "
              f"{sum(r['told_unreachable_filed'] for r in rs):>8} {tickets:>9} "
              f"{_spread(hooks):>20} {sum(r['hook_late'] for r in rs):>4}  "
              f"{'met' if all(goals_met(r) for r in rs) else 'MISSED'}")


# ---------------------------------------------------------------------------------------------


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scenarios", default="sandbox,znuny",
                        help="comma-separated: sandbox, znuny (default both, in turns)")
    parser.add_argument("--item", default="it.pos-down", help="catalog item to request")
    parser.add_argument("--znuny-root", type=Path, default=Path("/opt/radiant-znuny-bench"))
    parser.add_argument("--znuny-version", default="7.0.9")
    parser.add_argument("--workers", type=int, help="portal workers (default: serve's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: serve's)")
    parser.add_argument("--submit-waits", default="default",
                        help="comma-separated RADIANT_PORTAL_SUBMIT_WAIT_SECONDS values to "
                        "run each scenario with, in turns ('default': not set, i.e. the "
                        "product's default, 0); e.g. default,0.8")
    parser.add_argument("--burst-seconds", type=float, default=120.0,
                        help="bound on logging in and submitting")
    parser.add_argument("--number-seconds", type=float, default=120.0,
                        help="bound on waiting for the ticket numbers after that")
    parser.add_argument("--keep", type=Path, help="keep the data and logs in this folder")
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="instead: N submits of one customer through the portal in this "
                        "process, timed per step and profiled (the first non-default "
                        "--submit-waits value, else 0)")
    parser.add_argument("--relay", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    if args.relay:
        relay_main(int(args.relay[0]), int(args.relay[1]), args.relay[2])
        return 0
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    if set(names) - {"sandbox", "znuny"} or not names:
        raise SystemExit("--scenarios: sandbox and/or znuny")
    waits = [None if w.strip() == "default" else float(w)
             for w in args.submit_waits.split(",") if w.strip()]
    runs = [(name, wait) for wait in waits for name in names]
    print(f"machine: {_machine()}; load {_load()}")
    print("command: python benchmarks/submit_burst.py " + " ".join(sys.argv[1:]))
    print(f"webhook timeout (RadiantWebhook.yml): {webhook_timeout():.0f} s; "
          f"portal: radiant-ext serve"
          + (f" --workers {args.workers}" if args.workers else "")
          + (f" --threads {args.threads}" if args.threads else ""))
    if args.profile:
        base = args.keep or Path(tempfile.mkdtemp(prefix="radiant-submit-burst-"))
        try:
            profile_submit(args, base)
        finally:
            if args.keep is None:
                shutil.rmtree(base, ignore_errors=True)
        return 0
    znuny = logins = None
    if "znuny" in names:
        if args.znuny_root.resolve() == DEFAULT_ROOT:
            raise SystemExit(f"{DEFAULT_ROOT} belongs to the live tests: use another root")
        znuny = znuny_env(args.znuny_root, args.znuny_version)
        print(f"real Znuny {args.znuny_version}: {znuny['RADIANT_ZNUNY_URL']} "
              f"(ZNUNY_ROOT={args.znuny_root}), webhook -> {znuny['RADIANT_WEBHOOK_URL']}")
        logins = ensure_znuny_customers(znuny, args.customers)
    base = args.keep or Path(tempfile.mkdtemp(prefix="radiant-submit-burst-"))
    base.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        for round_no in range(1, args.rounds + 1):
            shift = (round_no - 1) % len(runs)  # each run goes first in turn
            order = runs[shift:] + runs[:shift]
            print(f"\nround {round_no} ({'; '.join(_label(*run) for run in order)})")
            for name, wait in order:
                result = run_scenario(name, wait, args, base, round_no, logins, znuny)
                results.append(result)
                print_round(result)
        print_summary(results)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1, default=str))
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"load after: {_load()}")
    return 0 if all(goals_met(r) for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
