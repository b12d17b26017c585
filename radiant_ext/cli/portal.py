"""``radiant-ext serve`` (the portal against a configured Znuny) and ``radiant-ext demo``.

``demo`` starts, in one process: the sandbox Znuny with the retail seed, the sync scheduler
and the portal, all on an SQLite store under ``--data``; Ctrl-C stops all three.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import shlex
import threading
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from radiant_ext.cli import command_prefix
from radiant_ext.config import Settings, load_settings

if TYPE_CHECKING:
    from radiant_ext_sandbox import SandboxServer

__all__ = ["DEMO_ADMIN", "DEMO_LOGINS", "DEMO_REPORTS", "commands", "demo", "exposure_warning",
           "serve"]

log = logging.getLogger(__name__)

DEMO_REPORTS: dict[str, Any] = {
    "managers": {"store-007": ["store-manager"], "store-001": ["flagship-clerk"],
                 "head-office": ["office-anna"]},
    "penalties": [
        {"id": "pos-service", "title": "POS service", "sla": ["POS critical"],
         "kind": "percent_of_fee", "monthly_fee": 250000, "percent_per_miss": 3,
         "cap_percent_of_fee": 20, "currency": "RUB"},
        {"id": "maintenance-6h", "title": "Service company", "sla": ["Maintenance contract"],
         "kind": "per_hour", "amount_per_hour": 500, "cap_amount": 40000, "grace_minutes": 15,
         "currency": "RUB"},
    ],
}
"""The demo's ``[reports]`` table: managers of store-007, the flagship store-001 and the head
office see their own company's reports; two contracts turn missed deadlines into money (the
POS service as a share of its monthly fee: 3 % per missed deadline, at most 20 %; the
service company 500 RUB per started hour late, at most 40,000 RUB a month). Short titles: the
penalties table shows them in its first column, on a phone too."""

DEMO_ADMIN = {"companion_admins": ["demo-agent"],
              "department_admins": {"it": ["it-agent"], "hr": ["hr-agent"],
                                    "customer-service": ["cs-agent"]}}
"""The demo's ``[admin]`` table: the admin area's companion admin and two department admins."""

DEMO_LOGINS = (
    ("customer (store 007 clerk)", "demo-customer", "demo"),
    ("customer (flagship store 001; its reports at /reports/)", "flagship-clerk", "demo"),
    ("customer (store 007 manager; reports of store-007 at /reports/)", "store-manager", "demo"),
    ("customer (head office; its reports at /reports/)", "office-anna", "demo"),
    ("customer (outside customer)", "guest-customer", "demo"),
    ("agent (reports at /reports/login; companion admin at /admin/)", "demo-agent", "demo"),
    ("agent (admin of the IT department at /admin/)", "it-agent", "demo"),
    ("agent (admin of the HR department at /admin/)", "hr-agent", "demo"),
    ("agent (admin of customer service: guest feedback at /admin/feedback)", "cs-agent", "demo"),
)

DEMO_FEEDBACK_STORES = ("store-012", "web")
"""Stores whose public feedback page the demo switches on (docs/feedback.md)."""


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker.")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Run the customer portal under gunicorn against the configured Znuny."""
    from radiant_ext.cli.http_worker import WORKER_CLASS
    from radiant_ext.cli.settings_file import demo_znuny_problem
    from radiant_ext.portal import create_app

    settings = load_settings()
    problem = demo_znuny_problem(settings)  # the demo's settings, the demo not running
    if problem:
        raise click.ClickException(problem)
    app = create_app(settings)
    app.extensions["radiant_portal"]["services"].close()  # fail fast
    warning = exposure_warning(host, int(app.config["PORTAL_TRUSTED_PROXIES"]))
    if warning:
        click.echo(f"radiant-ext serve: warning: {warning}", err=True)
    _run_gunicorn(lambda: create_app(load_settings()), {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        # Requests are read whole before a thread serves them: slow clients cannot take the
        # threads (radiant_ext/cli/http_worker.py, docs/portal.md "Slow clients").
        "worker_class": WORKER_CLASS, "accesslog": "-", "forwarded_allow_ips": "127.0.0.1",
    })


