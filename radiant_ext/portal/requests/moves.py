"""The requester's side of a request's workflow: the progress line and the moves offered.

The detail page shows the line (:mod:`radiant_ext.portal.requests.progress`) and, for every
move the workflow gives the customer out of the current step, a form (``POST
/requests/<id>/move/<step id>``). The POST reads the ticket again from Znuny, asks the
workflow (:meth:`~radiant_ext.plugins.workflow.Workflow.check`) and only then changes the
ticket: a stale page, a forged target or a ticket moved on meanwhile is refused with the
workflow's reason in the customer's language, and nothing changes. See ``docs/portal.md``,
"Progress line and moves".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW, Move, MoveRefusedError, Workflow
from radiant_ext.portal.auth import current_customer
from radiant_ext.portal.drafts import keep, restore
from radiant_ext.portal.errors import render_error
from radiant_ext.portal.i18n import current_language
from radiant_ext.portal.ports import (
    StateChanged,
    TicketDetail,
    TicketMove,
    UpstreamUnavailable,
)
from radiant_ext.portal.requests.forms import MoveForm, move_form
from radiant_ext.portal.requests.progress import Progress, customer_moves, progress
from radiant_ext.portal.services import services

__all__ = ["MAX_STEP_ID", "PENDING_HOURS", "Offer", "make_move", "move", "pending_until",
           "own_steps_refusal", "reopen_allowed", "workflow_context"]

PENDING_HOURS = 72
"""A requester's move into a pending state (``pending reminder`` / ``pending auto``) sets
Znuny's pending time this many hours ahead: Znuny needs one, and the workflow's own limits
(``remind_after``, ``escalate_after``) are watched by the deadline job, not by this time."""

MAX_STEP_ID = 40
"""The longest step id (``radiant_ext.plugins.workflow``); a longer target is cut in the
refusal that names it."""


@dataclass(frozen=True)
class Offer:
    """A move offered to the requester: the target step, its translated label, its form."""

    to: str
    label: str
    reason_required: bool
    form: MoveForm


def reopen_allowed(detail: TicketDetail, window_days: int, now: datetime | None = None) -> bool:
    """Whether a closed request may still be reopened by the customer."""
    if detail.summary.state_type != "closed" or detail.closed_at is None:
        return False
    return (now or datetime.now(UTC)) - detail.closed_at <= timedelta(days=window_days)


def _offers(flow: Workflow, detail: TicketDetail, language: str,
            posted: tuple[str, MoveForm] | None = None) -> list[Offer]:
    """The requester's moves out of the ticket's step; out of a closed step only while the
    request may be reopened (``PORTAL_REOPEN_WINDOW_DAYS``), and not the default workflow's
    reopening, which the page's reopen form makes."""
    step = flow.step_for_state(detail.summary.state)
    window = current_app.config["PORTAL_REOPEN_WINDOW_DAYS"]
    if step is None or (step.closed and not reopen_allowed(detail, window)):
        return []
    offers = []
    for move in customer_moves(flow, detail.summary.state):
        if flow == DEFAULT_WORKFLOW and step.closed:
            continue  # the page's "Not solved after all?" form is this move
        if posted is not None and posted[0] == move.to:
            form = posted[1]
        else:
            form = move_form(move.to, move.reason_required)
            restore(f"move:{detail.summary.ticket_id}:{move.to}", form)
        label = flow.translate(move.label or flow.step(move.to).label, language)
        offers.append(Offer(move.to, label, move.reason_required, form))
    return offers


def workflow_context(detail: TicketDetail,
                     posted: tuple[str, MoveForm] | None = None) -> dict[str, Any]:
    """What the detail page shows of the workflow: ``progress`` (``None``: the ticket's state
    is not a step of it) and ``offers`` (``posted``: a move's form as sent, with errors)."""
    flow = services().catalog.workflow(detail.summary.category)
    language = current_language()
    line: Progress | None = progress(flow, detail.summary.state, detail.state_since, language)
    return {"progress": line,
            "offers": _offers(flow, detail, language, posted) if line else []}


def pending_until(now: datetime) -> datetime:
    """The pending time a move into a pending state gives the ticket in Znuny:
    :data:`PENDING_HOURS` from ``now``, in whole minutes."""
    return (now + timedelta(hours=PENDING_HOURS)).replace(second=0, microsecond=0)


def _back(ticket_id: int, anchor: str | None = None) -> ResponseReturnValue:
    return redirect(url_for("requests.detail", ticket_id=ticket_id, _anchor=anchor), 303)


def _refused(ticket_id: int, reason: str, category: str = "error") -> ResponseReturnValue:
    flash(reason, category)
    return _back(ticket_id)


