"""The approver's page: requests waiting for my approval, and the decision on each.

``GET /approvals`` lists the undecided requests the logged-in customer may decide (the
approvers resolved when each was filed); ``POST /approvals/<id>`` decides one — approve (a
comment is optional) or decline (a comment is required: the requester is told it). Anyone
else, the requester included, gets 404 and nothing changes; a decision sent twice is made
once; a request decided meanwhile or moved on in Znuny is named, not changed. See
``docs/portal.md``, "Approvals".
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from radiant_ext.portal.approvals.ports import (
    AlreadyDecided,
    ApprovalPort,
    Decision,
    NotFiledYet,
    NotYours,
    StateMovedOn,
)
from radiant_ext.portal.auth import current_customer, login_required
from radiant_ext.portal.errors import render_error
from radiant_ext.portal.i18n import current_language
from radiant_ext.portal.ports import UpstreamUnavailable
from radiant_ext.portal.services import services

__all__ = ["MAX_COMMENT", "DecisionForm", "bp", "init_app"]

bp = Blueprint("approvals", __name__, url_prefix="/approvals")

MAX_COMMENT = 2000
"""The longest comment an approver may give (characters)."""
_DECISIONS: dict[str, Decision] = {"approve": "approved", "decline": "declined"}


class DecisionForm(FlaskForm):  # type: ignore[misc]
    """An approver's comment (required to decline: checked by the view)."""

    comment = TextAreaField(lazy_gettext("Comment (required to decline)"),
                            validators=[Length(max=MAX_COMMENT)])


def _port() -> ApprovalPort:
    port = services().approvals
    if port is None:
        abort(404)
    return port


def _page(forms: dict[int, DecisionForm] | None = None, status: int = 200
          ) -> ResponseReturnValue:
    login = current_customer().login
    rows = _port().waiting(login, current_language())
    forms = forms or {}
    for row in rows:
        if row.id not in forms:
            form = DecisionForm(formdata=None)
            form.comment.id = f"comment-{row.id}"
            forms[row.id] = form
    return render_template("approvals/list.html", rows=rows, forms=forms), status


@bp.get("")
@login_required
def waiting() -> ResponseReturnValue:
    """The requests waiting for the logged-in customer's decision."""
    return _page()


@bp.post("/<int:approval_id>")
@login_required
def decide(approval_id: int) -> ResponseReturnValue:
    """Approve or decline one request (module docstring)."""
    port, customer = _port(), current_customer()
    decision = _DECISIONS.get(request.form.get("decision", ""))
    form = DecisionForm()
    form.comment.id = f"comment-{approval_id}"
    comment = (form.comment.data or "").strip()
    if decision is None or not form.validate():
        if decision is None:
            form.form_errors.append(gettext("Please choose Approve or Decline."))
        return _page({approval_id: form}, 400)
    if decision == "declined" and not comment:
        form.comment.errors = [gettext("Please say why you decline it: the requester is "
                                       "told.")]
        return _page({approval_id: form}, 400)
    try:
        port.decide(customer.login, customer.full_name or customer.login, approval_id,
                    decision, comment, datetime.now(UTC))
    except NotYours:
        abort(404)
    except AlreadyDecided as exc:
        flash(gettext("This request was already decided; nothing was changed."), "info"
              if exc.decision == decision else "error")
    except StateMovedOn:
        flash(gettext("This request has moved on in the help desk meanwhile, so it cannot "
                      "be decided here any more; nothing was changed."), "error")
    except NotFiledYet:
        flash(gettext("This request is still being filed with the help desk. Please decide "
                      "it in a few minutes."), "error")
    except UpstreamUnavailable:
        return render_error(503, gettext("The help desk cannot be reached right now, so "
                                         "nothing was decided. Please try again later."))
    else:
        flash(gettext("Approved: work on the request can start.") if decision == "approved"
              else gettext("Declined: the requester is told why."), "success")
    return redirect(url_for("approvals.waiting"), 303)


def _has_approvals() -> bool:
    """Whether the logged-in customer has requests to decide (the menu link)."""
    customer = getattr(g, "customer", None)
    if customer is None:
        return False
    try:
        port = services().approvals
        return port is not None and port.has_waiting(customer.login)
    except Exception:  # noqa: BLE001 - the menu goes on without the link
        return False


def init_app(app: Flask) -> None:
    """Register the approver's page and the menu's question."""
    app.register_blueprint(bp)
    app.jinja_env.globals["has_approvals"] = _has_approvals
