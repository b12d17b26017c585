"""Satisfaction after a solved request: the rating form on the detail page and the rating link.

* The detail page of a solved or closed request shows its requester (the ticket's customer
  user — not a colleague who sees it in the company list) a rating form, once; after rating,
  the rating given.
* ``/rate/<token>`` serves the link added to the ticket when it was solved: no login needed
  (guests have none), bound to the ticket and its customer user, used once, expiring.

The rules live in :mod:`radiant_ext.sync.satisfaction`; this package is the pages. See
docs/satisfaction.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import Ticket
from radiant_ext.client.errors import (
    HTTPStatusError,
    NotFoundError,
    PermissionDeniedError,
    ZnunyConnectionError,
)
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.fields import CATEGORY_FIELD, REQUEST_ID_FIELD, STORE_FIELD
from radiant_ext.portal.auth import current_customer, login_required, login_url_for_here
from radiant_ext.portal.feedback import SHOPPERS
from radiant_ext.portal.ports import TicketDetail, TicketNotFound, UpstreamUnavailable
from radiant_ext.portal.satisfaction.forms import RatingForm
from radiant_ext.portal.scoping import ticket_visible
from radiant_ext.store import TicketCache, utcnow
from radiant_ext.store.satisfaction import (
    AlreadyRated,
    SatisfactionInvite,
    SatisfactionRating,
    mark_invite_used,
    rating_of,
)
from radiant_ext.sync.ports import HelpDesk
from radiant_ext.sync.satisfaction import (
    LinkTicket,
    NotRateable,
    is_solved,
    policy_of,
    rate,
    read_token,
)

__all__ = ["EXTENSION", "SatisfactionService", "bp", "init_satisfaction"]

log = logging.getLogger(__name__)

EXTENSION = "radiant_satisfaction"
"""``app.extensions`` key of the :class:`SatisfactionService` (absent: no rating pages)."""

bp = Blueprint("satisfaction", __name__)


@dataclass
class SatisfactionService:
    """What the pages need: the store, the agent client, the catalog items and the clock."""

    sessions: sessionmaker[Session]
    client: HelpDesk
    items: Callable[[], Mapping[str, CatalogItem]]
    secret: str
    link_days: int = 14
    clock: Callable[[], datetime] = field(default=utcnow)

    def rating(self, ticket_id: int) -> SatisfactionRating | None:
        """The ticket's rating, if it has one."""
        with self.sessions() as session:
            row = rating_of(session, ticket_id)
            if row is not None:
                session.expunge(row)
            return row

    def asks(self, item: str | None) -> bool:
        """Whether the item asks for a rating (the default: yes)."""
        return policy_of(self.items(), item).ask

    def ticket(self, ticket_id: int) -> Ticket:
        """The ticket as Znuny has it now (agent read); while Znuny cannot be reached, as the
        ticket cache last saw it (a rating given then is kept and its article written by the
        ``satisfaction-record`` job once Znuny is back)."""
        try:
            return self.client.ticket_get(ticket_id, dynamic_fields=True)
        except (NotFoundError, PermissionDeniedError) as exc:
            raise TicketNotFound(str(ticket_id)) from exc
        except (ZnunyConnectionError, HTTPStatusError) as exc:
            cached = self._cached(ticket_id)
            if cached is None:
                raise UpstreamUnavailable(str(exc)) from exc
            return cached

    def _cached(self, ticket_id: int) -> Ticket | None:
        with self.sessions() as session:
            row = session.get(TicketCache, ticket_id)
            if row is None:
                return None
            fields = {CATEGORY_FIELD: row.category, STORE_FIELD: row.store,
                      REQUEST_ID_FIELD: row.request_id}
            return Ticket.model_validate({
                "TicketID": row.ticket_id, "TicketNumber": row.ticket_number,
                "Title": row.title, "State": row.state, "StateType": row.state_type,
                "Queue": row.queue, "Owner": row.owner or "",
                "CustomerUserID": row.customer_user_id or "", "CustomerID": row.customer_id or "",
                "DynamicField": [{"Name": k, "Value": v} for k, v in fields.items() if v]})

    def rate(self, ticket: Ticket, rating: int, comment: str, rated_by: str,
             via: str) -> SatisfactionRating:
        """Store and record a rating (see :func:`radiant_ext.sync.satisfaction.rate`)."""
        return rate(self.sessions, self.client, self.items(), ticket, rating=rating,
                    comment=comment, rated_by=rated_by,
                    via="link" if via == "link" else "portal", now=self.clock())


