"""The demo's year of history: generated in the sandbox, kept by the portal, pulled.

On the demo's first start (a new ``--data`` folder) :func:`start_year` writes a year of
requests into the sandbox Znuny (``radiant_ext_sandbox.year``) ending at the demo's now; then
:func:`keep_portal_records` stores what the portal would have kept of those requests — each
request's outbox row (sent, with its form values: printer models, serial numbers, guest
feedback topics), the requesters' ratings and the step log the ticket pull would have kept —
and :func:`pull_history` fills the ticket cache the reports read, before the banner is
printed. A restart finds the sandbox's record of its year and adds nothing. See
docs/sandbox.md, "The demo's year".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from radiant_ext.config import Settings

if TYPE_CHECKING:
    from radiant_ext_sandbox.year import YearTicket

__all__ = ["HISTORY_SEED", "HISTORY_TICKETS", "keep_portal_records", "pull_history",
           "start_year"]

HISTORY_TICKETS = 3000
"""Requests in the demo's year: about 60 a week, every report busy, ready in seconds."""
HISTORY_SEED = 2026


def start_year(sandbox_dir: Path, now: datetime, tickets: int = HISTORY_TICKETS, *,
               history: bool = True) -> list[YearTicket] | None:
    """Write the year into the retail sandbox in ``sandbox_dir`` on its first start.

    The sandbox records whether it got its year: a restart adds nothing, and a sandbox
    started without ``history`` (``--empty``) or holding tickets already never gets one.

    :returns: the requests written; ``None`` when none were.
    """
    from radiant_ext_sandbox.year import generate_year, has_tickets, history_of, skip_year

    if history_of(sandbox_dir) is not None:
        return None
    if not history or has_tickets(sandbox_dir):
        skip_year(sandbox_dir)
        return None
    return generate_year(sandbox_dir, now, tickets=tickets, seed=HISTORY_SEED)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _outbox_row(t: YearTicket) -> dict[str, Any]:
    from radiant_ext.plugins.fields import CATEGORY_FIELD, REQUEST_ID_FIELD, STORE_FIELD
    from radiant_ext.store import OutboxState

    fields = {CATEGORY_FIELD: t.item.id, REQUEST_ID_FIELD: t.request_id}
    if t.store:
        fields[STORE_FIELD] = t.store
    created = _utc(t.created)
    return {
        "request_id": t.request_id, "state": OutboxState.SENT,
        "payload": {"ticket": {"Title": t.title, "CustomerUser": t.user, "CustomerID": t.company,
                               "Queue": t.item.queue, "Type": t.item.kind,
                               "Service": t.item.service},
                    "dynamic_fields": fields},
        "customer_user": t.user, "customer_id": t.company, "title": t.title,
        "category": t.item.id,
        "form_values": t.form, "promised_deadline": _utc(t.deadline), "attempts": 1,
        "maybe_sent": False, "next_attempt_at": created, "last_attempt_at": created,
        "ticket_id": t.id, "ticket_number": t.number, "created_at": created,
        "sent_at": created + timedelta(seconds=1),
    }


def _rating_row(t: YearTicket) -> dict[str, Any] | None:
    if t.rating is None:
        return None
    rated_at = _utc(t.rating.rated_at)
    return {
        "ticket_id": t.id, "ticket_number": t.number, "request_id": t.request_id,
        "item": t.item.id, "store": t.store or t.company,
        "department": t.item.id.split(".", 1)[0], "owner": t.owner, "rating": t.rating.rating,
        "comment": t.rating.comment, "rated_at": rated_at, "rated_by": t.user,
        "via": "link" if t.id % 3 else "portal", "follow_up": "", "recorded_at": rated_at,
        "attempts": 0, "last_error": "",
    }


def _step_rows(t: YearTicket) -> list[dict[str, Any]]:
    """The step log the ticket pull would have kept of ``t`` over the year: ``new`` until the
    first answer, then its open state until solved (the states of the year's history)."""
    moves = [(_utc(t.created), "new")]
    if t.first_response is not None:
        moves.append((_utc(t.first_response),
                      "open" if t.state.startswith("closed") else t.state))
    if t.state.startswith("closed") and t.solved is not None:
        moves.append((_utc(t.solved), t.state))
    rows = []
    for (entered, state), (left, went) in zip(moves, moves[1:], strict=False):
        rows.append({"ticket_id": t.id, "item": t.item.id, "state": state,
                     "entered_at": entered, "left_at": left, "next_state": went})
    last_at, last = moves[-1]
    if not last.startswith("closed"):
        rows.append({"ticket_id": t.id, "item": t.item.id, "state": last,
                     "entered_at": last_at, "left_at": None, "next_state": None})
    return rows


def keep_portal_records(settings: Settings, tickets: Sequence[YearTicket]) -> int:
    """Store the requests' outbox rows, ratings and step log in the companion's store; return
    how many ratings. The store must be migrated."""
    from radiant_ext.store import (
        Outbox,
        SatisfactionRating,
        StepEntry,
        make_engine,
        session_scope,
    )

    engine = make_engine(settings.effective_database_url)
    try:
        ratings = [r for t in tickets if (r := _rating_row(t)) is not None]
        with session_scope(engine) as s:
            if tickets:
                s.execute(insert(Outbox), [_outbox_row(t) for t in tickets])
            if ratings:
                s.execute(insert(SatisfactionRating), ratings)
            steps = [row for t in tickets for row in _step_rows(t)]
            if steps:
                s.execute(insert(StepEntry), steps)
        return len(ratings)
    finally:
        engine.dispose()


def pull_history(settings: Settings) -> tuple[int, float]:
    """Pull every ticket of the sandbox into the ticket cache; return (tickets, seconds)."""
    from radiant_ext.store import make_engine
    from radiant_ext.sync import JobContext
    from radiant_ext.sync.tickets import full_resync

    started = time.monotonic()
    engine = make_engine(settings.effective_database_url)
    ctx = JobContext.from_settings(settings, engine=engine)
    try:
        pulled = full_resync(ctx)["pulled"]
    finally:
        ctx.close()
        engine.dispose()
    return pulled, time.monotonic() - started
