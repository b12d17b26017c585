"""Step limits: a ticket staying in a workflow step longer than the step allows.

For every open cached ticket of an item that declares a workflow, in a step with
``remind_after`` / ``escalate_after``, the limits are counted in business hours of the
item's deadline calendar (the store's, for a request at a store that has one) from when the
ticket entered the step (``state_since``):

* at ``remind_after`` a **reminder** goes to whoever acts next: in a step waiting on the
  requester, a customer-visible article ("Please confirm the fix …") in their language (the
  one they last used the portal in, else the installation's default), mailed to them when
  their address is known; in a step waiting on the agent, an internal note for the owner;
* at ``escalate_after`` an **escalation**: an internal note and the priority one level up
  (at most ``5 very high``).

Each is sent once per ticket per entry into the step (``workflow_event`` keyed by the step
and the entry time): a ticket that leaves the step and comes back gets them again. Run by
the ``deadline-watch`` job; time is ``ctx.now()``. See ``docs/deadlines.md``, "Step limits".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from radiant_ext.client.models import NewArticle
from radiant_ext.plugins.calendar import BusinessCalendar
from radiant_ext.plugins.step_texts import reminder_body, reminder_subject, shown_time
from radiant_ext.plugins.workflow import Step, Workflow
from radiant_ext.store import TicketCache, WorkflowEvent, language_of, record_audit
from radiant_ext.store.workflow_events import record_event
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.notes import internal_note
from radiant_ext.sync.satisfaction import requester_address
from radiant_ext.sync.tickets import CLOSED_TYPES
from radiant_ext.sync.workflow_guard import item_of, workflow_of

if TYPE_CHECKING:
    from radiant_ext.plugins.email_routing import RoutingPlugins

__all__ = ["StepNotice", "due_step_notices", "limited_step", "send_step_notices"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepNotice:
    """A reminder or escalation due for one ticket in one step."""

    ticket: TicketCache
    kind: str  # "remind" | "escalate"
    flow: Workflow
    step: Step
    calendar: BusinessCalendar
    due: datetime

    @property
    def key(self) -> str:
        """The step and when the ticket entered it: once per entry."""
        assert self.ticket.state_since is not None
        return f"{self.step.id}@{self.ticket.state_since.isoformat()}"


def limited_step(plugins: RoutingPlugins, item_id: str | None, state: str) -> Step | None:
    """The step of ``state`` in the workflow item ``item_id`` declares, when that step has a
    limit (``remind_after`` or ``escalate_after``); ``None`` for an item without a workflow,
    a state outside it, or a step without limits.

    A ticket in such a step is watched here alone: the ``deadline-watch`` job's per-state
    ``languish`` flag leaves it to the step's own reminder and escalation.
    """
    flow = workflow_of(plugins, item_id)
    step = flow.step_for_state(state) if flow is not None else None
    if step is None or (step.remind_after is None and step.escalate_after is None):
        return None
    return step


def _notices(ctx: JobContext, row: TicketCache, now: datetime) -> list[StepNotice]:
    step = limited_step(ctx.plugins, row.category, row.state)
    item = item_of(ctx.plugins, row.category) if step is not None else None
    flow = item.workflow if item is not None else None
    if item is None or flow is None or step is None or row.state_since is None:
        return []
    store = ctx.plugins.store(row.store) if row.store else None
    calendar, _label = item.deadline.calendar_for(store)
    remind, escalate = step.due(calendar, row.state_since)
    return [StepNotice(row, kind, flow, step, calendar, due)
            for kind, due in (("remind", remind), ("escalate", escalate))
            if due is not None and now >= due]


def due_step_notices(ctx: JobContext) -> list[StepNotice]:
    """The reminders and escalations due now and not sent before for the step's entry."""
    if ctx.plugins_factory is None:
        return []
    now = ctx.now()
    with ctx.sessions() as s:
        rows = list(s.scalars(select(TicketCache).where(
            TicketCache.category.is_not(None), TicketCache.state_since.is_not(None),
            TicketCache.state_type.not_in(sorted(CLOSED_TYPES)))))
        due = [n for row in rows for n in _notices(ctx, row, now)]
        return [n for n in due if s.scalar(select(WorkflowEvent.id).where(
            WorkflowEvent.ticket_id == n.ticket.ticket_id, WorkflowEvent.kind == n.kind,
            WorkflowEvent.key == n.key)) is None]


