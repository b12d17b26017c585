"""The ``bundle-parts`` job: file the parts of bundle requests, close parents once done.

A bundle request's parts (``bundle_part``, recorded by the portal) are filed once their
parent is in Znuny — and, when the bundle item needs an approval, once it is approved (a
declined bundle files none). Each part goes through the outbox under its own request id,
so a part is filed exactly once however often this job runs, and a part Znuny cannot take
now waits in the outbox for the ``outbox-drain`` job. Each part ticket carries the parent's
ticket number in its first article and in the ``RadiantParent`` dynamic field (the stock
GenericInterface has no link operation, docs/catalogs.md, "Bundles").

Once every part's ticket is closed (as the ticket pull last saw it), the parent is closed
``closed successful`` with an article to the requester — once: the close is claimed in the
store first and given back when Znuny refuses or cannot be reached.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from radiant_ext.client import NewArticle, NewTicket, TicketChanges
from radiant_ext.client.errors import ZnunyError
from radiant_ext.plugins.bundle import all_parts_done, part_heading
from radiant_ext.store import (
    ApprovalRequest,
    BundlePartRow,
    BundleRow,
    Outbox,
    OutboxState,
)
from radiant_ext.store.bundles import (
    claim_parent_close,
    closable_bundles,
    part_statuses,
    release_parent_close,
)
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.outbox import SubmitResult, attempt, store_request
from radiant_ext.sync.ports import HelpDesk

__all__ = ["CLOSED_STATE", "PARENT_FIELD", "close_done_parents", "file_ready_parts",
           "run_bundles"]

log = logging.getLogger(__name__)

PARENT_FIELD = "RadiantParent"
"""The ticket dynamic field that holds a part's parent ticket number."""
CLOSED_STATE = "closed successful"
"""The state a parent is closed in once every part is closed."""
BATCH = 200
"""Parts filed (and parents looked at) per run at most; the next run goes on."""


def _ready_parts(session: Session) -> list[tuple[BundlePartRow, BundleRow, str, int]]:
    """Parts not in the outbox yet whose parent Znuny has (and, if needed, approved)."""
    parent, part_box = aliased(Outbox), aliased(Outbox)
    rows = session.execute(
        select(BundlePartRow, BundleRow, parent.ticket_number, parent.ticket_id)
        .join(BundleRow, BundleRow.id == BundlePartRow.bundle_id)
        .join(parent, and_(parent.request_id == BundleRow.request_id,
                           parent.state == OutboxState.SENT))
        .outerjoin(part_box, part_box.request_id == BundlePartRow.request_id)
        .outerjoin(ApprovalRequest, ApprovalRequest.request_id == BundleRow.request_id)
        .where(part_box.id.is_(None), BundleRow.closed_at.is_(None),
               or_(ApprovalRequest.id.is_(None), ApprovalRequest.decision == "approved"))
        .order_by(BundlePartRow.id).limit(BATCH))
    return [(p, b, str(number or ""), int(tid or 0)) for p, b, number, tid in rows]


def _part_ticket(part: BundlePartRow, bundle: BundleRow,
                 parent_number: str, total: int) -> tuple[NewTicket, NewArticle, dict[str, str]]:
    """The ticket, first article and dynamic fields of one part."""
    decision: dict[str, Any] = part.decision
    ticket = NewTicket(title=part.title, queue=decision["queue"], type=decision["type"],
                       service=decision.get("service"), sla=decision.get("sla"),
                       priority=decision["priority"], owner=decision.get("owner"),
                       state="new", customer_user=bundle.customer_user,
                       customer_id=part.customer_id)
    head = part_heading(part.number, total, parent_number).get(bundle.language)
    article = NewArticle(
        subject=part.title, body=f"{head}\n\n{part.body}".strip(),
        content_type="text/plain; charset=utf-8", communication_channel="Internal",
        sender_type="customer", is_visible_for_customer=True,
        from_=bundle.sender or bundle.customer_user,
        history_comment=f"radiant_ext bundle part {part.request_id}")
    fields = {**decision.get("dynamic_fields", {}), PARENT_FIELD: parent_number}
    return ticket, article, fields


def file_ready_parts(sessions: sessionmaker[Session], client: HelpDesk,
                     retry: Any) -> dict[str, int]:
    """File every part that may be filed now through the outbox; counts by outcome."""
    counts = {"filed": 0, "queued": 0, "held": 0}
    with sessions() as session:
        ready = _ready_parts(session)
        totals = {b.id: len(part_statuses(session, b.id)) for _, b, _, _ in ready}
    for part, bundle, number, _ in ready:
        ticket, article, fields = _part_ticket(part, bundle, number, totals[bundle.id])
        stored = store_request(
            sessions, request_id=part.request_id, ticket=ticket, article=article,
            dynamic_fields=fields, category=part.item,
            promised_deadline=datetime.fromisoformat(part.decision["deadline"]),
            form_values=part.answers)
        if isinstance(stored, SubmitResult):  # filed by an earlier run
            continue
        result = attempt(sessions, client, stored, retry, lookup_first=False)
        key = {"sent": "filed", "parked": "held"}.get(result.state, "queued")
        counts[key] += 1
    return counts


def close_done_parents(sessions: sessionmaker[Session], client: HelpDesk,
                       now: datetime) -> dict[str, int]:
    """Close, once, each parent whose parts are all filed and closed; counts."""
    counts = {"closed": 0, "failed": 0}
    with sessions() as session:
        candidates = [(bundle_id, ticket_id, kind, language,
                       [p.ticket_number or "" for p in part_statuses(session, bundle_id)])
                      for bundle_id, ticket_id, kind, language
                      in closable_bundles(session, BATCH)]
    for bundle_id, ticket_id, kind, language, numbers in candidates:
        with sessions.begin() as session:
            if not claim_parent_close(session, bundle_id, now):
                continue
        if kind == "closed":  # closed in Znuny already: nothing to tell it
            continue
        body = all_parts_done(numbers).get(language)
        try:
            client.ticket_update(ticket_id, ticket=TicketChanges(state=CLOSED_STATE),
                                 article=NewArticle(
                                     subject=body, body=body, is_visible_for_customer=True,
                                     content_type="text/plain; charset=utf-8",
                                     communication_channel="Internal", sender_type="system"))
        except ZnunyError as exc:
            log.warning("closing bundle parent %s failed: %s", ticket_id, exc)
            with sessions.begin() as session:
                release_parent_close(session, bundle_id)
            counts["failed"] += 1
            continue
        counts["closed"] += 1
    return counts


def run_bundles(ctx: JobContext) -> dict[str, int]:
    """The ``bundle-parts`` job: file ready parts, then close parents whose parts are done."""
    from radiant_ext.sync.outbox import RetryPolicy

    retry = RetryPolicy.backing_off(ctx.settings.outbox_retry_seconds,
                                    ctx.settings.outbox_retry_max_seconds)
    counts = file_ready_parts(ctx.sessions, ctx.client, retry)
    counts.update(close_done_parents(ctx.sessions, ctx.client, ctx.now()))
    return counts
