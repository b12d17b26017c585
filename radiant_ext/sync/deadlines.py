"""The ``deadline-watch`` job: warn before a promised deadline, escalate after it, flag stalls.

For every open cached ticket with a deadline (the promised ``RadiantDeadline``, else Znuny's
solution deadline):

* once ``deadline_warn_share`` of the time from creation to the deadline has passed, an
  internal note warns the owner;
* once the deadline has passed, the ticket is escalated: priority one level up, an internal
  note, and the plugins' ``radiant_ticket_updated`` hook (notifications) is called;
* while a ticket waits on its requester in a workflow step, neither is sent, and afterwards
  the deadline counts from where it stood: moved on by the business time waited
  (:mod:`.requester_wait`);
* a ticket staying in a state longer than ``state_limits_hours[state]`` (e.g. waiting for the
  customer's confirmation) is flagged the same way (``languish``) — unless its item's
  workflow declares a limit for that step: then the step's own reminder and escalation
  (:mod:`.step_limits`) are its only notices, so one stall is never announced twice;
* with plugins: moves outside an item's workflow recorded as refused are put back
  (:mod:`.workflow_guard`), each workflow step's reminder and escalation are sent
  (:mod:`.step_limits`), and so are those of requests waiting for approval
  (:mod:`.approvals`).

Every alert is recorded in ``ticket_alert`` keyed by the deadline (or state and entry time),
so it is raised exactly once even though the job runs every few minutes.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from radiant_ext.client.models import TicketChanges
from radiant_ext.store import TicketAlert, TicketCache, record_audit
from radiant_ext.sync.approvals import send_approval_notices
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.errors import PartialJobError
from radiant_ext.sync.notes import has_alert, internal_note
from radiant_ext.sync.requester_wait import RequesterWait, requester_waits
from radiant_ext.sync.step_limits import limited_step, send_step_notices
from radiant_ext.sync.tickets import CLOSED_TYPES
from radiant_ext.sync.workflow_guard import send_refusals

__all__ = ["Alert", "cache_priority", "due_alerts", "priority_raise", "raised_priority",
           "watch_deadlines"]

log = logging.getLogger(__name__)


class Alert:
    """An alert to raise for one ticket."""

    def __init__(self, ticket: TicketCache, kind: str, key: str, message: str) -> None:
        self.ticket, self.kind, self.key, self.message = ticket, kind, key, message


def raised_priority(priority: str, priority_id: int | None) -> str | None:
    """Return the priority one level above (``3 normal`` → ``4 high``), ``None`` at the top."""
    from radiant_ext.plugins.models import priority_name

    level = priority_id
    if level is None and priority[:1].isdigit():
        level = int(priority[:1])
    if level is None or level >= 5:
        return None
    return priority_name(level + 1)


def priority_raise(priority: str, priority_id: int | None,
                   changes: dict[str, Any]) -> TicketChanges | None:
    """The change that raises a ticket's priority one level (noted in ``changes``); ``None``
    at the top, where an escalation adds its note alone."""
    higher = raised_priority(priority, priority_id)
    if higher is None:
        return None
    changes["priority"] = higher
    return TicketChanges(priority=higher)


def cache_priority(s: Session, ticket_id: int, changes: dict[str, Any]) -> None:
    """Mirror a priority :func:`priority_raise` noted in ``changes`` in the ticket cache."""
    cached = s.get(TicketCache, ticket_id)
    if cached is not None and "priority" in changes:
        cached.priority = changes["priority"]
        cached.priority_id = int(changes["priority"][:1])


def _deadline(row: TicketCache) -> datetime | None:
    return row.promised_deadline or row.znuny_solution_deadline


def _deadline_alerts(row: TicketCache, now: datetime, share: float,
                     wait: RequesterWait | None = None) -> list[Alert]:
    """The warning or escalation due for ``row``'s deadline; keyed by the deadline itself,
    so a deadline moved on by the requester's waits (``wait``) is still announced once."""
    own = _deadline(row)
    if own is None or row.created is None or (wait is not None and wait.waiting):
        return []
    due = wait.moved or own if wait is not None else own
    key, shown = own.strftime("%Y-%m-%d %H:%M:%S"), due.strftime("%Y-%m-%d %H:%M:%S")
    moved = "" if due == own else (f" (moved on from {key} UTC by "
                                   f"{_hours(wait.paused if wait else None)} h waiting on "
                                   "the requester)")
    if now >= due:
        late = int((now - due).total_seconds() // 60)
        return [Alert(row, "escalate", key, f"Deadline {shown} UTC{moved} passed {late} min "
                                            "ago.")]
    span = (due - row.created).total_seconds()
    if span > 0 and (now - row.created).total_seconds() / span >= share:
        left = int((due - now).total_seconds() // 60)
        return [Alert(row, "warn", key, f"{share:.0%} of the time to the deadline {shown} "
                                        f"UTC{moved} has passed; {left} min left.")]
    return []


def _hours(paused: timedelta | None) -> str:
    return f"{(paused or timedelta(0)).total_seconds() / 3600:.1f}"


def _stall_alert(row: TicketCache, now: datetime, limits: dict[str, float]) -> Alert | None:
    hours = limits.get(row.state)
    if hours is None or row.state_since is None:
        return None
    if now - row.state_since < timedelta(hours=hours):
        return None
    since = row.state_since.strftime("%Y-%m-%d %H:%M:%S")
    return Alert(row, "languish", f"{row.state}@{since}",
                 f"Ticket has been in state {row.state!r} since {since} UTC, longer than the "
                 f"{hours:g} h limit.")


def _left_to_steps(ctx: JobContext, row: TicketCache) -> bool:
    """Whether a stall of ``row`` is the step limits' to announce (plugins loaded, and its
    item's workflow declares a limit for its state): they run only with plugins."""
    return ctx.plugins_factory is not None and limited_step(
        ctx.plugins, row.category, row.state) is not None


def due_alerts(ctx: JobContext) -> list[Alert]:
    """Return the alerts that are due now and were not raised before."""
    now, settings = ctx.now(), ctx.settings
    with ctx.sessions() as s:
        rows = list(s.scalars(select(TicketCache).where(
            TicketCache.state_type.not_in(sorted(CLOSED_TYPES)))))
        waits = requester_waits(ctx, rows, now, {r.ticket_id: _deadline(r) for r in rows})
        alerts = []
        for row in rows:
            found = _deadline_alerts(row, now, settings.deadline_warn_share,
                                     waits.get(row.ticket_id))
            stall = _stall_alert(row, now, settings.state_limits_hours)
            found += [stall] if stall and not _left_to_steps(ctx, row) else []
            alerts += [a for a in found if not has_alert(s, row.ticket_id, a.kind, a.key)]
        return alerts


def _raise(ctx: JobContext, alert: Alert) -> None:
    row = alert.ticket
    changes: dict[str, Any] = {"deadline_alert": alert.kind, "message": alert.message}
    ticket = (priority_raise(row.priority, row.priority_id, changes)
              if alert.kind == "escalate" else None)
    subject = {"warn": "Deadline approaching", "escalate": "Deadline passed: escalated",
               "languish": "Ticket stalled"}[alert.kind]
    ctx.client.ticket_update(row.ticket_id, ticket=ticket,
                             article=internal_note(subject, alert.message))
    with ctx.sessions.begin() as s:
        s.add(TicketAlert(ticket_id=row.ticket_id, kind=alert.kind, key=alert.key,
                          message=alert.message))
        cache_priority(s, row.ticket_id, changes)
        record_audit(s, actor="sync", action=f"deadline.{alert.kind}",
                     subject=row.ticket_number, details=changes)
    _notify(ctx, row, changes)


def _notify(ctx: JobContext, row: TicketCache, changes: dict[str, Any]) -> None:
    if ctx.plugins_factory is None:
        return
    ctx.plugins.ticket_updated(row.ticket_id, row.ticket_number, changes)


def watch_deadlines(ctx: JobContext) -> dict[str, int]:
    """Raise every due warning, escalation and stall flag; return counts by kind."""
    counts: Counter[str] = Counter(warn=0, escalate=0, languish=0, failed=0)
    last_error: Exception | None = None
    alerts = due_alerts(ctx)
    ctx.progress("deadlines", 0, len(alerts))
    for alert in alerts:
        try:
            _raise(ctx, alert)
            counts[alert.kind] += 1
        except Exception as exc:  # noqa: BLE001 - counted; raised again on the next run
            log.warning("alert %s on ticket %s failed: %s", alert.kind,
                        alert.ticket.ticket_id, exc)
            counts["failed"] += 1
            last_error = exc
        ctx.progress("deadlines", 1, None)
    if ctx.plugins_factory is not None:
        counts.update(send_refusals(ctx))
        steps = send_step_notices(ctx)
        counts.update({"step-remind": steps["remind"], "step-escalate": steps["escalate"]})
        counts["failed"] += steps["failed"]
        waits = send_approval_notices(ctx)
        counts.update({"approval-remind": waits["remind"],
                       "approval-escalate": waits["escalate"]})
        counts["failed"] += waits["failed"]
    if last_error is not None:
        raise PartialJobError(counts, last_error)
    return dict(counts)
