"""Finding the right request: search as you type (``/search.json``) and "I can't find it".

``/search.json?q=`` answers the home page's script with the ranked items the customer is
offered (never another item: the same :func:`~radiant_ext.portal.catalog.views.offered_departments`
as the page). ``/cant-find`` asks for a description in the customer's own words, offers the
three best-matching items ("Did you mean …?", each form opened with the description), and
only then files the request without a category:

* into a catalog's general item when one is offered (an item named ``<department>.other`` or
  ``<department>.general``): its form opens with the description, so it is routed by its own
  rules;
* otherwise as Znuny files an e-mail nobody classified: queue :data:`GENERAL_QUEUE`, type
  :data:`GENERAL_TYPE`, priority "3 normal", promised within :data:`GENERAL_HOURS` business
  hours of the default calendar, for agents to triage. Nothing of it comes from the form.

Limits (per login, counted in each portal process): :data:`SEARCHES_PER_MINUTE` searches,
:data:`FILED_PER_HOUR` requests filed from this page; past them a 429 with ``Retry-After``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import cast

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from radiant_ext.plugins.calendar import DEFAULT_CALENDAR
from radiant_ext.plugins.models import RoutingDecision, priority_name
from radiant_ext.portal.auth import current_customer, login_required
from radiant_ext.portal.auth.ratelimit import MemoryFailureLog
from radiant_ext.portal.catalog.ranking import MAX_QUERY, Match
from radiant_ext.portal.catalog.views import (
    _ISSUED,
    _issue_reference,
    _remember,
    offered_departments,
    search_matches,
)
from radiant_ext.portal.i18n import current_language
from radiant_ext.portal.ports import (
    CatalogItemView,
    InvalidReference,
    RequestDraft,
    RoutingPreview,
)
from radiant_ext.portal.services import services

__all__ = [
    "FILED_PER_HOUR", "GENERAL_HOURS", "GENERAL_QUEUE", "GENERAL_TYPE", "MAX_TEXT",
    "SEARCHES_PER_MINUTE", "bp", "init_app",
]

bp = Blueprint("finding", __name__)

GENERAL_QUEUE = "Raw"
"""Where a request without a category goes: Znuny's default queue for unclassified mail."""
GENERAL_TYPE = "Unclassified"
"""Its ticket type: Znuny's type for tickets nobody classified."""
GENERAL_HOURS = 16.0
"""Business hours (default calendar) promised for a request without a category."""
MAX_TEXT = 2000
"""The longest description the page accepts."""
SEARCHES_PER_MINUTE = 120
"""Searches one login may make per minute (typing sends one per pause)."""
FILED_PER_HOUR = 10
"""Requests without a category one login may file per hour."""


