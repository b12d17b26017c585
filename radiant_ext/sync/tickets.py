"""The ``ticket-pull`` job: tickets changed since the cursor, batch-fetched, cached.

TicketSearch has no offset (genericinterface.md §4.6), so pages are keyset pages over the
last-change time: ``TicketLastChangeTimeNewerDate=<last seen>``, ``SortBy=Changed``,
``OrderBy=Up``, ``Limit=N``, skipping ids already seen at the boundary second. The cursor is the
newest change time seen (Znuny's clock, not ours); the next pull starts an overlap window
before it so a ticket changed in the same second as the cursor, or committed late, is not
missed. Pulling is idempotent: a ticket seen twice is simply upserted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from radiant_ext.client import Ticket
from radiant_ext.plugins.fields import (
    CATEGORY_FIELD,
    DEADLINE_FIELD,
    REQUEST_ID_FIELD,
    STORE_FIELD,
)
from radiant_ext.store import (
    Outbox,
    StateSeen,
    TicketCache,
    follow_states,
    get_cursor,
    set_cursor,
    utcnow,
)
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.ports import HelpDesk
from radiant_ext.sync.workflow_guard import ObservedMove, judge_move, send_refusals, workflow_of

__all__ = [
    "CURSOR",
    "FULL_PULL_CHECKPOINT",
    "TRACKED",
    "cache_values",
    "dynamic_field",
    "first_response_time",
    "full_resync",
    "pull_tickets",
    "ticket_to_cache",
    "upsert_changes",
    "upsert_tickets",
]

log = logging.getLogger(__name__)

CURSOR = "ticket-pull"
FULL_PULL_CHECKPOINT = "ticket-pull-full"
"""How far a full pull got (newest change time pulled); unset once it has ended."""
PAGE = 1000
GET_CHUNK = 100
CLOSED_TYPES = frozenset({"closed", "removed", "merged"})


def _epoch(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def dynamic_field(ticket: Any, name: str) -> str | None:
    """A ticket's dynamic field as one text (the first of a list), ``None`` when empty."""
    value = (getattr(ticket, "dynamic_fields", None) or {}).get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value not in (None, "") else None


def _df_datetime(ticket: Any, name: str) -> datetime | None:
    text = dynamic_field(ticket, name)
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def ticket_to_cache(ticket: Any, row: TicketCache | None = None) -> TicketCache:
    """Copy a client :class:`~radiant_ext.client.Ticket` into a (new or existing) cache row."""
    values = cache_values(ticket, row)
    row = row if row is not None else TicketCache(ticket_id=values["ticket_id"])
    for name, value in values.items():
        setattr(row, name, value)
    return row


def cache_values(ticket: Any, old: TicketCache | None = None) -> dict[str, Any]:
    """Return the cache columns for ``ticket``; ``old`` is its cached row, if any."""
    values: dict[str, Any] = {name: getattr(ticket, name) for name in (
        "title", "state", "state_type", "queue", "service", "sla", "priority", "priority_id",
        "owner", "responsible", "created", "changed")}
    values.update(
        ticket_id=int(ticket.ticket_id), ticket_number=str(ticket.ticket_number),
        type=ticket.type or None, customer_user_id=ticket.customer_user_id or None,
        customer_id=ticket.customer_id or None, store=dynamic_field(ticket, STORE_FIELD),
        category=dynamic_field(ticket, CATEGORY_FIELD),
        request_id=dynamic_field(ticket, REQUEST_ID_FIELD),
        promised_deadline=_df_datetime(ticket, DEADLINE_FIELD), synced_at=utcnow())
    if old is None or old.state != ticket.state or old.state_since is None:
        values["state_since"] = ticket.changed or ticket.created
    else:
        values["state_since"] = old.state_since
    values.update(_times(ticket, old, values["created"]))
    return values


