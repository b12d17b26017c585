"""The workflow guard: a move an agent makes in Znuny outside an item's workflow is put back.

Two doors see a ticket's state change: the webhook (``TicketStateUpdate``, with the state
before in ``OldTicketData``) and the ticket pull (the cached row before the update).
Both call :func:`judge_move`, which decides in the store's transaction and records a
refusal once (``workflow_event``, kind ``refused``). :func:`send_refusals` (the pull and the
``deadline-watch`` job) then puts each recorded one back through the client — the state
before, and an internal note naming the refused move and the moves allowed from there — and
tells the plugins (``radiant_workflow_move_refused``). A Znuny outage loses nothing: the
refusal stays recorded and is sent on the next run. See ``docs/webhook.md``, "Moves outside
the workflow".

Both doors can see two moves as one: the pull compares with the state it cached at its last
run, and Znuny's daemon sends ``TicketStateUpdate`` a moment after the change with the ticket
as it is by then (an agent's next move may already be made). So before a refusal is put
back, Znuny's history is read: when it shows the way from the state before to the state
after as moves of the workflow (``in testing`` → ``ready to install`` → ``client testing``),
the move stands and nothing is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from radiant_ext.store import (
    StateSeen,
    TicketCache,
    WorkflowEvent,
    follow_states,
    record_audit,
)
from radiant_ext.store.workflow_events import (
    customer_move_expected,
    last_refusal,
    pending_refusals,
    record_event,
)
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.notes import internal_note

if TYPE_CHECKING:
    from radiant_ext.client import HistoryEntry
    from radiant_ext.plugins import Plugins
    from radiant_ext.plugins.catalog import CatalogItem
    from radiant_ext.plugins.email_routing import RoutingPlugins
    from radiant_ext.plugins.workflow import Workflow

__all__ = ["LEFT_ALONE_TYPES", "ObservedMove", "item_of", "judge_move", "refusal_note",
           "send_refusals", "state_hops", "workflow_of"]

log = logging.getLogger(__name__)

LEFT_ALONE_TYPES = frozenset({"merged", "removed"})
"""State types a ticket may enter whatever its workflow: merging and removing are Znuny's
housekeeping (the merged ticket lives on in its target), not a step of the request."""

PENDING_MINUTES = 72 * 60
"""The pending time set when a ticket is put back into a pending step (Znuny needs one;
72 hours, as the portal sets for the requester's moves)."""


@dataclass(frozen=True)
class ObservedMove:
    """A state change one door saw: ``seen`` identifies it (Znuny's change time)."""

    ticket_id: int
    ticket_number: str
    item: str
    from_state: str
    to_state: str
    to_state_type: str | None
    seen: str
    since: datetime | None = None
    actor: str = "agent"


def item_of(plugins: RoutingPlugins, item_id: str | None) -> CatalogItem | None:
    """The catalog item ``item_id`` (a disabled one too), ``None`` when unknown."""
    from radiant_ext.plugins import Plugins
    from radiant_ext.plugins.errors import PluginError

    if not item_id:
        return None
    try:
        return plugins.item(item_id, include_disabled=True) if isinstance(
            plugins, Plugins) else plugins.item(item_id)
    except PluginError:
        return None


def workflow_of(plugins: RoutingPlugins, item_id: str | None) -> Workflow | None:
    """The workflow an item declares, ``None`` for an item without one or an unknown item:
    only declared workflows are guarded and watched."""
    found = item_of(plugins, item_id)
    return found.workflow if found is not None else None


def _stands(session: Session, flow: Workflow, move: ObservedMove, now: datetime) -> str | None:
    """Why ``move`` stands, or ``None`` when it is to be refused."""
    if move.from_state == move.to_state:
        return "no state change"
    if (move.to_state_type or "").lower() in LEFT_ALONE_TYPES:
        return f"state type {move.to_state_type} is left alone"
    if flow.step_for_state(move.from_state) is None:
        return f"state {move.from_state!r} is not a step: nothing to put it back to"
    if flow.allows(move.from_state, move.to_state, "agent"):
        return "an agent's move of the workflow"
    if flow.allows(move.from_state, move.to_state, "customer") and customer_move_expected(
            session, move.ticket_id, move.from_state, move.to_state, now):
        return "the requester's move, made in the portal"
    last = last_refusal(session, move.ticket_id)
    if last is not None and (last.to_state, last.from_state) == (move.from_state, move.to_state):
        return "the refused move put back"
    return None


def judge_move(session: Session, flow: Workflow, move: ObservedMove, now: datetime) -> str:
    """Decide ``move`` of a ticket whose item has ``flow``; record a refusal once.

    :returns: one line for logs: why it stands, or that it was refused (or was before).
    """
    why = _stands(session, flow, move, now)
    if why is not None:
        return f"move {move.from_state} -> {move.to_state} stands: {why}"
    # A refusal still to be sent covers any move from the same state (the ticket goes back
    # there) and any later move off the refused state: back to the state before the first.
    pending = session.scalar(select(WorkflowEvent.id).where(
        WorkflowEvent.ticket_id == move.ticket_id, WorkflowEvent.kind == "refused",
        or_(WorkflowEvent.to_state == move.from_state,
            WorkflowEvent.from_state == move.from_state),
        WorkflowEvent.done_at.is_(None)).limit(1))
    key = f"{move.from_state}>{move.to_state}@{move.seen}"
    if session.scalar(select(WorkflowEvent.id).where(  # the other door's, found to stand
            WorkflowEvent.ticket_id == move.ticket_id, WorkflowEvent.kind == "stood",
            WorkflowEvent.key == key[:500]).limit(1)) is not None:
        return f"move {move.from_state} -> {move.to_state} stands: moves of the workflow"
    row = None if pending is not None else record_event(
        session, ticket_id=move.ticket_id, kind="refused", key=key, item=move.item,
        from_state=move.from_state, to_state=move.to_state, actor=move.actor,
        since=move.since, now=now)
    if row is None:
        return f"move {move.from_state} -> {move.to_state} refused before"
    return f"move {move.from_state} -> {move.to_state} refused: to be put back"


def refusal_note(flow: Workflow | None, item: str, from_state: str, to_state: str
                 ) -> tuple[str, str]:
    """The internal note's subject and body (English, for agents)."""
    label = flow.label_of if flow is not None else (lambda s: s)
    src, dst = label(from_state), label(to_state)
    lines = [f"The move from {src} ({from_state}) to {dst} ({to_state}) is not on the "
             f"workflow of {item}; the ticket was put back to {src}."]
    if flow is not None:
        try:
            flow.check(from_state, to_state, "agent")
        except Exception as exc:  # noqa: BLE001 - MoveRefusedError: its English reason
            lines.append(str(exc))
        moves = flow.next_moves(from_state)
        allowed = [f"- {m.label or flow.step(m.to).label} -> {flow.step(m.to).label} "
                   f"({'agent' if m.by == 'agent' else 'requester, in the portal'})"
                   for m in moves]
        lines.append(f"Moves allowed from {src}:" if allowed else f"No move leads out of {src}.")
        lines += allowed
    return f"Move refused: {src} -> {dst}", "\n".join(lines)


def state_hops(history: Iterable[HistoryEntry], from_state: str, to_state: str
               ) -> list[tuple[str, str]]:
    """The state changes Znuny's history shows from ``from_state`` to ``to_state``: the last
    change into ``to_state`` and those before it, back to a change out of ``from_state``
    (``StateUpdate`` entries are named ``%%old%%new%%``); empty when the history does not
    show that way."""
    changes = [(parts[1], parts[2]) for parts in (e.name.split("%%") for e in history
                                                  if e.history_type == "StateUpdate")
               if len(parts) >= 4]
    hops: list[tuple[str, str]] = []
    for old, new in reversed(changes):
        if not hops and new != to_state:
            continue
        if hops and new != hops[-1][0]:
            return []
        hops.append((old, new))
        if old == from_state:
            return hops[::-1]
    return []


def _walked(ctx: JobContext, row: WorkflowEvent, flow: Workflow | None) -> list[str]:
    """The states of the way Znuny's history shows for a refused move when every change on
    it is a move of the workflow (the requester's only when the portal recorded it), else
    empty: two moves seen as one stand."""
    if flow is None or not row.from_state or not row.to_state:
        return []
    hops = state_hops(ctx.client.ticket_history(row.ticket_id), row.from_state, row.to_state)
    if len(hops) < 2:
        return []
    with ctx.sessions() as s:
        if all(flow.allows(a, b, "agent") or (flow.allows(a, b, "customer") and
                                              customer_move_expected(s, row.ticket_id, a, b,
                                                                     ctx.now()))
               for a, b in hops):
            return [hops[0][0], *(b for _, b in hops)]
    return []


def _record_stood(ctx: JobContext, row: WorkflowEvent, way: list[str]) -> None:
    """Mark a refusal whose way was the workflow's as settled, without a put-back."""
    with ctx.sessions.begin() as s:
        done = s.get_one(WorkflowEvent, row.id)
        done.kind, done.done_at = "stood", ctx.now()
        done.last_error = ("moves of the workflow: " + " -> ".join(way))[:500]
        cached = s.get(TicketCache, row.ticket_id)
        record_audit(s, actor="sync", action="workflow.stood",
                     subject=cached.ticket_number if cached else str(row.ticket_id),
                     details={"way": way, "item": row.item})


def _put_back(ctx: JobContext, row: WorkflowEvent, flow: Workflow | None) -> None:
    from radiant_ext.client.models import PendingTime, TicketChanges

    assert row.from_state is not None and row.to_state is not None
    step = flow.step_for_state(row.from_state) if flow is not None else None
    pending = step is not None and step.state_type.startswith("pending")
    subject, body = refusal_note(flow, row.item or "", row.from_state, row.to_state)
    ctx.client.ticket_update(row.ticket_id, ticket=TicketChanges(
        state=row.from_state,
        pending_time=PendingTime(diff=PENDING_MINUTES) if pending else None),
        article=internal_note(subject, body))


def _record_done(ctx: JobContext, row: WorkflowEvent, flow: Workflow | None) -> str:
    """Mark ``row`` sent, put the cached row back; return the ticket number."""
    with ctx.sessions.begin() as s:
        done = s.get_one(WorkflowEvent, row.id)
        done.done_at, done.attempts = ctx.now(), done.attempts + 1
        cached = s.get(TicketCache, row.ticket_id)
        number = cached.ticket_number if cached is not None else str(row.ticket_id)
        if cached is not None and cached.state == row.to_state:
            step = flow.step_for_state(row.from_state or "") if flow is not None else None
            cached.state = row.from_state or cached.state
            cached.state_type = step.state_type if step is not None else cached.state_type
            cached.state_since = row.since or cached.state_since
            follow_states(s, [StateSeen(cached.ticket_id, cached.category, cached.state,
                                        cached.state_type, ctx.now())])
        record_audit(s, actor="sync", action="workflow.refused", subject=number,
                     details={"from": row.from_state, "to": row.to_state, "item": row.item})
    return number


def _failed(ctx: JobContext, row: WorkflowEvent, exc: Exception) -> None:
    with ctx.sessions.begin() as s:
        failed = s.get_one(WorkflowEvent, row.id)
        failed.attempts += 1
        failed.last_error = str(exc)[:500]


def send_refusals(ctx: JobContext) -> dict[str, int]:
    """Put back every recorded refusal not sent yet; count ``refused`` and ``failed``
    (and ``stood``, when any: two moves of the workflow seen as one, per Znuny's history).

    A failure (Znuny down) leaves the refusal to the next run.
    """
    with ctx.sessions() as s:
        rows = pending_refusals(s)
        for row in rows:
            s.expunge(row)
    counts = {"refused": 0, "failed": 0}
    for row in rows:
        flow = workflow_of(ctx.plugins, row.item) if ctx.plugins_factory else None
        try:
            way = _walked(ctx, row, flow)
            if way:
                _record_stood(ctx, row, way)
                counts["stood"] = counts.get("stood", 0) + 1
                continue
            _put_back(ctx, row, flow)
        except Exception as exc:  # noqa: BLE001 - counted; sent again on the next run
            log.warning("putting back ticket %s (%s -> %s) failed: %s", row.ticket_id,
                        row.from_state, row.to_state, exc)
            _failed(ctx, row, exc)
            counts["failed"] += 1
            continue
        number = _record_done(ctx, row, flow)
        counts["refused"] += 1
        if ctx.plugins_factory is not None:
            _tell(ctx.plugins, row, number, flow)
    return counts


def _tell(plugins: Plugins, row: WorkflowEvent, number: str, flow: Workflow | None) -> None:
    steps: dict[str, Any] = {
        "from_step": flow.states_step(row.from_state or "") if flow else None,
        "to_step": flow.states_step(row.to_state or "") if flow else None}
    plugins.workflow_move_refused(row.ticket_id, number, item=row.item,
                                  from_state=row.from_state or "",
                                  to_state=row.to_state or "", actor=row.actor, **steps)
