"""The deadline's clock stops while a ticket waits on its requester.

A workflow step may wait on the customer (``waiting_on: customer``: *Client testing*,
*Estimate pending client approval*). While a ticket is in such a step, the team cannot act,
so the ``deadline-watch`` job neither warns nor escalates on its solution deadline — the
step's own reminder and escalation (:mod:`.step_limits`) follow the wait. Once the ticket is
back with the team, the deadline is moved on by the **business time it waited** (the item's
deadline calendar, the store's for a request at a store that has one), counted from the step
log's stays in those steps since the ticket was created.

Only what this job announces moves: the promised deadline stored in Znuny
(``RadiantDeadline``) and Znuny's own SLA escalation are left as they are
(``docs/deadlines.md``, "Waiting on the requester").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from radiant_ext.store import StepEntry, TicketCache
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.workflow_guard import item_of

if TYPE_CHECKING:
    from radiant_ext.plugins.catalog import CatalogItem

__all__ = ["RequesterWait", "requester_waits"]


@dataclass(frozen=True)
class RequesterWait:
    """How a ticket's deadline stands towards its requester's waits."""

    waiting: bool
    """In a step waiting on the requester now: no deadline alert."""
    paused: timedelta
    """Business time spent waiting on the requester since creation (the current wait too)."""
    moved: datetime | None
    """The deadline moved on by ``paused`` (``None``: the ticket has no deadline)."""


def requester_waits(ctx: JobContext, rows: Sequence[TicketCache], now: datetime,
                    deadline: dict[int, datetime | None]) -> dict[int, RequesterWait]:
    """For each ticket of ``rows`` whose item's workflow has steps waiting on the requester
    and that has been in one: whether it waits now, the business time it waited and its
    moved deadline (``deadline``: each ticket's own). Others are left out: their deadline
    stands. Needs plugins (without them, nothing is paused)."""
    if ctx.plugins_factory is None:
        return {}
    waiting: dict[int, tuple[CatalogItem, set[str]]] = {}
    for row in rows:
        item = item_of(ctx.plugins, row.category)
        flow = item.workflow if item is not None else None
        states = {s.state for s in flow.steps if s.waiting_on == "customer"} if flow else set()
        if item is not None and states:
            waiting[row.ticket_id] = item, states
    if not waiting:
        return {}
    stays = _stays(ctx, sorted(waiting))
    found: dict[int, RequesterWait] = {}
    for row in rows:
        if row.ticket_id not in waiting:
            continue
        item, waits_on = waiting[row.ticket_id]
        waited = [(entered, left) for state, entered, left in stays.get(row.ticket_id, ())
                  if state in waits_on]
        now_waiting = row.state in waits_on
        if not waited and not now_waiting:
            continue
        store = ctx.plugins.store(row.store) if row.store else None
        calendar, _label = item.deadline.calendar_for(store)
        start = row.created
        paused = sum((calendar.between(max(entered, start) if start else entered, left or now)
                      for entered, left in waited), timedelta(0))
        due = deadline.get(row.ticket_id)
        found[row.ticket_id] = RequesterWait(
            now_waiting, paused, calendar.add(due, paused) if due and paused else due)
    return found


def _stays(ctx: JobContext, ids: Sequence[int]
           ) -> dict[int, list[tuple[str, datetime, datetime | None]]]:
    """Every logged stay of the tickets ``ids``: state, entered, left."""
    found: dict[int, list[tuple[str, datetime, datetime | None]]] = defaultdict(list)
    with ctx.sessions() as s:
        for start in range(0, len(ids), 500):
            for e in s.scalars(select(StepEntry).where(
                    StepEntry.ticket_id.in_(ids[start:start + 500]))):
                found[e.ticket_id].append((e.state, e.entered_at, e.left_at))
    return found