def _times(ticket: Any, old: TicketCache | None, created: datetime | None) -> dict[str, Any]:
    if (ticket.state_type or "").lower() in CLOSED_TYPES:
        closed = (old.closed if old is not None else None) or ticket.changed
    else:
        closed = None
    first = first_response_time(ticket) or (old.first_response_at if old is not None else None)
    response = _epoch(ticket.escalation_response_time)
    solution = _epoch(ticket.escalation_solution_time)
    # EscalationTime is relative (seconds left); the destination time is the absolute one.
    extra = getattr(ticket, "model_extra", None) or {}
    kept_response = response or _kept(old, "first_response_deadline") or _derived(
        first, extra.get("FirstResponseDiffInMin"))
    kept_solution = solution or _kept(old, "solution_deadline") or _derived(
        closed, extra.get("SolutionDiffInMin"))
    destination = str(extra.get("EscalationDestinationTime") or "")
    return {
        "closed": closed, "first_response_at": first,
        "first_response_minutes": _minutes(created, first),
        "solution_minutes": _minutes(created, closed),
        # Znuny clears a deadline once it is met (first answer, close): keep the last known one.
        "first_response_deadline": kept_response, "solution_deadline": kept_solution,
        "znuny_first_response_deadline": response, "znuny_solution_deadline": solution,
        "update_deadline": _epoch(ticket.escalation_update_time),
        "escalation_deadline": _epoch(int(destination)) if destination.isdigit() else None,
    }


def _kept(old: TicketCache | None, name: str) -> datetime | None:
    return getattr(old, name) if old is not None else None


def _derived(done: datetime | None, diff_minutes: Any) -> datetime | None:
    """A deadline for a ticket first seen after it was met or missed: Znuny's ``Extended``
    data give the working minutes left (``…DiffInMin``, negative when late) at the answer or
    the close. Added as wall-clock minutes the deadline is approximate, but on the right side
    of the answer or close, so met / missed is exact."""
    if done is None or diff_minutes in (None, ""):
        return None
    try:
        return done + timedelta(minutes=int(diff_minutes))
    except (TypeError, ValueError):
        return None


def first_response_time(ticket: Any) -> datetime | None:
    """When the first agent answer went out: ``FirstResponse`` (``Extended=1``), else the
    earliest customer-visible agent article among those fetched."""
    first: datetime | None = getattr(ticket, "first_response", None)
    if first is not None:
        return first
    answers = [a.create_time for a in getattr(ticket, "articles", None) or ()
               if a.sender_type == "agent" and a.is_visible_for_customer and a.create_time]
    return min(answers) if answers else None


TRACKED = ("state", "owner", "priority", "queue", "type", "service", "sla")
"""Fields whose changes the plugins hear about (``radiant_ticket_updated``)."""

Change = tuple[int, str, dict[str, Any]]


def upsert_tickets(session: Session, tickets: Sequence[Any]) -> int:
    """Insert or update ``tickets`` in the cache; return how many rows were written."""
    upsert_changes(session, tickets)
    return len(tickets)


