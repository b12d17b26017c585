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

from sqlalchemy import select

from radiant_ext.client.errors import InvalidParameterError
from radiant_ext.client.models import Ticket, TicketChanges
from radiant_ext.plugins.email_routing import EmailRouter, InboundMail, postmaster_knows_sender
from radiant_ext.plugins.fields import CATEGORY_FIELD, REQUEST_ID_FIELD
from radiant_ext.plugins.models import Classification, RoutingDecision
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


def explain(classification: Classification, decision: RoutingDecision) -> str:
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


def _router(ctx: JobContext) -> EmailRouter:
    """The e-mail routing the webhook uses, over this run's plugins and store."""
    from radiant_ext.webhook.factory import disabled_items_of, recent_incidents_from_store

    return EmailRouter(ctx.plugins, recent_incidents=recent_incidents_from_store(ctx.sessions),
                       disabled_items=disabled_items_of(ctx.plugins.enablement), now=ctx.now)


def inbound_mail(ticket: Ticket) -> InboundMail:
    """A ticket read from Znuny (with its first article) as e-mail routing sees it."""
    first = ticket.articles[0] if ticket.articles else None
    fields = ticket.dynamic_fields or {}
    return InboundMail(
        ticket_id=int(ticket.ticket_id),
        title=ticket.title,
        body=(first.body or "") if first is not None else "",
        customer_id=ticket.customer_id or None,
        customer_user=ticket.customer_user_id or None,
        sender_known=postmaster_knows_sender(ticket.customer_id, ticket.customer_user_id),
        created=ticket.created,
        queue=ticket.queue or None,
        state_type=ticket.state_type or None,
        category=str(fields.get(CATEGORY_FIELD) or "") or None,
        request_id=str(fields.get(REQUEST_ID_FIELD) or "") or None,
    )


def _apply(ctx: JobContext, ticket: Ticket, classification: Classification,
           decision: RoutingDecision) -> str:
    """Route ``ticket`` by ``decision`` with one TicketUpdate; return the note's text.

    Znuny refuses a service the ticket's customer may not use — a mail from an unknown
    sender has no customer user, and Znuny offers such a ticket no service. The ticket is then
    routed without service and SLA (queue, type, priority, owner, deadline and fields as
    decided), and the note says so, rather than failing on every run while the mail waits in
    the wrong queue.
    """
    changes = TicketChanges(type=decision.type, queue=decision.queue, service=decision.service,
                            sla=decision.sla, priority=decision.priority, owner=decision.owner)
    text = explain(classification, decision)
    try:
        ctx.client.ticket_update(int(ticket.ticket_id), ticket=changes,
                                 article=internal_note("Classified automatically", text),
                                 dynamic_fields=decision.dynamic_fields())
        return text
    except InvalidParameterError as exc:
        if not decision.service or "service" not in str(exc).lower():
            raise
        log.info("ticket %s: Znuny refused service %r (%s); routed without it",
                 ticket.ticket_id, decision.service, exc)
    text += (f"\nZnuny refused the service {decision.service} for this ticket's customer "
             f"({ticket.customer_user_id or 'no customer user: an unknown sender'}): routed "
             "without service and SLA — set them by hand once the customer is known.")
    changes = changes.model_copy(update={"service": None, "sla": None})
    ctx.client.ticket_update(int(ticket.ticket_id), ticket=changes,
                             article=internal_note("Classified automatically", text),
                             dynamic_fields=decision.dynamic_fields())
    return text


def _classify_one(ctx: JobContext, router: EmailRouter, ticket_id: int) -> str:
    ticket: Ticket = ctx.client.ticket_get(ticket_id, all_articles=True, dynamic_fields=True,
                                           article_limit=1)
    routed = router.route(inbound_mail(ticket))
    if routed.decision is not None and routed.classification is not None:
        message = _apply(ctx, ticket, routed.classification, routed.decision)
        outcome = "classified"
    else:
        outcome, message = routed.outcome, routed.reason
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
    router = _router(ctx)
    ctx.progress("classify", 0, len(candidates))
    for ticket_id in candidates:
        with ctx.sessions() as s:
            if has_alert(s, ticket_id, KIND, "classified"):
                continue
        try:
            counts[_classify_one(ctx, router, ticket_id)] += 1
        except Exception as exc:  # noqa: BLE001 - counted; the ticket is tried again next run
            log.warning("classifying ticket %s failed: %s", ticket_id, exc)
            counts["failed"] += 1
            last_error = exc
        ctx.progress("classify", 1, None)
    if last_error is not None:
        raise PartialJobError(counts, last_error)
    return dict(counts)
