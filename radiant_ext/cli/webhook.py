"""``radiant-ext webhook try``: how would the webhook route a ticket with this text?"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

__all__ = ["commands", "webhook"]


def _payload(title: str, body: str, company: str | None, user: str | None,
             queue: str) -> dict[str, Any]:
    """A minimal ``Ticket::Generic`` TicketCreate payload for a new e-mail ticket."""
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    article = {"ArticleID": 1, "ArticleNumber": 1, "Subject": title, "Body": body,
               "SenderType": "customer", "CommunicationChannelID": 1, "IsVisibleForCustomer": 1}
    return {
        "Event": {"Event": "TicketCreate", "TicketID": 1},
        "Ticket": {"TicketID": 1, "TicketNumber": "0", "Title": title, "Queue": queue,
                   "State": "new", "StateType": "new", "Priority": "3 normal",
                   "Type": "Unclassified", "CustomerID": company or "",
                   "CustomerUserID": user or "", "Created": created, "CreateBy": 1,
                   "Articles": [article], "Article": article,
                   # Znuny sends the customer user's record when the sender is one it knows
                   "CustomerUser": {"UserLogin": user, "UserCustomerID": company or "",
                                    "ValidID": 1} if user else {}},
    }


@click.group("webhook")
def webhook() -> None:
    """Znuny's webhook: real-time routing of new tickets (see docs/webhook.md)."""


@webhook.command("try")
@click.option("--title", required=True, help="Ticket title / e-mail subject.")
@click.option("--body", default="", help="First article / e-mail text.")
@click.option("--company", help="Sender's customer company, e.g. store-012.")
@click.option("--user", help="Sender's customer user login (leave out for a sender Znuny does "
              "not know: no store is taken from the text, the priority is at most normal).")
@click.option("--queue", default="Raw", show_default=True,
              help="Queue it arrives in (a stock Znuny's PostmasterDefaultQueue: Raw).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def try_routing(title: str, body: str, company: str | None, user: str | None, queue: str,
                as_json: bool) -> None:
    """Show the answer the webhook would give Znuny for a new ticket, without Znuny."""
    from radiant_ext.config import load_settings
    from radiant_ext.webhook import router_from_settings, validate_payload

    router = router_from_settings(load_settings())
    result = router.handle(validate_payload(_payload(title, body, company, user, queue)))
    if as_json:
        click.echo(json.dumps(result.answer, ensure_ascii=False, indent=2, sort_keys=True))
        return
    from radiant_ext.cli.sandbox import sandbox_needed

    # Znuny's reading of the answer is played by the sandbox (--json needs no sandbox)
    with sandbox_needed("radiant-ext webhook try (without --json)"):
        from radiant_ext_sandbox.znuny_writeback import plan_writeback
    click.echo(f"{result.outcome}: {result.reason}")
    plan = plan_writeback(200, "application/json", json.dumps(result.answer))
    for action in plan.actions:
        if action.operation == "ArticleAdd":
            click.echo(f"  note   {action.value['Subject']}")
            for line in str(action.value["Body"]).splitlines():
                click.echo(f"         {line}")
        else:
            name = action.field or action.operation.removesuffix("Set")
            click.echo(f"  {name:<16} {action.value}")


commands: list[click.Command] = [webhook]
