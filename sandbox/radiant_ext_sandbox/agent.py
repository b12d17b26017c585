"""An agent's move of a ticket, as ``AgentTicketPending`` / ``TicketUpdate`` make it.

The demo has no agent: ``radiant-ext sandbox move`` plays one. The state is set with Znuny's
history (``StateUpdate``; ``SetPendingTime`` for a pending state, which Znuny requires: the
agent interface's default, 24 hours ahead on the sandbox's clock), an internal note (not
visible to the customer) when there is a text, and ``TicketStateUpdate`` queued for the invoker
— the same rows and event an agent's TicketUpdate writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox import tickets
from radiant_ext_sandbox.db import Ctx, lookup_id, name_of
from radiant_ext_sandbox.errors import SandboxError
from radiant_ext_sandbox.escalation import rebuild_index

__all__ = ["PENDING_AHEAD", "find_ticket", "move_ticket"]

PENDING_AHEAD = dt.timedelta(hours=24)
"""How far ahead a pending state's time is set (Znuny's ``PendingDiffTime`` default)."""
MAX_NOTE = 10_000
"""The longest note text taken (characters); a longer one is refused."""


def find_ticket(ctx: Ctx, ticket: str) -> int:
    """The id of the ticket with number (or else id) ``ticket``.

    :raises SandboxError: no such ticket.
    """
    given = ticket.strip()
    found = ctx.scalar(select(s.ticket.c.id).where(s.ticket.c.tn == given))
    if found is None and given.isdigit() and len(given) < 12:
        found = ctx.scalar(select(s.ticket.c.id).where(s.ticket.c.id == int(given)))
    if found is None:
        raise SandboxError(f"no ticket with number or id {given[:40]!r}")
    return int(found)


def move_ticket(ctx: Ctx, ticket: str, state: str, note: str = "") -> dict[str, Any]:
    """Set ``ticket``'s state to ``state`` (a valid state name), with ``note`` as an internal
    note; return the ticket's number, id and its states before and after.

    :raises SandboxError: an unknown ticket or state, or a note too long; nothing is changed.
    """
    ticket_id = find_ticket(ctx, ticket)
    state_id = lookup_id(ctx, s.ticket_state, state)
    if state_id is None:
        raise SandboxError(f"no valid ticket state {state[:60]!r}")
    if len(note) > MAX_NOTE:
        raise SandboxError(f"the note is longer than {MAX_NOTE} characters")
    row = tickets.ticket_row(ctx, ticket_id)
    before = name_of(ctx, s.ticket_state, row.ticket_state_id)
    pending: dt.datetime | None = None
    if state_id != row.ticket_state_id:
        if tickets.state_type(ctx, state_id).startswith("pending"):
            pending = (ctx.now() + PENDING_AHEAD).replace(second=0)
            tickets.set_pending(ctx, ticket_id, pending)
            tickets.set_state(ctx, ticket_id, state_id)
        else:
            tickets.set_state(ctx, ticket_id, state_id)
            tickets.set_pending(ctx, ticket_id, None)
    if note.strip():
        tickets.create_article(ctx, ticket_id, tickets.NewArticle(
            subject=f"State: {state}", body=note, content_type="text/plain; charset=utf-8",
            visible=0, from_="Radiant Sandbox Agent"))
    tickets.send_notifications(ctx)
    rebuild_index(ctx, ticket_id)
    return {"TicketID": ticket_id, "TicketNumber": str(row.tn), "StateBefore": before,
            "State": state, "PendingUntil": pending.strftime("%Y-%m-%d %H:%M") if pending else ""}
