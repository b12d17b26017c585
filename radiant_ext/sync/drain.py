"""The ``outbox-drain`` job and the admin view of the outbox (backlog, parked requests)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.store import Outbox, OutboxState, TicketCache, record_audit, utcnow
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.errors import AlreadyFiledError, SyncError
from radiant_ext.sync.lookup import FoundTicket, LookupQuery, find_existing_tickets
from radiant_ext.sync.outbox import (
    RetryPolicy,
    SubmitResult,
    attempt,
    claim,
    record_failure,
    record_sent,
)

__all__ = [
    "drain_outbox",
    "outbox_backlog",
    "parked_requests",
    "pending_requests",
    "requeue_parked",
]

log = logging.getLogger(__name__)

BATCH = 200
MAX_PER_RUN = 20_000
GIVE_UP_AFTER = 3
"""Connection failures in a row after which a run stops: Znuny is down, try again later."""


STALE_HEARTBEAT_SECONDS = 30.0
"""A ``sending`` row whose heartbeat is older than this (or twice the Znuny timeout, if that
is longer) was left by a crashed sender: a live one refreshes it every
:data:`~radiant_ext.sync.outbox.HEARTBEAT_SECONDS`."""
LEGACY_STALE_SECONDS = 300.0
"""Rows claimed by a version without heartbeats (``heartbeat_at`` empty) wait this long."""


def stale_limit(znuny_timeout: float) -> timedelta:
    """How old a ``sending`` row's heartbeat must be before the drain takes the row over.

    Long enough that a request the crashed sender had on the wire has been answered (or
    dropped) by Znuny before the drain looks its key up.
    """
    return timedelta(seconds=max(STALE_HEARTBEAT_SECONDS, 2 * znuny_timeout))


def _recover_stale(sessions: sessionmaker[Session], now: datetime, stale: timedelta) -> int:
    # A sender died between claiming a row and recording the outcome: the ticket may exist,
    # so the row is looked up in Znuny before it is sent again (maybe_sent).
    legacy = timedelta(seconds=max(LEGACY_STALE_SECONDS, stale.total_seconds()))
    with sessions.begin() as s:
        res = s.execute(
            update(Outbox)
            .where(Outbox.state == OutboxState.SENDING,
                   or_(Outbox.heartbeat_at < now - stale,
                       and_(Outbox.heartbeat_at.is_(None), Outbox.claimed_at < now - legacy)))
            .values(state=OutboxState.PENDING, maybe_sent=True, claimed_at=None,
                    heartbeat_at=None, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(res.rowcount)  # type: ignore[attr-defined]


def _due(sessions: sessionmaker[Session], now: datetime, run_started: datetime) -> list[Outbox]:
    """Pending rows whose time has come and that this run has not tried yet."""
    with sessions() as s:
        stmt = (select(Outbox)
                .where(Outbox.state == OutboxState.PENDING, Outbox.next_attempt_at <= now,
                       or_(Outbox.last_attempt_at.is_(None),
                           Outbox.last_attempt_at < run_started))
                .order_by(Outbox.next_attempt_at, Outbox.id).limit(BATCH))
        return list(s.scalars(stmt))


def _lookup(ctx: JobContext, rows: list[Outbox]) -> dict[str, FoundTicket] | Exception:
    queries = [LookupQuery(r.request_id, r.customer_user, r.ticket_id_floor or 0)
               for r in rows if r.maybe_sent]
    if not queries:
        return {}
    try:
        return find_existing_tickets(ctx.client, queries, _known_ticket_ids(ctx, queries))
    except Exception as exc:  # noqa: BLE001 - recorded on each row below
        return exc


def _known_ticket_ids(ctx: JobContext, queries: list[LookupQuery]) -> set[int]:
    """Tickets above the requests' floor that are already matched to other requests."""
    floor = min(q.floor for q in queries)
    with ctx.sessions() as s:
        ids = s.scalars(select(Outbox.ticket_id).where(
            Outbox.state == OutboxState.SENT, Outbox.ticket_id > floor))
        return {i for i in ids if i is not None}


def _deliver(ctx: JobContext, row: Outbox, found: dict[str, FoundTicket] | Exception,
             retry: RetryPolicy) -> tuple[str, bool]:
    """Deliver one row; return its outcome and whether Znuny was unreachable."""
    client = ctx.client  # built before the claim: a row is never left in "sending" by it
    claimed_at = claim(ctx.sessions, row.id)
    if claimed_at is None:
        return "skipped", False
    if row.maybe_sent and isinstance(found, Exception):
        result = record_failure(ctx.sessions, row.id, found, retry, claimed_at=claimed_at)
    elif row.maybe_sent and row.request_id in found:  # type: ignore[operator]
        hit = found[row.request_id]  # type: ignore[index]
        result = record_sent(ctx.sessions, row.id, hit.ticket_id, hit.ticket_number,
                             found=True, claimed_at=claimed_at)
        if result.state == OutboxState.SENT.value:
            _announce(ctx, row, result)
            return "found", False
    else:
        result = attempt(ctx.sessions, client, row.id, retry, lookup_first=False)
        if result.state == OutboxState.SENT.value:
            _announce(ctx, row, result)
    return result.state, result.unreachable


