"""``radiant-ext sandbox``: serve the Znuny-compatible sandbox; ``sandbox seed``: history.

The sandbox is a distribution of its own (``radiant-ext-sandbox``, folder ``sandbox/``), not part
of the production package: the commands that need it import it when they run, and
:func:`sandbox_needed` turns its absence into one line naming the fix.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

__all__ = ["SANDBOX_INSTALL", "commands", "sandbox", "sandbox_needed"]

SANDBOX_INSTALL = "pip install -e sandbox/ (radiant-ext-sandbox)"
"""How to install the sandbox, from a checkout of the repository."""

DEFAULT_DATA = Path(".radiant-sandbox")
LOGINS = {
    "retail": "Agents: radiant/radiant-demo, demo-agent/demo; customers: demo-customer/demo, "
    "store-manager/demo, office-anna/demo (docs/sandbox.md)",
    "lab": "Users: agent1, agent2, cust1, cust2, cust3 (password lab-password)",
    "znuny-lab": "Users: agent1, cust1, cust2 (password lab-password)",
}


@contextmanager
def sandbox_needed(by: str) -> Iterator[None]:
    """Run the block; if it cannot import the sandbox, stop with one line naming the fix.

    Only the sandbox itself missing is turned into that line: a module the installed sandbox
    fails to import is a real error and stays one.

    :param by: what needs it, as the line starts (``"the demo"``).
    :raises click.ClickException: the sandbox is not installed.
    """
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "radiant_ext_sandbox":
            raise
        raise click.ClickException(
            f"{by} needs the sandbox, which is not installed: {SANDBOX_INSTALL}"
        ) from None


@click.group("sandbox", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8081, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Folder of the sandbox database.",
)
@click.option(
    "--seed",
    type=click.Choice(["retail", "lab", "znuny-lab"]),
    default=None,
    help="World to create in an empty data folder (default: retail).",
)
@click.option(
    "--test-controls",
    is_flag=True,
    help="Serve /__sandbox__/ (session age, clock, faults, invoker, mail).",
)
@click.option(
    "--invoker-url",
    envvar="RADIANT_SANDBOX_INVOKER_URL",
    help="Call this webhook URL like Znuny's Ticket::Generic invoker "
    "(e.g. http://127.0.0.1:8080/-/znuny/webhook/ticket-create).",
)
@click.option(
    "--invoker-user", envvar="RADIANT_SANDBOX_INVOKER_USER", default="znuny", show_default=True
)
@click.option(
    "--invoker-password-file",
    envvar="RADIANT_SANDBOX_INVOKER_PASSWORD_FILE",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="File holding the Basic-auth password (or set RADIANT_SANDBOX_INVOKER_PASSWORD).",
)
@click.option(
    "--invoker-timeout",
    envvar="RADIANT_SANDBOX_INVOKER_TIMEOUT",
    type=click.FloatRange(min=0, min_open=True, max=600),
    callback=lambda _c, _p, v: _finite(v),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the answer (Znuny's requester Timeout).",
)
@click.option(
    "--invoker-event",
    "invoker_events",
    multiple=True,
    type=click.Choice(["TicketCreate", "ArticleCreate", "TicketStateUpdate"]),
    default=("TicketCreate",),
    show_default=True,
    help="Events that call the invoker (repeat the option for several).",
)
@click.pass_context
def sandbox(
    ctx: click.Context,
    /,
    host: str,
    port: int,
    data_dir: Path,
    seed: str | None,
    test_controls: bool,
    **invoker: Any,
) -> None:
    """Serve a Znuny GenericInterface sandbox (SQLite in --data)."""
    with sandbox_needed("radiant-ext sandbox"):  # one line if it is missing, before anything
        import radiant_ext_sandbox  # noqa: F401
    ctx.obj = {"data_dir": data_dir, "invoker": _invoker(**invoker)}
    if ctx.invoked_subcommand is not None:
        return
    from werkzeug.serving import run_simple

    from radiant_ext_sandbox import create_app

    started = time.perf_counter()
    app = create_app(data_dir, seed=seed, test_controls=test_controls, **ctx.obj["invoker"])
    click.echo(
        f"Sandbox ready in {time.perf_counter() - started:.2f} s: http://{host}:{port}/"
        "otrs|znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
    )
    click.echo(LOGINS.get(app.seed, ""))
    if app.invoker is not None:
        click.echo(f"Invoker: {', '.join(sorted(app.invoker.events))} -> {app.invoker.url}")
    run_simple(host, port, app, threaded=True)


def _invoker(
    invoker_url: str | None,
    invoker_user: str,
    invoker_password_file: Path | None,
    invoker_timeout: float,
    invoker_events: tuple[str, ...],
) -> dict[str, Any]:
    """The invoker keywords of ``create_app`` from the options and the environment."""
    import os

    if invoker_password_file is not None:
        password = invoker_password_file.read_text(encoding="utf-8").strip()
    else:
        password = os.environ.get("RADIANT_SANDBOX_INVOKER_PASSWORD", "")
    if invoker_url and not password:
        raise click.UsageError(
            "the invoker needs a password: --invoker-password-file or "
            "RADIANT_SANDBOX_INVOKER_PASSWORD"
        )
    return {
        "invoker_url": invoker_url,
        "invoker_user": invoker_user,
        "invoker_password": password,
        "invoker_timeout": invoker_timeout,
        "invoker_events": invoker_events,
    }


_command_data = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the sandbox database (default: the group's --data).",
)
"""The ``--data`` option of the group's commands (``mail``, ``move``)."""