def exposure_warning(host: str, trusted_proxies: int) -> str | None:
    """The line ``serve`` prints when it listens beyond this machine with no proxy configured.

    Slow clients are handled by the worker itself; what a direct listener lacks is TLS: the
    session cookie is ``Secure``, so browsers drop it over plain http and nobody can log in,
    and passwords would cross the network readable.
    """
    if trusted_proxies > 0 or _is_loopback(host):
        return None
    return (f"listening on {host} without a TLS proxy (RADIANT_PORTAL_TRUSTED_PROXIES=0): "
            "put a TLS-terminating reverse proxy in front and set "
            "RADIANT_PORTAL_TRUSTED_PROXIES to the number of proxies (docs/portal.md)")


def _is_loopback(host: str) -> bool:
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: may resolve to anything


def _run_gunicorn(factory: Callable[[], Any], options: dict[str, Any]) -> None:
    """Run gunicorn embedded; every worker builds its own app (no connections across forks)."""
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return factory()

    Application().run()


def _demo_settings(data: Path, znuny_url: str) -> Settings:
    """The demo's settings, also written to ``data/radiant.toml`` (:func:`write_demo_settings`)
    for the other commands run beside the demo."""
    values = _demo_values(data, znuny_url)
    settings = load_settings(**values)
    write_demo_settings(data, values)
    return settings


def write_demo_settings(data: Path, values: dict[str, Any]) -> Path:
    """Write the demo's settings to ``data/radiant.toml`` (0600: the demo's throwaway secrets
    are in it), where the ``radiant-ext`` commands run beside ``data`` find them
    (:mod:`radiant_ext.cli.settings_file`); return the file.

    :raises ConfigError: the file cannot be written.
    """
    from radiant_ext.cli.settings_file import write_settings_file

    path = data / "radiant.toml"
    write_settings_file(path, values, header=(
        "The settings of `radiant-ext demo`, written each time it starts (its secrets are its "
        "own).\nOther radiant-ext commands read this file when run from the folder that holds "
        f"{data.name}/ and has no radiant.toml,\nor anywhere with RADIANT_CONFIG={path}.\n"
        "The sandbox Znuny at znuny_url answers only while the demo runs."))
    return path


def _demo_values(data: Path, znuny_url: str) -> dict[str, Any]:
    from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

    return dict(
        # The demo's store directory (and only the demo's): stores, tiers, trading hours.
        catalog_dirs=[DEMO_CATALOG_DIR],
        # Ready2Adopt routes include POST /Ticket/Search, so the outbox looks a retried
        # request up by its RadiantRequestID dynamic field (docs/sync.md).
        znuny_url=znuny_url, znuny_script_path="", znuny_route_set="znuny-r2a",
        znuny_user="radiant", znuny_password="radiant-demo", data_dir=data, database_url="",
        secret_key=secrets.token_urlsafe(32),
        # The sandbox's invoker calls the portal's webhook with this secret (see demo()).
        webhook_secret=secrets.token_urlsafe(32),
        # The sandbox keeps Znuny's metadata tables, so the catalog check reads them directly.
        znuny_db_url=f"sqlite:///{data / 'sandbox' / 'sandbox.sqlite'}",
        reports=DEMO_REPORTS, admin=DEMO_ADMIN,
    )


def _start_sandbox(data: Path, stack: ExitStack) -> SandboxServer:
    from radiant_ext_sandbox import create_app as sandbox_app
    from radiant_ext_sandbox import serve_in_thread

    server = serve_in_thread(sandbox_app(data_dir=data / "sandbox", seed="retail"),
                             host="127.0.0.1", port=0)
    stack.callback(server.stop)
    return server


