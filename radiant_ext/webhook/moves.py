"""State changes Znuny reports (``TicketStateUpdate``) checked against the item's workflow.

The payload carries the state before (``Event.OldTicketData.State``) and after
(``Ticket.State``). A move outside the item's workflow is recorded in the store as refused
(:func:`radiant_ext.sync.workflow_guard.judge_move`); the answer stays ``{}`` — it never
sets a state, so nothing here can start a loop — and the sync jobs put the ticket back
through the client (docs/webhook.md, "Moves outside the workflow"). Nothing talks to Znuny
on the answer's path.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.plugins.email_routing import RoutingPlugins
from radiant_ext.store import StateSeen, TicketCache, follow_states
from radiant_ext.sync.workflow_guard import ObservedMove, judge_move, workflow_of
from radiant_ext.webhook.answers import CATEGORY_FIELD
from radiant_ext.webhook.payload import WebhookPayload
from radiant_ext.webhook.routing import WebhookResult, ignored

__all__ = ["GUARDED_EVENT", "guard_state_update", "observed_move"]

GUARDED_EVENT = "TicketStateUpdate"
MAX_STATE = 200
"""Znuny's longest state name (``ticket_state.name``); a longer one is not a state."""

log = logging.getLogger("radiant_ext.webhook")


def observed_move(payload: WebhookPayload) -> ObservedMove | None:
    """The state change of a categorised ticket a ``TicketStateUpdate`` reports, if any."""
    ticket, old = payload.ticket, payload.event.old_ticket_data or {}
    before, item = old.get("State"), ticket.dynamic_field(CATEGORY_FIELD)
    if not isinstance(before, str) or not before or not ticket.state or not item:
        return None
    if max(len(before), len(ticket.state)) > MAX_STATE:
        return None  # not a Znuny state name
    changed = (ticket.model_extra or {}).get("Changed") or ""
    return ObservedMove(ticket.ticket_id, ticket.ticket_number, item, before, ticket.state,
                        ticket.state_type, _iso(str(changed)))


def _iso(stamp: str) -> str:
    """Znuny's ``YYYY-MM-DD HH:MM:SS`` (UTC) as the pull writes it (ISO, with the zone)."""
    try:
        return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").isoformat() + "+00:00"
    except ValueError:
        return stamp


def _moment(seen: str) -> datetime | None:
    """Znuny's change time as :func:`_iso` wrote it, ``None`` when it was not a time."""
    try:
        return datetime.fromisoformat(seen)
    except ValueError:
        return None


def guard_state_update(sessions: sessionmaker[Session] | None, plugins: RoutingPlugins,
                       payload: WebhookPayload, now: datetime) -> WebhookResult:
    """Judge the reported move; always an empty answer, with the decision as its reason."""
    ticket_id = payload.ticket.ticket_id
    move = observed_move(payload)
    if move is None:
        return ignored("state change of a ticket without a category", ticket_id)
    flow = workflow_of(plugins, move.item)
    if flow is None:
        return ignored(f"{move.item} declares no workflow", ticket_id)
    if sessions is None:
        return ignored("no local store: the ticket pull checks the move", ticket_id)
    try:
        with sessions.begin() as s:
            since = s.scalar(select(TicketCache.state_since).where(
                TicketCache.ticket_id == ticket_id, TicketCache.state == move.from_state))
            move = ObservedMove(**{**move.__dict__, "since": since})
            follow_states(s, [StateSeen(ticket_id, move.item, move.to_state,
                                        move.to_state_type, _moment(move.seen))])
            return ignored(judge_move(s, flow, move, now), ticket_id)
    except SQLAlchemyError as exc:
        log.warning("cannot record the state change of ticket %s in the store: %s",
                    ticket_id, exc)
        return ignored("store unreachable: the ticket pull checks the move", ticket_id)
