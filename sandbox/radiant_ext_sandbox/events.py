"""Ticket events queued during an operation, for the invoker to send after the operation's work.

Znuny queues ``TicketCreate``, ``ArticleCreate``, ``TicketStateUpdate``… while an operation runs
and hands them to the ``Ticket::Generic`` invoker at the end of the request
(``shared/contract/znuny-webhook/README.md``). ``ArticleCreate`` and ``TicketStateUpdate`` carry
``OldTicketData``: the ticket as it was when the event was queued (files 02, 09, 11, 23).
"""

from __future__ import annotations

from typing import Any

from radiant_ext_sandbox.db import Ctx

#: Events that carry OldTicketData, and whether it includes the flat dynamic fields.
_OLD_DATA = {"ArticleCreate": True, "TicketStateUpdate": False}


def emit(ctx: Ctx, name: str, ticket_id: int, **data: Any) -> None:
    """Queue event ``name`` for ``ticket_id`` if an invoker listens to it (else do nothing)."""
    if ctx.events is None or name not in ctx.watched:
        return
    event: dict[str, Any] = {"Event": name, "TicketID": ticket_id, **data}
    if name in _OLD_DATA:
        event["OldTicketData"] = old_ticket_data(ctx, ticket_id, _OLD_DATA[name])
    ctx.events.append(event)


def old_ticket_data(ctx: Ctx, ticket_id: int, dynamic_fields: bool) -> dict[str, Any]:
    """The ticket's TicketGet fields now (plus flat ``DynamicField_<Name>`` keys)."""
    from radiant_ext_sandbox import fields, ticket_read  # ticket_read imports tickets

    out = ticket_read.ticket_json(ctx, ticket_id)
    out.pop("TimeUnit", None)  # the event data comes from the core TicketGet, without it
    if dynamic_fields:
        for item in fields.read_all(ctx, "Ticket", ticket_id):
            out[f"DynamicField_{item['Name']}"] = item["Value"]
    return out