def _service() -> SatisfactionService | None:
    return current_app.extensions.get(EXTENSION)


def _require() -> SatisfactionService:
    service = _service()
    if service is None:
        raise TicketNotFound("satisfaction is not configured")
    return service


def panel(ticket: TicketDetail) -> Markup:
    """The rating part of a request's detail page ("" when there is nothing to show)."""
    service, customer = _service(), g.get("customer")
    t = ticket.summary
    if service is None or customer is None or t.customer_user != customer.login:
        return Markup("")
    if not is_solved(t.state, t.state_type):
        return Markup("")
    try:
        given = service.rating(t.ticket_id)
        if given is None and not service.asks(t.category):
            return Markup("")
    except Exception:  # the page stays usable without its rating part
        log.warning("rating of ticket %s unavailable", t.ticket_id, exc_info=True)
        return Markup("")
    form = g.get("satisfaction_form") or RatingForm(formdata=None)
    return Markup(render_template("satisfaction/panel.html", ticket_id=t.ticket_id,
                                  ticket_store=t.store, given=given, form=form))


@bp.post("/requests/<int:ticket_id>/rating")
@login_required
def rate_request(ticket_id: int) -> ResponseReturnValue:
    """The requester rates a solved request from its detail page."""
    service, customer = _require(), current_customer()
    ticket = service.ticket(ticket_id)
    if not ticket_visible(customer, ticket.customer_user_id, ticket.customer_id):
        raise TicketNotFound(str(ticket_id))
    back = redirect(url_for("requests.detail", ticket_id=ticket_id))
    form = RatingForm()
    if not form.validate_on_submit():
        g.satisfaction_form = form
        from radiant_ext.portal.requests.views import detail

        response = current_app.make_response(detail(ticket_id))
        response.status_code = 400
        return response
    try:
        service.rate(ticket, form.rating.data, form.comment.data or "", customer.login, "portal")
    except AlreadyRated:
        flash(gettext("This request has been rated already. Thank you!"), "error")
        return back
    except NotRateable:
        return render_template("satisfaction/refused.html", reason="not-yours"
                               if ticket.customer_user_id != customer.login else "not-solved"
                               ), 403
    flash(gettext("Thank you for your rating."), "success")
    return back


def _link_problem(kind: str, status: int) -> ResponseReturnValue:
    return render_template("satisfaction/link.html", problem=kind), status


@bp.route("/rate/<token>", methods=["GET", "POST"])
def rate_link(token: str) -> ResponseReturnValue:
    """The rating link: no login needed, for the ticket's requester only, once."""
    service = _require()
    found = read_token(service.secret, token[:2000], timedelta(days=service.link_days),
                       service.clock)
    if not isinstance(found, LinkTicket):
        return _link_problem(found, 410 if found == "expired" else 404)
    customer = g.get("customer")
    if customer is not None and customer.login != found.customer_user:
        return _link_problem("other-customer", 403)
    with service.sessions() as session:
        invite = session.get(SatisfactionInvite, found.ticket_id)
        used = invite is None or invite.nonce != found.nonce or invite.used_at is not None
    if used or service.rating(found.ticket_id) is not None:
        return _link_problem("used", 410)
    ticket = service.ticket(found.ticket_id)
    if ticket.customer_user_id != found.customer_user:
        return _link_problem("invalid", 404)
    if customer is None and ticket.customer_id != SHOPPERS:
        # A portal customer's link asks for their login first: colleagues who see the
        # request in the company view see the link too, and must not rate in their name.
        return redirect(login_url_for_here())
    if not is_solved(ticket.state or "", ticket.state_type or ""):
        return _link_problem("not-solved", 409)
    form = RatingForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("satisfaction/link.html", problem=None, form=form,
                               token=token, ticket=ticket), status
    with service.sessions.begin() as session:
        if not mark_invite_used(session, found.ticket_id, found.nonce, service.clock()):
            return _link_problem("used", 410)
    try:
        service.rate(ticket, form.rating.data, form.comment.data or "", found.customer_user,
                     "link")
    except AlreadyRated:
        return _link_problem("used", 410)
    except NotRateable:
        return _link_problem("not-solved", 409)
    return render_template("satisfaction/link.html", problem=None, thanked=True,
                           ticket=ticket)


def init_satisfaction(app: Flask, service: SatisfactionService | None) -> None:
    """Register the rating pages; ``service`` ``None`` leaves them off (404)."""
    if service is not None:
        app.extensions[EXTENSION] = service
    app.register_blueprint(bp)
    app.jinja_env.globals["satisfaction_panel"] = panel