class _Window:
    """At most ``most`` events per key within ``seconds`` (in this process), counted in the
    login limiter's sliding-window log."""

    def __init__(self, most: int, seconds: float) -> None:
        self.most, self.seconds = most, seconds
        self._log = MemoryFailureLog()

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` may act again (0: now)."""
        recent = self._log.recent(key, now - self.seconds)
        return recent[0] + self.seconds - now if len(recent) >= self.most else 0.0

    def record(self, key: str, now: float) -> None:
        """Count one event of ``key``."""
        self._log.add([key], now, older_than=now - self.seconds)


class CantFindForm(FlaskForm):  # type: ignore[misc]
    """The description to file as it is, and the request's reference."""

    text = TextAreaField(lazy_gettext("Describe what you need in your own words"),
                         validators=[DataRequired(), Length(max=MAX_TEXT)])
    request_id = HiddenField(validators=[DataRequired()])


def _clock() -> float:
    return cast(Callable[[], float], current_app.config.get("SEARCH_CLOCK") or time.time)()


def _windows() -> tuple[_Window, _Window]:
    return cast(tuple[_Window, _Window], current_app.extensions["radiant_finding"])


def _too_many(window: _Window) -> ResponseReturnValue | None:
    """A 429 answer when the customer went past ``window``'s limit, else ``None``."""
    wait = window.wait(current_customer().login, _clock())
    if not wait:
        return None
    reason = gettext("Too many searches or requests in a short time. Please wait a moment.")
    headers = {"Retry-After": str(max(1, round(wait)))}
    if request.path.endswith(".json"):
        return jsonify(error=reason), 429, headers
    return render_template("catalog/cant_find.html", form=CantFindForm(), text="",
                           suggestions=[], general=None, refusal=reason), 429, headers


def _result(match: Match, text: str = "") -> dict[str, str]:
    url = url_for("catalog.request_form", item_id=match.item.id, text=text or None)
    return {"id": match.item.id, "title": match.item.title, "summary": match.item.summary,
            "department": match.department.title, "url": url}


@bp.get("/search.json")
@login_required
def search_json() -> ResponseReturnValue:
    """The offered items matching ``q``, best first (at most 10), for the home page's script."""
    refused = _too_many(_windows()[0])
    if refused is not None:
        return refused
    _windows()[0].record(current_customer().login, _clock())
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    results = [_result(m) for m in search_matches(query)] if query else []
    return jsonify(query=query, results=results,
                   cant_find=url_for("finding.cant_find", q=query) if query else
                   url_for("finding.cant_find"))


def _general_item() -> CatalogItemView | None:
    """A catalog's general item offered to the customer (``<department>.other`` or
    ``.general``), if any."""
    for dept in offered_departments():
        for item in dept.items:
            if item.id.rsplit(".", 1)[-1] in ("other", "general"):
                return item
    return None


@bp.route("/cant-find", methods=["GET", "POST"])
@login_required
def cant_find() -> ResponseReturnValue:
    """Ask for a description, suggest the three best items, then file it without a category."""
    form = CantFindForm()
    status = 200
    if request.method == "POST":
        refused = _too_many(_windows()[1])
        if refused is not None:
            return refused
        if form.validate_on_submit():
            general = _general_item()
            if general is not None:  # the catalog's own general item routes it
                return redirect(url_for("catalog.request_form", item_id=general.id,
                                        text=form.text.data.strip()))
            if form.request_id.data in session.get(_ISSUED, ()):
                try:
                    return _file(form.text.data.strip(), form.request_id.data)
                except InvalidReference:
                    pass
            form.form_errors.append(gettext(
                "This form was opened in another session or has expired. Please send it "
                "again."))
        status = 400
        text = (form.text.data or "").strip()
    else:
        text = request.args.get("text", request.args.get("q", "")).strip()
        form.text.data = text
    too_long = len(text) > MAX_TEXT
    suggestions = search_matches(text[:MAX_TEXT], limit=3) if text and not too_long else []
    form.request_id.data = _issue_reference()
    general = _general_item()
    return render_template(
        "catalog/cant_find.html", form=form, text=text, too_long=too_long,
        suggestions=[_result(m, text) for m in suggestions], general=general,
        general_url=url_for("catalog.request_form", item_id=general.id, text=text)
        if general else None, refusal=None, max_text=MAX_TEXT), status


def _file(text: str, reference: str) -> ResponseReturnValue:
    """File ``text`` as a request without a category; post/redirect/get to the receipt."""
    customer = current_customer()
    now = datetime.now(UTC)
    calendar = DEFAULT_CALENDAR.build()
    deadline = calendar.add(now, timedelta(hours=GENERAL_HOURS))
    decision = RoutingDecision(
        item_id="", department="", type=GENERAL_TYPE, queue=GENERAL_QUEUE,
        priority=priority_name(3), priority_level=3, deadline=deadline,
        business_hours=GENERAL_HOURS, calendar=f"{calendar.spec.id} ({calendar.tz.key})",
        decided_by="portal: no catalog item chosen")
    title = gettext("Request without a category")
    item = CatalogItemView(id="", department="", title=title)
    suggested = [m.item.title for m in search_matches(text, limit=3)]
    body = text if not suggested else text + "\n\n" + gettext(
        "Suggested to the requester and not chosen: %(items)s", items="; ".join(suggested))
    first_line = text.splitlines()[0][:100] if text else title
    draft = RequestDraft(
        request_id=reference, customer=customer, item=item, title=first_line, body=body,
        fields={}, routing=RoutingPreview(deadline, decision, calendar.tz.key),
        language=current_language())
    receipt = services().submissions.submit(draft)
    _windows()[1].record(customer.login, _clock())
    _remember(receipt, item, calendar.tz.key)
    return redirect(url_for("catalog.submitted", reference=receipt.reference))


def init_app(app: Flask) -> None:
    """Register the search endpoint and the "I can't find it" page with their limits."""
    app.extensions["radiant_finding"] = (_Window(SEARCHES_PER_MINUTE, 60.0),
                                         _Window(FILED_PER_HOUR, 3600.0))
    app.register_blueprint(bp)