def own_steps_refusal(detail: TicketDetail) -> str | None:
    """Why the page's own close and reopen forms may not change this request (``None``: they
    may): its item declares a workflow and its state is a step of it, so the workflow's moves
    are the way on (and the workflow guard puts other changes back). Requests of items
    without a workflow, and states outside it, close and reopen as before."""
    flow = services().catalog.workflow(detail.summary.category)
    if flow == DEFAULT_WORKFLOW or flow.step_for_state(detail.summary.state) is None:
        return None
    return str(gettext("This request goes on by its steps: please use the buttons under "
                       "“Your decision”, where there are any."))


def _unreachable(ticket_id: int, to: str, form: MoveForm) -> ResponseReturnValue:
    """Znuny is down: nothing changed; the reason waits for the page (post/redirect/get)."""
    kept = keep(f"move:{ticket_id}:{to}", form)
    text = gettext("The help desk cannot be reached right now, so nothing was changed.")
    text += " " + (gettext("Your text is kept: open the request again in a few minutes.")
                   if kept else gettext("Please copy your text and try again later."))
    return render_error(503, text)


def _check(flow: Workflow, state: str, to: str) -> Move:
    """The requester's move from ``state`` to step ``to`` (an id; an unknown one is named
    as given, cut)."""
    target = flow.step(to).state if any(s.id == to for s in flow.steps) else to[:MAX_STEP_ID]
    return flow.check(state, target, "customer")


def make_move(ticket_id: int, to: str, now: datetime | None = None) -> ResponseReturnValue:
    """Check and make the requester's move of ticket ``ticket_id`` to step ``to``."""
    language = current_language()
    form = move_form(to[:MAX_STEP_ID], False, posted=True)
    try:
        detail = services().tickets.get(current_customer(), ticket_id)  # 404: not theirs
        flow = services().catalog.workflow(detail.summary.category)
        if flow.states_step(detail.summary.state) == to:  # sent twice (a double tap, Back)
            return _refused(ticket_id, gettext(
                "The request is already at “%(step)s”; nothing was changed.",
                step=flow.translate(flow.step(to).label, language)), "info")
        found = _check(flow, detail.summary.state, to)
        if not any(o.to == to for o in _offers(flow, detail, language)):
            return _refused(ticket_id, gettext(
                "This request can no longer be reopened. Please file a new one."))
        form = move_form(to, found.reason_required, posted=True)
        if not _valid(form, found):
            return _corrected(ticket_id, to, form)
        _send(flow, detail, found, (form.reason.data or "").strip(), now)
    except MoveRefusedError as exc:
        return _refused(ticket_id, exc.get(language))
    except StateChanged as exc:
        return _refused(ticket_id, _changed_reason(flow, exc.state, to, language))
    except UpstreamUnavailable:
        return _unreachable(ticket_id, to[:MAX_STEP_ID], form)
    flash(gettext("Done: %(action)s.", action=flow.translate(_label(flow, found), language)),
          "success")
    return _back(ticket_id)


def _label(flow: Workflow, move: Move) -> str:
    """The move's English label (its target step's when it has none)."""
    return move.label or flow.step(move.to).label


def _valid(form: MoveForm, found: Move) -> bool:
    """Whether the reason is fine: not too long, and given where the move requires one."""
    valid = bool(form.validate())
    if found.reason_required and not (form.reason.data or "").strip():
        form.reason.errors = [*form.reason.errors, gettext("Please say why.")]
        valid = False
    return valid


def _send(flow: Workflow, detail: TicketDetail, found: Move, reason: str,
          now: datetime | None) -> None:
    """Move the ticket in Znuny: the new state (with a pending time where the state needs
    one) and an article from the requester with the reason, or the move's label."""
    target = flow.step(found.to)
    pending = target.state_type.startswith("pending")
    services().tickets.move(current_customer(), detail.summary.ticket_id, TicketMove(
        detail.summary.state, target.state, _label(flow, found), reason or _label(flow, found),
        pending_until(now or datetime.now(UTC)) if pending else None, current_language()))


def _changed_reason(flow: Workflow, state: str, to: str, language: str) -> str:
    """Why a move is refused once the ticket turned out to be in ``state`` meanwhile."""
    try:
        _check(flow, state, to)
    except MoveRefusedError as refused:
        return refused.get(language)
    return str(gettext("The request changed while you were looking at it. Nothing was "
                       "changed: please look at it again."))


def _corrected(ticket_id: int, to: str, form: MoveForm) -> ResponseReturnValue:
    """Back to the page with the reason and its message (or at once when too long)."""
    if keep(f"move:{ticket_id}:{to}", form):
        return _back(ticket_id, f"move-{to}")
    from radiant_ext.portal.requests.views import render_detail

    return render_detail(ticket_id, status=400, posted=(to, form))


def move(ticket_id: int, to: str) -> ResponseReturnValue:
    """Make the requester's workflow move of a visible request (module docstring)."""
    return make_move(ticket_id, to)