def _announce(ctx: JobContext, row: Outbox, result: SubmitResult) -> None:
    """Tell the plugins about a ticket this drain confirmed (``radiant_ticket_created``).

    The portal announces only the requests its own first attempt filed (``sent`` at once),
    and the webhook skips tickets carrying ``RadiantRequestID``; every row the drain confirms
    — filed now, or found filed by an earlier attempt whose answer was lost — was announced
    by nobody, so the drain announces it, once (the row is ``sent`` afterwards and never
    delivered again).
    """
    if ctx.plugins_factory is None or result.ticket_id is None:
        return
    try:
        ctx.plugins.ticket_created(result.ticket_id, result.ticket_number or "",
                                   item=row.category)
    except Exception as exc:  # noqa: BLE001 - building the plugins failed; the ticket stays
        log.warning("ticket %s filed for %s was not announced to the plugins: %s",
                    result.ticket_id, row.request_id, exc)


def drain_outbox(ctx: JobContext) -> dict[str, int]:
    """Send every due pending request; return counts by outcome.

    Counts: ``sent`` (filed now), ``found`` (an earlier attempt had filed it), ``pending``
    (failed again, retried later), ``parked``, ``recovered`` (stale ``sending`` rows),
    ``deferred`` (left for the next run because Znuny is unreachable).
    """
    settings = ctx.settings
    retry = RetryPolicy.backing_off(settings.outbox_retry_seconds,
                                    settings.outbox_retry_max_seconds)
    counts: Counter[str] = Counter(recovered=_recover_stale(
        ctx.sessions, ctx.now(), stale_limit(settings.znuny_timeout)))
    run_started, done, failures_in_row = utcnow(), 0, 0
    while done < MAX_PER_RUN:
        rows = _due(ctx.sessions, ctx.now(), run_started)
        if not rows:
            break
        ctx.progress("outbox", 0, _count_pending(ctx.sessions) + done)
        found = _lookup(ctx, rows)
        for row in rows:
            done += 1
            outcome, unreachable = _deliver(ctx, row, found, retry)
            counts[outcome] += 1
            ctx.progress("outbox", 1, None)
            failures_in_row = failures_in_row + 1 if unreachable else 0
            if failures_in_row >= GIVE_UP_AFTER:
                counts["deferred"] += _count_pending(ctx.sessions, due_by=ctx.now())
                return _finish(counts)
    return _finish(counts)


def _count_pending(sessions: sessionmaker[Session], due_by: datetime | None = None) -> int:
    """The requests waiting to be sent (with ``due_by``, those due by then): a range of the
    state index, where the counts of every state (:func:`outbox_backlog`) read an entry for
    every request ever filed."""
    conditions = [Outbox.state == OutboxState.PENDING]
    if due_by is not None:
        conditions.append(Outbox.next_attempt_at <= due_by)
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Outbox).where(*conditions)) or 0)


def _finish(counts: Counter[str]) -> dict[str, int]:
    always = {k: counts[k] for k in ("sent", "found", "pending", "parked")}
    return always | {k: counts[k] for k in ("recovered", "deferred") if counts[k]}


def outbox_backlog(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Return counts by state and the oldest unsent request's creation time."""
    with sessions() as s:
        rows = s.execute(select(Outbox.state, func.count()).group_by(Outbox.state)).all()
        oldest = s.scalar(select(func.min(Outbox.created_at)).where(
            Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING])))
    counts: dict[str, Any] = {state.value: 0 for state in OutboxState}
    counts.update({state.value: int(n) for state, n in rows})
    counts["oldest_unsent"] = oldest
    return counts


def parked_requests(session: Session, limit: int = 100) -> list[Outbox]:
    """Return the requests Znuny rejected for good, newest first (for the admin page)."""
    stmt = (select(Outbox).where(Outbox.state == OutboxState.PARKED)
            .order_by(Outbox.parked_at.desc()).limit(limit))
    return list(session.scalars(stmt))


def pending_requests(session: Session, customer_user: str | None = None) -> list[Outbox]:
    """Return requests not yet confirmed by Znuny (for "my requests" while Znuny is away)."""
    stmt = select(Outbox).where(Outbox.state.in_(
        [OutboxState.PENDING, OutboxState.SENDING, OutboxState.PARKED]))
    if customer_user is not None:
        stmt = stmt.where(Outbox.customer_user == customer_user)
    return list(session.scalars(stmt.order_by(Outbox.created_at.desc())))


def requeue_parked(session: Session, request_id: str, actor: str) -> Outbox:
    """Send a parked request again (after an admin fixed its cause, e.g. a missing queue).

    :raises SyncError: when no parked request has that id.
    :raises AlreadyFiledError: when the request already has its ticket (the row knows its
        number, or the ticket cache holds a ticket with that reference).
    """
    row = session.scalar(select(Outbox).where(Outbox.request_id == request_id))
    if row is None or row.state != OutboxState.PARKED:
        raise SyncError(f"no parked request {request_id!r}")
    filed = row.ticket_number or session.scalar(
        select(TicketCache.ticket_number).where(TicketCache.request_id == request_id).limit(1))
    if row.ticket_id is not None or filed:
        raise AlreadyFiledError(f"{request_id} is already filed as ticket {filed or row.ticket_id}"
                                ": sending it again would file it twice")
    row.state, row.next_attempt_at, row.parked_at = OutboxState.PENDING, utcnow(), None
    row.maybe_sent = True  # cheap insurance: look the key up before sending again
    record_audit(session, actor=actor, action="outbox.requeue", subject=request_id)
    return row
