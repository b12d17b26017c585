"""The ``email-classify`` job: e-mail-born tickets get a category and the portal's routing.

Tickets created by Znuny's PostMaster carry no ``RadiantCategory``. The job asks the plugins
to classify each new one (keyword rules shipped by the department plugins), routes it exactly
as a portal request for that catalog item would be routed, applies type, queue, service, SLA,
priority, owner and the ``Radiant*`` fields with one TicketUpdate, and adds an internal note
saying why. A ticket no rule matches is noted once and left to the agents.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from radiant_ext.store import TicketAlert, TicketCache, record_audit
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.errors import PartialJobError
from radiant_ext.sync.notes import has_alert, internal_note
from radiant_ext.sync.tickets import CLOSED_TYPES, upsert_tickets

__all__ = ["LOOKBACK", "classify_email_tickets", "explain"]

LOOKBACK = timedelta(days=7)
"""Only tickets created this recently are classified (older ones were triaged by people)."""
KIND = "classify"

log = logging.getLogger(__name__)


def _candidates(ctx: JobContext) -> list[int]:
    since = ctx.now() - LOOKBACK
    with ctx.sessions() as s:
        done = select(TicketAlert.ticket_id).where(TicketAlert.kind == KIND)
        stmt = (select(TicketCache.ticket_id)
                .where(TicketCache.category.is_(None), TicketCache.request_id.is_(None),
                       TicketCache.created >= since,
                       TicketCache.state_type.not_in(sorted(CLOSED_TYPES)),
                       TicketCache.ticket_id.not_in(done))
                .order_by(TicketCache.ticket_id))
        return list(s.scalars(stmt))


def explain(classification: Any, decision: Any) -> str:
    """Return the internal note's text: what matched, and what the routing decided."""
    lines = [
        f"Classified automatically as catalog item {classification.item_id} "
        f"(by {classification.decided_by or 'keyword rules'}, score {classification.score:g}).",
        f"Matched: {', '.join(classification.matched) or '-'}.",
        f"Routing: type {decision.type}, queue {decision.queue}, service {decision.service or '-'}"
        f", SLA {decision.sla or '-'}, priority {decision.priority}, owner {decision.owner or '-'}"
        f", deadline {decision.deadline_utc()} UTC.",
    ]
    lines += [f"Rule {rule.id}: {rule.text} {rule.effect}".rstrip() for rule in
              decision.rules_fired]
    return "\n".join(lines)


def _route(ctx: JobContext, ticket: Any, item_id: str) -> Any:
    from radiant_ext.plugins.models import RequestContext

    plugins = ctx.plugins
    store = ticket.customer_id if plugins.store(ticket.customer_id or "") else None
    request = RequestContext(store_id=store, customer_user=ticket.customer_user_id or None,
                             customer_company=ticket.customer_id or None,
                             submitted_at=ticket.created or ctx.now())
    return plugins.route(plugins.item(item_id), request)


def _apply(ctx: JobContext, ticket: Any, classification: Any, decision: Any) -> None:
    from radiant_ext.client.models import TicketChanges

    changes = TicketChanges(type=decision.type, queue=decision.queue, service=decision.service,
                            sla=decision.sla, priority=decision.priority, owner=decision.owner)
    ctx.client.ticket_update(int(ticket.ticket_id), ticket=changes,
                             article=internal_note("Classified automatically",
                                                   explain(classification, decision)),
                             dynamic_fields=decision.dynamic_fields())


def _classify_one(ctx: JobContext, ticket_id: int) -> str:
    from radiant_ext.plugins.models import EmailTicket

    ticket = ctx.client.ticket_get(ticket_id, all_articles=True, dynamic_fields=True,
                                   article_limit=1)
    if (ticket.dynamic_fields or {}).get("RadiantCategory"):
        outcome, message = "skipped", "already categorised"
    else:
        classification = ctx.plugins.classify(EmailTicket.from_ticket(ticket))
        if classification is None:
            outcome, message = "unmatched", "no catalog rule matched"
        else:
            decision = _route(ctx, ticket, classification.item_id)
            _apply(ctx, ticket, classification, decision)
            outcome, message = "classified", explain(classification, decision)
    with ctx.sessions.begin() as s:
        s.add(TicketAlert(ticket_id=ticket_id, kind=KIND, key=outcome, message=message))
        if outcome == "classified":
            record_audit(s, actor="sync", action="ticket.classify", subject=ticket.ticket_number,
                         details={"message": message})
            upsert_tickets(s, [ctx.client.ticket_get(ticket_id, dynamic_fields=True)])
    return outcome


def classify_email_tickets(ctx: JobContext) -> dict[str, int]:
    """Classify and route new uncategorised tickets; one failing ticket never stops the rest.

    Counts: ``classified``, ``unmatched``, ``skipped``, ``failed``.
    """
    counts: Counter[str] = Counter(classified=0, unmatched=0, failed=0)
    last_error: Exception | None = None
    candidates = _candidates(ctx)
    ctx.progress("classify", 0, len(candidates))
    for ticket_id in candidates:
        with ctx.sessions() as s:
            if has_alert(s, ticket_id, KIND, "classified"):
                continue
        try:
            counts[_classify_one(ctx, ticket_id)] += 1
        except Exception as exc:  # noqa: BLE001 - counted; the ticket is tried again next run
            log.warning("classifying ticket %s failed: %s", ticket_id, exc)
            counts["failed"] += 1
            last_error = exc
        ctx.progress("classify", 1, None)
    if last_error is not None:
        raise PartialJobError(counts, last_error)
    return dict(counts)