def _customer_reminder(ctx: JobContext, notice: StepNotice) -> NewArticle:
    row = notice.ticket
    with ctx.sessions() as s:
        language = language_of(s, row.customer_user_id) or ctx.settings.default_language
    since = shown_time(row.state_since or notice.due, notice.calendar)
    body = reminder_body(notice.flow, notice.step, row.ticket_number, since, language)
    to = requester_address(ctx.client, row.ticket_id, row.customer_user_id) \
        if row.customer_user_id else None
    mail: dict[str, Any] = {"communication_channel": "Email", "article_send": True,
                            "to": to} if to else {"communication_channel": "Internal"}
    return NewArticle(subject=reminder_subject(row.ticket_number).get(language), body=body,
                      content_type="text/plain; charset=utf-8", sender_type="agent",
                      is_visible_for_customer=True, **mail)


def _agent_note(notice: StepNotice) -> NewArticle:
    row, step = notice.ticket, notice.step
    since = shown_time(row.state_since or notice.due, notice.calendar)
    hours = step.remind_after if notice.kind == "remind" else step.escalate_after
    what = "Reminder" if notice.kind == "remind" else "Escalated"
    waits = "the requester" if step.acts_next == "customer" else "the owner"
    note: NewArticle = internal_note(
        f"{what}: {step.label} for longer than {hours:g} business hours",
        f"The ticket has been at the step {step.label} ({row.state}) since {since}, waiting "
        f"on {waits}; the step allows {hours:g} business hours "
        f"(calendar {notice.calendar.spec.id}).")
    return note


def _send(ctx: JobContext, notice: StepNotice) -> dict[str, Any]:
    from radiant_ext.sync.deadlines import priority_raise

    row = notice.ticket
    changes: dict[str, Any] = {"step_alert": notice.kind, "step": notice.step.id}
    ticket = None
    if notice.kind == "remind" and notice.step.acts_next == "customer":
        article = _customer_reminder(ctx, notice)
    else:
        article = _agent_note(notice)
    if notice.kind == "escalate":
        ticket = priority_raise(row.priority, row.priority_id, changes)
    ctx.client.ticket_update(row.ticket_id, ticket=ticket, article=article)
    return changes


def _record(ctx: JobContext, notice: StepNotice, changes: dict[str, Any]) -> None:
    from radiant_ext.sync.deadlines import cache_priority

    row = notice.ticket
    with ctx.sessions.begin() as s:
        record_event(s, ticket_id=row.ticket_id, kind=notice.kind, key=notice.key,
                     item=row.category, from_state=row.state, actor="sync",
                     since=row.state_since, now=ctx.now(), done=True)
        cache_priority(s, row.ticket_id, changes)
        record_audit(s, actor="sync", action=f"workflow.{notice.kind}",
                     subject=row.ticket_number, details=changes)


def send_step_notices(ctx: JobContext) -> dict[str, int]:
    """Send every due reminder and escalation; count ``remind``, ``escalate``, ``failed``.

    A failure (Znuny down) records nothing: the notice is sent on the next run.
    """
    counts = {"remind": 0, "escalate": 0, "failed": 0}
    for notice in due_step_notices(ctx):
        try:
            changes = _send(ctx, notice)
        except Exception as exc:  # noqa: BLE001 - counted; sent again on the next run
            log.warning("step %s of ticket %s failed: %s", notice.kind,
                        notice.ticket.ticket_id, exc)
            counts["failed"] += 1
            continue
        _record(ctx, notice, changes)
        counts[notice.kind] += 1
        ctx.plugins.ticket_updated(notice.ticket.ticket_id, notice.ticket.ticket_number,
                                   changes)
    return counts
