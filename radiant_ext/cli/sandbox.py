"""``radiant-ext sandbox``: serve the Znuny-compatible sandbox; ``sandbox seed``: history."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

DEFAULT_DATA = Path(".radiant-sandbox")
LOGINS = {
    "retail": "Agents: radiant/radiant-demo, demo-agent/demo; customers: demo-customer/demo, "
    "store-manager/demo, office-anna/demo (docs/sandbox.md)",
    "lab": "Users: agent1, agent2, cust1, cust2, cust3 (password lab-password)",
    "znuny-lab": "Users: agent1, cust1, cust2 (password lab-password)",
}


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
    "--test-controls", is_flag=True, help="Serve /__sandbox__/ (session age, clock, faults)."
)
@click.pass_context
def sandbox(
    ctx: click.Context, host: str, port: int, data_dir: Path, seed: str | None, test_controls: bool
) -> None:
    """Serve a Znuny GenericInterface sandbox (SQLite in --data)."""
    ctx.obj = {"data_dir": data_dir}
    if ctx.invoked_subcommand is not None:
        return
    from werkzeug.serving import run_simple

    from radiant_ext.sandbox import create_app

    started = time.perf_counter()
    app = create_app(data_dir, seed=seed, test_controls=test_controls)
    click.echo(
        f"Sandbox ready in {time.perf_counter() - started:.2f} s: http://{host}:{port}/"
        "otrs|znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
    )
    click.echo(LOGINS.get(app.seed, ""))
    run_simple(host, port, app, threaded=True)


@sandbox.command("seed")
@click.option("--tickets", type=click.IntRange(min=1), required=True, help="How many tickets.")
@click.option("--random-seed", type=int, default=42, show_default=True)
@click.pass_context
def seed(ctx: click.Context, tickets: int, random_seed: int) -> None:
    """Generate N historical tickets in the retail sandbox of --data (bulk insert)."""
    from radiant_ext.sandbox import generate_tickets

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