def _load_year(data: Path, settings: Settings, *, history: bool) -> None:
    """On the demo's first start (with ``history``): write a year of requests ending now into
    the sandbox, keep their portal records and pull them into the reports' cache, before the
    portal and the scheduler start (radiant_ext/cli/demo_history.py). A restart adds nothing."""
    from radiant_ext.cli.demo_history import keep_portal_records, pull_history, start_year

    year = start_year(data / "sandbox", datetime.now(UTC), history=history)
    if not year:
        return
    ratings = keep_portal_records(settings, year)
    pulled, seconds = pull_history(settings)
    click.echo(f"radiant-ext demo: a year of history ({len(year)} requests, {ratings} ratings) "
               f"in the reports' cache: {pulled} tickets pulled in {seconds:.1f} s")


def _connect_webhook(sandbox: SandboxServer, settings: Settings, portal_port: int) -> None:
    """Make the sandbox call the portal's webhook on every new ticket and state change, as
    Znuny's invoker (the state changes let the workflow guard check an agent's moves).

    The invoker is stored in the sandbox's database, so ``radiant-ext sandbox mail`` and
    ``sandbox move`` on the demo's folder (another process) reach the portal too.
    """
    from radiant_ext_sandbox import InvokerConfig

    sandbox.app.store_invoker(InvokerConfig(
        url=f"http://127.0.0.1:{portal_port}/-/znuny/webhook/ticket-create",
        user=settings.webhook_user, password=settings.webhook_secret.get_secret_value(),
        timeout=5.0, events=frozenset({"TicketCreate", "TicketStateUpdate"}),
    ))


def _start_scheduler(settings: Settings, stack: ExitStack) -> int:
    from radiant_ext.store import make_engine
    from radiant_ext.sync import JobContext, SyncService, all_jobs

    engine = make_engine(settings.effective_database_url)
    stack.callback(engine.dispose)
    base = JobContext.from_settings(settings, engine=engine)
    jobs = all_jobs(base.plugins)
    service = SyncService(lambda: JobContext.from_settings(settings, engine=engine), jobs,
                          settings.sync_lease_seconds)
    thread = threading.Thread(target=service.start, name="radiant-sync", daemon=True)
    thread.start()
    stack.callback(thread.join, 30)
    stack.callback(service.stop)
    return len(jobs)


