"""Approval limits: a request waiting for its approver longer than its item allows.

For every undecided request filed in Znuny (``approval_request`` with a ticket id) of an
item whose ``approval`` has ``remind_after`` / ``escalate_after``, the limits are counted in
business hours of the item's deadline calendar (the store's, for a request at a store that
has one) from when the request was filed:

* at ``remind_after`` a **reminder** to the approvers: when Znuny's database
  (``znuny_db_url``) has an e-mail address for them, a mail sent through Znuny on the
  ticket (an e-mail article, not shown to the requester), in their language (the one they
  last used the portal in); otherwise an internal note for the owner naming them;
* at ``escalate_after`` an **escalation**: an internal note and the priority one level up.

The plugins hear of each through ``radiant_ticket_updated`` (``approval_alert``: ``remind``
or ``escalate``, and ``priority`` when it was raised).

Each is sent once (``reminded_at`` / ``escalated_at``); a failure (Znuny down) records
nothing and is sent on the next run. A ticket found no longer in its waiting state (an agent
moved it on in Znuny, the requester closed it) gets none: the request is marked ``moved-on``
and leaves the approver's page. Run by the ``deadline-watch`` job; time is
``ctx.now()``. See ``docs/deadlines.md``, "Approvals".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import SQLAlchemyError

from radiant_ext.client.models import NewArticle
from radiant_ext.plugins.approval import approval_reminder
from radiant_ext.plugins.calendar import BusinessCalendar
from radiant_ext.plugins.step_texts import shown_time
from radiant_ext.store import ApprovalRequest, language_of, record_audit
from radiant_ext.store.approvals import fill_ticket_ids, mark_moved_on
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.notes import internal_note
from radiant_ext.sync.workflow_guard import item_of

__all__ = ["ApprovalNotice", "approver_addresses", "due_approval_notices",
           "send_approval_notices"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApprovalNotice:
    """A reminder or escalation due for one request waiting for approval."""

    row_id: int
    ticket_id: int
    number: str
    kind: str  # "remind" | "escalate"
    hours: float
    approvers: list[str]
    filed: str
    """When the request was filed, in the calendar's zone, with the zone."""
    waiting_state: str = "waiting for approval"


def _notices(ctx: JobContext, row: ApprovalRequest, now: datetime) -> list[ApprovalNotice]:
    item = item_of(ctx.plugins, row.item)
    approval = item.approval if item is not None else None
    if item is None or approval is None or row.ticket_id is None:
        return []
    store = ctx.plugins.store(row.store) if row.store else None
    calendar: BusinessCalendar = item.deadline.calendar_for(store)[0]
    filed = shown_time(row.filed_at, calendar)
    out = []
    for kind, hours, done in (("remind", approval.remind_after, row.reminded_at),
                              ("escalate", approval.escalate_after, row.escalated_at)):
        if hours is None or done is not None:
            continue
        if now >= calendar.add(row.filed_at, timedelta(hours=hours)):
            out.append(ApprovalNotice(row.id, row.ticket_id, row.ticket_number or "", kind,
                                      hours, list(row.approvers), filed, row.waiting_state))
    return out


def due_approval_notices(ctx: JobContext) -> list[ApprovalNotice]:
    """The reminders and escalations due now and not sent before."""
    if ctx.plugins_factory is None:
        return []
    now = ctx.now()
    with ctx.sessions.begin() as s:
        rows = list(s.scalars(select(ApprovalRequest).where(
            ApprovalRequest.decision.is_(None),
            (ApprovalRequest.reminded_at.is_(None)) | (ApprovalRequest.escalated_at.is_(None)))
            .order_by(ApprovalRequest.filed_at).limit(1000)))
        fill_ticket_ids(s, rows)
        return [n for row in rows for n in _notices(ctx, row, now)]