@sandbox.command("mail")
@_command_data
@click.option("--from", "sender", help="Sender address; without it an .eml is read on stdin.")
@click.option("--subject", default="", help="Subject (the ticket's title).")
@click.option("--body", default="", help="Message text.")
@click.option("--to", "recipient", default="znuny@localhost", show_default=True)
@click.option("--queue", default=None, help="Queue for the new ticket (default: Postmaster).")
@click.pass_context
def mail(
    ctx: click.Context,
    data_dir: Path | None,
    sender: str | None,
    subject: str,
    body: str,
    recipient: str,
    queue: str | None,
) -> None:
    """Feed an e-mail to the sandbox like Znuny's PostMaster (then call the invoker)."""
    from radiant_ext_sandbox import SandboxError, create_app
    from radiant_ext_sandbox.postmaster import compose_mail

    folder = data_dir or ctx.obj["data_dir"]
    if sender:
        raw = compose_mail(sender, subject, body, recipient)
    else:
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise click.UsageError("give --from/--subject/--body, or an .eml file on stdin")
    try:
        app = create_app(folder, **ctx.obj["invoker"])
        result = app.receive_mail(raw, queue)
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    calls = [call.to_json() for call in app.runner.history()]
    click.echo(json.dumps({**result, "InvokerCalls": calls}, ensure_ascii=False))


class _BadInput(click.ClickException):
    """One line (``Error: …``) and exit status 2, like a usage error, without the usage."""

    exit_code = 2


@sandbox.command("move")
@_command_data
@click.option("--note", default="", help="Text of an internal note (the customer never sees it).")
@click.argument("ticket")
@click.argument("state")
@click.pass_context
def move(ctx: click.Context, data_dir: Path | None, note: str, ticket: str, state: str) -> None:
    """Set TICKET's (number or id) STATE as an agent would (then call the invoker).

    A pending state gets a pending time 24 hours ahead, as Znuny requires.
    """
    from radiant_ext_sandbox import SandboxError, create_app

    folder = data_dir or ctx.obj["data_dir"]
    if not (folder / "sandbox.sqlite").is_file():
        raise _BadInput(f"no sandbox database in {folder} (give the sandbox's --data)")
    try:
        app = create_app(folder, **ctx.obj["invoker"])
        result = app.agent_move(ticket, state, note)
    except SandboxError as exc:
        raise _BadInput(str(exc)) from exc
    calls = [call.to_json() for call in app.runner.history()]
    click.echo(json.dumps({**result, "InvokerCalls": calls}, ensure_ascii=False))


SEED_MAX_TICKETS = 200_000
"""The most tickets ``sandbox seed`` writes in one run (a minute or two); run it again for
more."""


def _finite(value: float) -> float:
    if not math.isfinite(value):  # nan passes every range check
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


@sandbox.command("seed")
@click.option("--tickets", type=click.IntRange(min=1, max=SEED_MAX_TICKETS), required=True,
              help=f"How many tickets, 1 to {SEED_MAX_TICKETS} (100,000 take about a minute).")
@click.option("--random-seed", type=int, default=42, show_default=True)
@click.pass_context
def seed(ctx: click.Context, tickets: int, random_seed: int) -> None:
    """Generate N historical tickets in the retail sandbox of --data (bulk insert)."""
    from radiant_ext_sandbox import generate_tickets

    started = time.perf_counter()
    summary = generate_tickets(ctx.obj["data_dir"], tickets, seed=random_seed)
    click.echo(
        json.dumps(
            {
                "tickets": summary["tickets"],
                "articles": summary["articles"],
                "sla": summary["sla"],
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


commands: list[click.Command] = [sandbox]