def _migrate(settings: Settings) -> None:
    from radiant_ext.store import make_engine, upgrade_database

    engine = make_engine(settings.effective_database_url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()


def _open_feedback_pages(settings: Settings) -> None:
    """Switch on the demo stores' public feedback pages (as an admin would at
    /admin/feedback)."""
    from radiant_ext.store import make_engine, session_scope
    from radiant_ext.store.feedback import set_feedback_enabled

    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            for store in DEMO_FEEDBACK_STORES:
                set_feedback_enabled(s, store, True, actor="demo")
    finally:
        engine.dispose()


def _banner(url: str, znuny: str, data: Path, jobs: int) -> None:
    click.echo(f"radiant-ext demo: portal at {url}")
    click.echo(f"  sandbox Znuny GI at {znuny} (seed: retail); {jobs} sync jobs running")
    click.echo(f"  data in {data}")
    click.echo("  logins (login / password):")
    for who, login, password in DEMO_LOGINS:
        click.echo(f"    {login} / {password}  — {who}")
    click.echo(f"  guest feedback without a login: {url}feedback/store-012 "
               f"(its poster: {url}feedback/store-012/poster)")
    command = command_prefix()
    click.echo("  an e-mail routed through the webhook, from another terminal:")
    click.echo(f"    {command} sandbox mail --data {shlex.quote(str(data / 'sandbox'))} "
               "--from flagship-clerk@retail.example "
               "--subject 'Cash register down' --body 'The till in store 001 does not work.'")
    _walkthrough_hints(data, command)
    click.echo(f"  settings in {data / 'radiant.toml'}; other commands on the demo's data:")
    click.echo(f"    {_beside_demo(data, command)} report stores")
    click.echo("Press Ctrl-C to stop.")


WORKFLOW_WAY = ("in review", "approved for action", "open", "ready to test", "in testing",
                "ready to install", "client testing")
"""The agent's moves of IT's software defect from Submitted to the requester's test."""


def _walkthrough_hints(data: Path, command: str) -> None:
    """How to walk through a workflow, an approval and a bundle (docs/sandbox.md)."""
    states = " ".join(shlex.quote(state) for state in WORKFLOW_WAY)
    click.echo("  walk through a workflow: demo-customer files a Software defect; move it on "
               "as the agent (TICKET: its number) —")
    click.echo(f"    for s in {states}; do {command} sandbox move "
               f"--data {shlex.quote(str(data / 'sandbox'))} TICKET \"$s\"; done")
    click.echo("    then demo-customer presses \"It works — complete it\"; a Vacation request "
               "of demo-customer's is approved by store-manager at /approvals (nobody else "
               "can); office-anna's New employee files four part tickets within seconds; "
               "demo-customer's older defect, waiting ten days for the test, gets its "
               "reminder within minutes (docs/sandbox.md)")


def _beside_demo(data: Path, command: str) -> str:
    """``command`` as run on the demo's data: as it is from the folder whose
    ``radiant-demo/radiant.toml`` the commands find, else with ``RADIANT_CONFIG`` naming it."""
    from radiant_ext.cli.settings_file import DEMO_SETTINGS_FILE

    if (Path.cwd() / DEMO_SETTINGS_FILE).resolve() == (data / "radiant.toml").resolve() \
            and not (Path.cwd() / "radiant.toml").exists():
        return command
    return f"RADIANT_CONFIG={shlex.quote(str(data / 'radiant.toml'))} {command}"


@click.command("demo")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Portal port (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--data", "data_dir", default="radiant-demo", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the demo's SQLite store and sandbox database.")
@click.option("--empty", is_flag=True,
              help="Start a new --data folder without the year of ticket history.")
def demo(port: int, host: str, data_dir: Path, empty: bool) -> None:
    """Sandbox Znuny + seeded catalogs + scheduler + portal in one command.

    A new ``--data`` folder starts with a year of ticket history for the reports (unless
    ``--empty``); a restart keeps the folder's data as it is.
    """
    from radiant_ext.cli.sandbox import sandbox_needed

    with sandbox_needed("the demo"):  # a distribution of its own: one line if it is missing
        import radiant_ext_sandbox  # noqa: F401
    from werkzeug.serving import make_server

    from radiant_ext.config import writable_folder
    from radiant_ext.portal import create_app
    data = data_dir.resolve()
    with suppress(OSError):  # writable_folder names the problem in one line
        data.mkdir(mode=0o700, parents=True, exist_ok=True)  # secrets and customers' data
    writable_folder(data, "--data")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with ExitStack() as stack:
        sandbox = _start_sandbox(data, stack)
        znuny = str(sandbox.url)
        settings = _demo_settings(data, znuny)
        _migrate(settings)
        _open_feedback_pages(settings)
        _load_year(data, settings, history=not empty)
        jobs = _start_scheduler(settings, stack)
        app = create_app({
            "RADIANT_SETTINGS": settings, "PORTAL_DEMO": True,
            "SESSION_COOKIE_SECURE": False, "PORTAL_HSTS_SECONDS": 0,
            "PORTAL_FEEDBACK_GUEST_CUSTOMER": "feedback-guest@retail.example",
        })
        stack.callback(app.extensions["radiant_portal"]["services"].close)
        server = make_server(host, port, app, threaded=True)
        _connect_webhook(sandbox, settings, server.server_port)
        app.extensions["radiant_webhook"].get_router()  # the first e-mail need not wait
        _banner(f"http://{host}:{server.server_port}/", znuny, data, jobs)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("\nStopping…")
        finally:
            server.server_close()
    click.echo("radiant-ext demo stopped.")


commands: list[click.Command] = [serve, demo]