def upsert_changes(session: Session, tickets: Sequence[Any],
                   moves: list[ObservedMove] | None = None) -> list[Change]:
    """Upsert ``tickets``; return ``(id, number, {field: new value})`` for changed known ones.

    Tickets not cached yet are written with one multi-row ``INSERT`` (a full pull is all
    inserts); cached ones are updated through their ORM rows, which also yields the changes.
    ``moves`` (when given) receives the state changes of categorised cached tickets, with
    the state before taken from the cached row, for the workflow guard. The step log
    (:func:`~radiant_ext.store.follow_states`) is told every ticket's state.
    """
    ids = [int(t.ticket_id) for t in tickets]
    existing = {r.ticket_id: r for r in session.scalars(
        select(TicketCache).where(TicketCache.ticket_id.in_(ids)))}
    changes: list[Change] = []
    new: dict[int, dict[str, Any]] = {}
    for ticket in tickets:
        ticket_id = int(ticket.ticket_id)
        old = existing.get(ticket_id)
        if old is None:
            new[ticket_id] = cache_values(ticket)  # a repeated id in one batch: the last wins
            continue
        provisional = old.changed is None  # written by the outbox on filing, never pulled
        before = {name: getattr(old, name) for name in TRACKED}
        since = old.state_since
        ticket_to_cache(ticket, old)
        if provisional:
            continue
        if moves is not None and old.category and old.state != before["state"]:
            moves.append(ObservedMove(
                old.ticket_id, old.ticket_number, old.category, before["state"], old.state,
                old.state_type, old.changed.isoformat() if old.changed else "", since))
        diff = {n: getattr(old, n) for n in TRACKED if getattr(old, n) != before[n]}
        if diff:
            changes.append((old.ticket_id, old.ticket_number, diff))
    forms = _form_values(session, [*new.values(), *(
        {"request_id": r.request_id} for r in existing.values())])
    for row in existing.values():
        row.form_values = forms.get(row.request_id or "", row.form_values)
    if new:
        session.execute(insert(TicketCache), [
            values | {"form_values": forms.get(values["request_id"] or "")}
            for values in new.values()])
    follow_states(session, [
        *(StateSeen(r.ticket_id, r.category, r.state, r.state_type, r.state_since)
          for r in existing.values()),
        *(StateSeen(v["ticket_id"], v["category"], v["state"], v["state_type"],
                    v["state_since"]) for v in new.values())])
    session.flush()
    return changes