def approver_addresses(ctx: JobContext, logins: list[str]) -> dict[str, str]:
    """The approvers' e-mail addresses from Znuny's ``customer_user`` table (empty without
    ``znuny_db_url`` or when it cannot be read)."""
    from radiant_ext.store import make_engine

    url = ctx.settings.znuny_db_url
    if url is None or not logins:
        return {}
    engine = make_engine(url.get_secret_value())
    sql = text("SELECT login, email FROM customer_user WHERE valid_id = 1 AND login IN "
               ":logins").bindparams(bindparam("logins", expanding=True))
    try:
        with engine.connect() as conn:
            return {str(login): str(email) for login, email in
                    conn.execute(sql, {"logins": logins}) if email and "@" in str(email)}
    except SQLAlchemyError as exc:
        log.warning("cannot read the approvers' addresses from Znuny's database: %s", exc)
        return {}
    finally:
        engine.dispose()


def _reminder(ctx: JobContext, notice: ApprovalNotice) -> NewArticle:
    addresses = approver_addresses(ctx, notice.approvers)
    if not addresses:
        note: NewArticle = internal_note(
            f"Reminder: waiting for approval for longer than {notice.hours:g} business hours",
            f"The request was filed on {notice.filed} and waits for the approval of "
            f"{', '.join(notice.approvers)}, who have no e-mail address in Znuny; please "
            "remind them.")
        return note
    with ctx.sessions() as s:
        language = language_of(s, notice.approvers[0]) or ctx.settings.default_language
    subject, body = approval_reminder(notice.number, notice.filed, language)
    return NewArticle(subject=subject, body=body, content_type="text/plain; charset=utf-8",
                      communication_channel="Email", article_send=True,
                      to=", ".join(addresses[a] for a in notice.approvers if a in addresses),
                      sender_type="agent", is_visible_for_customer=False)


def _send(ctx: JobContext, notice: ApprovalNotice) -> dict[str, Any] | None:
    """Send the notice; ``None`` (nothing sent) when the ticket no longer waits in Znuny."""
    from radiant_ext.sync.deadlines import priority_raise

    changes: dict[str, Any] = {"approval_alert": notice.kind}
    ticket = None
    current = ctx.client.ticket_get(notice.ticket_id)
    if current.state != notice.waiting_state:
        with ctx.sessions.begin() as s:
            mark_moved_on(s, notice.row_id, current.state, ctx.now())
        return None
    if notice.kind == "remind":
        article = _reminder(ctx, notice)
    else:
        article = internal_note(
            f"Escalated: waiting for approval for longer than {notice.hours:g} business hours",
            f"The request was filed on {notice.filed} and still waits for the approval of "
            f"{', '.join(notice.approvers)}.")
        ticket = priority_raise(current.priority, current.priority_id, changes)
    ctx.client.ticket_update(notice.ticket_id, ticket=ticket, article=article)
    return changes


def _record(ctx: JobContext, notice: ApprovalNotice, changes: dict[str, Any]) -> None:
    from radiant_ext.sync.deadlines import cache_priority

    with ctx.sessions.begin() as s:
        row = s.get(ApprovalRequest, notice.row_id)
        if row is not None:
            if notice.kind == "remind":
                row.reminded_at = ctx.now()
            else:
                row.escalated_at = ctx.now()
        cache_priority(s, notice.ticket_id, changes)
        record_audit(s, actor="sync", action=f"approval.{notice.kind}",
                     subject=notice.number, details=changes)


def send_approval_notices(ctx: JobContext) -> dict[str, int]:
    """Send every due reminder and escalation; count ``remind``, ``escalate``, ``failed``
    and ``moved-on`` (the ticket left its waiting state in Znuny: none sent, none again)."""
    counts = {"remind": 0, "escalate": 0, "failed": 0, "moved-on": 0}
    for notice in due_approval_notices(ctx):
        try:
            changes = _send(ctx, notice)
        except Exception as exc:  # noqa: BLE001 - counted; sent again on the next run
            log.warning("approval %s of ticket %s failed: %s", notice.kind, notice.ticket_id,
                        exc)
            counts["failed"] += 1
            continue
        if changes is None:
            counts["moved-on"] += 1
            continue
        _record(ctx, notice, changes)
        counts[notice.kind] += 1
        ctx.plugins.ticket_updated(notice.ticket_id, notice.number, changes)
    return counts
