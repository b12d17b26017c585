"""The answer we send Znuny: write-back keys that route a ticket, in an order that is safe.

Znuny runs the keys in sorted order and stops at the first failing one
(``writeback.py``), so the order of effects is chosen through the key names::

    OTRS_TicketArticleAdd                       internal note: item, decision, rules fired
    OTRS_TicketDynamicFieldSet_RadiantDeadline  promised deadline, UTC
    OTRS_TicketDynamicFieldSet_RadiantStore     customer company of the store
    OTRS_TicketOwnerSet                         only when the decision names an owner
    OTRS_TicketPrioritySet
    OTRS_TicketQueueSet
    OTRS_TicketSLASet                           runs before ServiceSet; fine as user 1 (file 08)
    OTRS_TicketServiceSet
    OTRS_TicketTypeSet
    otrs_TicketDynamicFieldSet_RadiantCategory  last: the "routed" marker

The category marker uses a lower-case prefix, which Znuny matches case-insensitively but which
sorts after every ``OTRS_`` key. If any earlier key fails (a queue renamed in Znuny, an agent
removed), the category stays empty, so the ticket still counts as unclassified and the sync
job's safety net picks it up again instead of leaving a half-routed ticket marked as done.
"""

from __future__ import annotations

from typing import Any

from radiant_ext.plugins.models import Classification, RoutingDecision

__all__ = [
    "CATEGORY_FIELD",
    "DEADLINE_FIELD",
    "NOTE_FROM",
    "NOTE_HISTORY_TYPE",
    "REQUEST_ID_FIELD",
    "STORE_FIELD",
    "routing_answer",
    "routing_note",
]

CATEGORY_FIELD = "RadiantCategory"
DEADLINE_FIELD = "RadiantDeadline"
STORE_FIELD = "RadiantStore"
REQUEST_ID_FIELD = "RadiantRequestID"

NOTE_FROM = "Radiant routing"
"""``From`` of the internal note; also how the note is recognised when it comes back."""

NOTE_HISTORY_TYPE = "AddNote"


def routing_note(
    decision: RoutingDecision, classification: Classification | None = None
) -> tuple[str, str]:
    """Return subject and body of the internal note explaining a routing decision."""
    subject = f"Routed by Radiant: {decision.item_id}"
    lines = [f"Catalog item: {decision.item_id} (department {decision.department})"]
    if classification is not None:
        why = ", ".join(classification.matched) or "no keywords"
        lines.append(f"Classified from the ticket text (score {classification.score:g}; {why})")
    lines += [
        f"Type: {decision.type}",
        f"Queue: {decision.queue}",
        f"Service: {decision.service or '-'}",
        f"SLA: {decision.sla or '-'}",
        f"Priority: {decision.priority}",
        f"Owner: {decision.owner or '-'}",
        f"Deadline: {decision.deadline_utc()} UTC ({decision.business_hours:g} business hours,"
        f" calendar {decision.calendar})",
    ]
    if decision.store_id:
        lines.append(f"Store: {decision.store_id}")
    lines.append("")
    if decision.rules_fired:
        lines.append("Rules fired:")
        for rule in decision.rules_fired:
            effect = f" ({rule.effect})" if rule.effect else ""
            lines.append(f"- {rule.id}: {rule.text}{effect}")
    else:
        lines.append("Rules fired: none (the catalog item's base routing applies)")
    return subject, "\n".join(lines) + "\n"


def routing_answer(
    decision: RoutingDecision, classification: Classification | None = None
) -> dict[str, Any]:
    """Return the write-back keys that apply ``decision`` to the triggering ticket.

    :param decision: what automation decided.
    :param classification: how the catalog item was found, for the note.
    :return: a JSON object for the invoker answer (see the module docstring for the order).
    """
    subject, body = routing_note(decision, classification)
    answer: dict[str, Any] = {
        "OTRS_TicketArticleAdd": {
            "Subject": subject,
            "Body": body,
            "From": NOTE_FROM,
            "SenderType": "system",
            "IsVisibleForCustomer": 0,
            "HistoryType": NOTE_HISTORY_TYPE,
            "HistoryComment": f"Radiant routing: {decision.item_id}",
        },
        f"OTRS_TicketDynamicFieldSet_{DEADLINE_FIELD}": decision.deadline_utc(),
        "OTRS_TicketPrioritySet": decision.priority,
        "OTRS_TicketQueueSet": decision.queue,
        "OTRS_TicketTypeSet": decision.type,
        f"otrs_TicketDynamicFieldSet_{CATEGORY_FIELD}": decision.item_id,
    }
    if decision.store_id:
        answer[f"OTRS_TicketDynamicFieldSet_{STORE_FIELD}"] = decision.store_id
    if decision.owner:
        answer["OTRS_TicketOwnerSet"] = decision.owner
    if decision.sla:
        answer["OTRS_TicketSLASet"] = decision.sla
    if decision.service:
        answer["OTRS_TicketServiceSet"] = decision.service
    return answer