def _form_values(session: Session, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The form values of portal requests (outbox rows) by request id, for ``rows``."""
    keys = sorted({r["request_id"] for r in rows if r["request_id"]})
    if not keys:
        return {}
    found = session.execute(select(Outbox.request_id, Outbox.form_values).where(
        Outbox.request_id.in_(keys), Outbox.form_values.is_not(None)))
    return {key: form for key, form in found if form}


def _tell_plugins(ctx: JobContext, changes: list[Change]) -> int:
    if not changes or ctx.plugins_factory is None:
        return len(changes)
    for ticket_id, number, diff in changes:
        try:
            ctx.plugins.ticket_updated(ticket_id, number, diff)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not stop the pull
            log.warning("radiant_ticket_updated failed for ticket %s: %s", ticket_id, exc)
    return len(changes)


def _changed_tickets(client: HelpDesk, since: datetime | None,
                     parallel: int = 1) -> Iterator[list[Ticket]]:
    """Yield batches of tickets changed at or after ``since``, oldest change first.

    Each page restarts one second before the newest change seen (``NewerDate`` may compare
    with ``>`` or ``>=``) and skips the tickets already pulled from that window. The window
    start only moves forward; when it cannot (one busy second fills a page) the page grows
    instead, so the walk always ends. ``parallel`` batches of :data:`GET_CHUNK` ids are
    fetched at the same time and yielded in the page's order.
    """
    recent: dict[int, datetime] = {}  # pulled tickets whose change lies in the window
    limit = PAGE
    while True:
        filters: dict[str, Any] = {"sort_by": "Changed", "order_by": "Up", "limit": limit}
        if since is not None:
            filters["ticket_last_change_time_newer_date"] = since
        ids = [int(i) for i in client.ticket_search(**filters)]
        fresh = [i for i in ids if i not in recent]
        for batch in _fetch(client, fresh, parallel):
            recent.update((int(t.ticket_id), t.changed or _FAR_FUTURE) for t in batch)
            yield batch
        if len(ids) < limit:
            return
        changed = [recent[i] for i in fresh if i in recent and recent[i] is not _FAR_FUTURE]
        window = max(changed) - timedelta(seconds=1) if changed else None
        if window is not None and (since is None or window > since):
            since, limit = window, PAGE
            recent = {i: c for i, c in recent.items() if c >= window}
        else:
            limit *= 2


_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


def _fetch(client: HelpDesk, ids: list[int], parallel: int) -> Iterator[list[Ticket]]:
    """Yield ``ids``' tickets in batches of :data:`GET_CHUNK`, ``parallel`` fetched at once."""
    step = GET_CHUNK * parallel
    for start in range(0, len(ids), step):
        tickets = client.ticket_get_many(ids[start:start + step], chunk_size=GET_CHUNK,
                                         workers=parallel, dynamic_fields=True, extended=True)
        for at in range(0, len(tickets), GET_CHUNK):
            yield tickets[at:at + GET_CHUNK]


def _pull(ctx: JobContext, since: datetime | None, *,
          checkpoint: str | None = None) -> dict[str, int]:
    """Pull tickets changed at or after ``since``; set :data:`CURSOR` when done.

    :param checkpoint: a cursor written with every batch (in the batch's transaction) to the
        newest change time pulled so far: a full pull that is killed resumes from it.
    """
    newest, pulled, changed_known = get_cursor_value(ctx), 0, 0
    parallel = ctx.settings.sync_pull_parallel_batches
    for tickets in _changed_tickets(ctx.client, since, parallel):
        changed = [t.changed for t in tickets if t.changed is not None]
        if changed:
            newest = max([newest, *changed]) if newest else max(changed)
        with ctx.sessions.begin() as s:
            moves: list[ObservedMove] = []
            changes = upsert_changes(s, tickets, moves)
            _guard(ctx, s, moves)
            if checkpoint is not None and newest is not None:
                set_cursor(s, checkpoint, newest)
        pulled += len(tickets)
        changed_known += _tell_plugins(ctx, changes)
        ctx.progress("tickets", len(tickets), None)
    with ctx.sessions.begin() as s:
        set_cursor(s, CURSOR, newest)
        if checkpoint is not None:
            set_cursor(s, checkpoint, None)
    return {"pulled": pulled, "changed": changed_known}


def _guard(ctx: JobContext, session: Session, moves: list[ObservedMove]) -> None:
    """Judge the state changes of items with a workflow (docs/webhook.md, "Moves outside
    the workflow"); the refusals are sent by :func:`pull_tickets` after the pull."""
    if not moves or ctx.plugins_factory is None:
        return
    for move in moves:
        flow = workflow_of(ctx.plugins, move.item)
        if flow is not None:
            log.info("ticket %s: %s", move.ticket_id,
                     judge_move(session, flow, move, ctx.now()))


def get_cursor_value(ctx: JobContext, name: str = CURSOR) -> datetime | None:
    """Return a cursor of the pull (by default :data:`CURSOR`, the newest change pulled)."""
    with ctx.sessions() as s:
        return get_cursor(s, name)


def pull_tickets(ctx: JobContext) -> dict[str, int]:
    """Pull tickets changed since the cursor (minus the overlap window); full on first run."""
    cursor = get_cursor_value(ctx)
    if cursor is None:
        return full_resync(ctx, resume=True)
    since = cursor - timedelta(seconds=ctx.settings.sync_pull_overlap_seconds)
    result = _pull(ctx, since)
    if ctx.plugins_factory is not None:
        refused = send_refusals(ctx)
        result.update({k: v for k, v in refused.items() if v})
    return result


def full_resync(ctx: JobContext, *, resume: bool = False) -> dict[str, int]:
    """Pull every ticket Znuny has (first run, or ``radiant-ext sync run ticket-pull --full``).

    The pull walks the tickets oldest change first and records how far it got with every
    batch (:data:`FULL_PULL_CHECKPOINT`). With ``resume`` (the scheduled pull), a full pull
    that was killed continues from there, an overlap window before it; ``--full`` starts
    over. Until a full pull ends, the portal's lists are read live from Znuny, since the
    cache does not hold every ticket yet.
    """
    since = None
    if resume:
        reached = get_cursor_value(ctx, FULL_PULL_CHECKPOINT)
        if reached is not None:
            since = reached - timedelta(seconds=ctx.settings.sync_pull_overlap_seconds)
            log.info("resuming the full ticket pull from %s", reached.isoformat())
    result = _pull(ctx, since, checkpoint=FULL_PULL_CHECKPOINT)
    return {**result, "full": 1, **({"resumed": 1} if since is not None else {})}
