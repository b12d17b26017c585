"""Request lists, detail, attachment download, reply, close and reopen.

Every view goes through :class:`~radiant_ext.portal.ports.TicketPort` with the logged-in
customer; a ticket the customer may not see answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from radiant_ext.portal.approvals.ports import ApprovalView
from radiant_ext.portal.auth import current_customer, login_required
from radiant_ext.portal.bundles import ListedBundles, ParentLink, PartView
from radiant_ext.portal.catalog.views import offered_departments
from radiant_ext.portal.drafts import keep, restore
from radiant_ext.portal.i18n import current_language
from radiant_ext.portal.ports import (
    ListQuery,
    Scope,
    TicketNotFound,
    TicketSummary,
)
from radiant_ext.portal.requests import moves
from radiant_ext.portal.requests.forms import MoveForm, ReopenForm, ReplyForm
from radiant_ext.portal.requests.moves import (
    own_steps_refusal,
    reopen_allowed,
    workflow_context,
)
from radiant_ext.portal.requests.progress import awaiting_approval
from radiant_ext.portal.requests.render import article_html
from radiant_ext.portal.scoping import visible_stores
from radiant_ext.portal.services import services
from radiant_ext.portal.uploads import clean_filename, read_uploads

__all__ = ["MAX_CURSOR", "MAX_ID", "MAX_SEARCH", "bp", "init_app", "is_overdue", "parse_query",
           "render_detail", "reopen_allowed"]

bp = Blueprint("requests", __name__, url_prefix="/requests")

MAX_ID = 2**63 - 1
"""The largest ticket, article or file id Znuny's database can hold (a signed BIGINT)."""


@bp.url_value_preprocessor
def _ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A number in the path that no Znuny id can be is "no such request" (404), not a
    question for Znuny, whose database fails on it."""
    for value in (values or {}).values():
        if isinstance(value, int) and value > MAX_ID:
            raise TicketNotFound(str(value))

_STATES = ("open", "closed", "all")
MAX_SEARCH = 100
"""The longest search in a request list (characters); a longer one is cut."""
_SORTS = ("created", "deadline", "state", "number")
MAX_CURSOR = 400
"""The longest page cursor (``after`` / ``before``) read; a longer one is damaged anyway."""
_PAGING = ("page", "after", "before")


def parse_query(scope: Scope, args: Any, per_page: int) -> ListQuery:
    """A :class:`ListQuery` from query-string arguments; unknown values fall back to defaults."""
    state = args.get("state", "open")
    sort = args.get("sort", "created")
    try:
        page = max(1, min(int(args.get("page", "1")), 100000))
    except ValueError:
        page = 1
    return ListQuery(
        scope=scope,
        state=state if state in _STATES else "open",
        category=args.get("category", "")[:100],
        store=args.get("store", "")[:100] if scope == "company" else "",
        text=" ".join(args.get("q", "").split())[:MAX_SEARCH],
        sort=sort if sort in _SORTS else "created",
        descending=args.get("order", "desc") != "asc",
        page=page,
        per_page=per_page,
        cursor=(args.get("after") or args.get("before") or "")[:MAX_CURSOR],
        backward=not args.get("after") and bool(args.get("before")),
    )


def is_overdue(row: TicketSummary, now: datetime | None = None) -> bool:
    """Whether the request is still open after its promised deadline."""
    if row.deadline is None or row.state_type in ("closed", "removed", "merged"):
        return False
    return row.deadline < (now or datetime.now(UTC))


def _category_titles() -> dict[str, str]:
    """Catalog item id → title in the customer's language (ids of retired items stay ids)."""
    return {item.id: item.title for dept in offered_departments() for item in dept.items}


def _priority_shown() -> set[str]:
    """The catalog items whose requests show their priority to the requester."""
    return {item.id for dept in offered_departments() for item in dept.items
            if item.show_priority}


def _list(scope: Scope) -> ResponseReturnValue:
    query = parse_query(scope, request.args, current_app.config["PORTAL_PAGE_SIZE"])
    page = services().tickets.list(current_customer(), query)
    args = {k: v for k, v in request.args.items() if k not in _PAGING}
    return render_template(
        "requests/list.html", page=page, query=query, scope=scope, args=args,
        bundles=_listed_bundles([row.ticket_id for row in page.rows]),
        is_overdue=is_overdue, categories=_category_titles(),
        stores=services().catalog.store_names(),
        store_choices=visible_stores(current_customer(), services().catalog.store_names()),
        max_search=MAX_SEARCH, priority_shown=_priority_shown(),
    )


@bp.get("")
@login_required
def mine() -> ResponseReturnValue:
    """The customer's own requests."""
    return _list("mine")


@bp.get("/company")
@login_required
def company() -> ResponseReturnValue:
    """All requests of the customer's company (store)."""
    if not current_customer().company_visible:
        return redirect(url_for("requests.mine"))
    return _list("company")


def render_detail(
    ticket_id: int, reply: ReplyForm | None = None, reopen: ReopenForm | None = None,
    status: int = 200, posted: tuple[str, MoveForm] | None = None,
) -> ResponseReturnValue:
    """The detail page (``posted``: a workflow move's form as sent, with its errors)."""
    detail = services().tickets.get(current_customer(), ticket_id)
    approval = _waiting_approval(detail.summary)
    context = workflow_context(detail, posted)
    if approval is not None and context["progress"] is None:
        context["progress"] = awaiting_approval(
            services().catalog.workflow(detail.summary.category),
            gettext("Waiting for approval"), approval.filed_at, current_language())
    return render_template(
        "requests/detail.html",
        ticket=detail,
        **context,
        reply_form=reply or ReplyForm(formdata=None),
        reopen_form=reopen or ReopenForm(formdata=None),
        can_reopen=reopen_allowed(detail, current_app.config["PORTAL_REOPEN_WINDOW_DAYS"]),
        own_steps=own_steps_refusal(detail) is not None,
        overdue=is_overdue(detail.summary),
        article_html=article_html,
        categories=_category_titles(),
        stores=services().catalog.store_names(),
        priority_shown=_priority_shown(),
        approval=approval,
        bundle_parts=_bundle_parts(detail.summary.ticket_id),
        bundle_parent=_bundle_parent(detail.summary.ticket_id),
    ), status


def _bundle_parts(ticket_id: int) -> Sequence[PartView] | None:
    """The parts of a bundle request the customer may see (on its parent's page); ``None``
    for any other request, or when the store cannot be read (the page goes on without
    them)."""
    port = services().bundles
    if port is None:
        return None
    try:
        return port.parts(ticket_id, current_language(), current_customer())
    except Exception:  # noqa: BLE001 - the page goes on without the parts
        return None


def _listed_bundles(ticket_ids: Sequence[int]) -> ListedBundles:
    """What the bundles among a list's rows add to them (nothing when the store cannot be
    read: the list goes on with its rows as they are)."""
    port = services().bundles
    if port is None:
        return ListedBundles()
    try:
        return port.listed(current_customer(), ticket_ids, current_language())
    except Exception:  # noqa: BLE001 - the list goes on without the parts
        return ListedBundles()


def _bundle_parent(ticket_id: int) -> ParentLink | None:
    """The bundle request ``ticket_id`` is a part of, if the customer may see it."""
    return _listed_bundles([ticket_id]).parents.get(ticket_id)


def _waiting_approval(summary: TicketSummary) -> ApprovalView | None:
    """The request's approval while it waits for it (``waiting_for``: who, in words); else
    ``None``. A store that cannot be read shows no line, never an error."""
    port = services().approvals
    if port is None:
        return None
    try:
        found = port.for_ticket(summary.ticket_id, current_language())
    except Exception:  # noqa: BLE001 - the page goes on without the line
        return None
    if found is None or found.decision is not None or summary.state_type == "closed":
        return None
    return found


@bp.get("/<int:ticket_id>")
@login_required
def detail(ticket_id: int) -> ResponseReturnValue:
    """One request with its public articles (and a reply or reason back from a correction)."""
    reply_form, reopen_form = ReplyForm(formdata=None), ReopenForm(formdata=None)
    restore(f"reply:{ticket_id}", reply_form) or restore(f"reopen:{ticket_id}", reopen_form)
    return render_detail(ticket_id, reply=reply_form, reopen=reopen_form)


def _corrected(key: str, form: ReplyForm | ReopenForm, ticket_id: int,
               anchor: str) -> ResponseReturnValue:
    """Back to the request page with the form's answers and messages (post/redirect/get,
    :mod:`radiant_ext.portal.drafts`), or the page at once when they are too long to keep."""
    if keep(f"{key}:{ticket_id}", form):
        return redirect(url_for("requests.detail", ticket_id=ticket_id, _anchor=anchor), 303)
    if key == "reply":
        return render_detail(ticket_id, reply=form, status=400)
    return render_detail(ticket_id, reopen=form, status=400)


@bp.get("/<int:ticket_id>/files/<int:article_id>/<int:file_id>")
@login_required
def attachment(ticket_id: int, article_id: int, file_id: int) -> ResponseReturnValue:
    """Download an attachment of a public article of a visible request."""
    data = services().tickets.attachment(current_customer(), ticket_id, article_id, file_id)
    response = send_file(
        io.BytesIO(data.content),
        mimetype=data.content_type or "application/octet-stream",
        as_attachment=True,
        # Znuny keeps file names as mailed: no CR/LF or quotes reach the header.
        download_name=clean_filename(data.filename),
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.post("/<int:ticket_id>/reply")
@login_required
def reply(ticket_id: int) -> ResponseReturnValue:
    """Add the customer's message to the request."""
    form = ReplyForm()
    detail = services().tickets.get(current_customer(), ticket_id)  # 404 before uploads
    if detail.summary.state_type == "closed":
        flash(gettext("This request is closed. Reopen it to add a message."), "error")
        return redirect(url_for("requests.detail", ticket_id=ticket_id))
    if not form.validate_on_submit():
        return _corrected("reply", form, ticket_id, "reply-title")
    files, problems = read_uploads(request.files.getlist(form.attachments.name))
    if problems:
        form.attachments.errors = [*form.attachments.errors, *problems]
        return _corrected("reply", form, ticket_id, "reply-title")
    services().tickets.reply(current_customer(), ticket_id, form.body.data, files)
    flash(gettext("Your message was added."), "success")
    return redirect(url_for("requests.detail", ticket_id=ticket_id))


def _confirm_close(ticket_id: int) -> ResponseReturnValue:
    """Ask before closing: closing tells the help desk the problem is solved."""
    detail = services().tickets.get(current_customer(), ticket_id)
    if detail.summary.state_type == "closed" or own_steps_refusal(detail) is not None:
        return redirect(url_for("requests.detail", ticket_id=ticket_id))
    return render_template(
        "requests/close.html", ticket=detail,
        window=current_app.config["PORTAL_REOPEN_WINDOW_DAYS"],
    )


# One rule for both methods: with a rule per method, a number too long for an int made
# Werkzeug answer 405 instead of 404.
@bp.route("/<int:ticket_id>/close", methods=["GET", "POST"])
@login_required
def close(ticket_id: int) -> ResponseReturnValue:
    """GET: ask first (:func:`_confirm_close`). POST: close the request once the customer
    confirmed it; a POST without the confirmation (an old page, a stray click) is asked again."""
    if request.method == "GET":
        return _confirm_close(ticket_id)
    # CSRFProtect has already checked the token of this POST.
    detail = services().tickets.get(current_customer(), ticket_id)
    if request.form.get("confirm") != "yes":
        return redirect(url_for("requests.close", ticket_id=ticket_id))
    refusal = own_steps_refusal(detail)  # its workflow says where it goes
    if refusal is not None:
        flash(refusal, "error")
    elif detail.summary.state_type != "closed":
        services().tickets.close(current_customer(), ticket_id)
        flash(gettext("The request is marked as solved and closed."), "success")
    return redirect(url_for("requests.detail", ticket_id=ticket_id))


# The step id is checked against the workflow (moves.make_move), never trusted.
bp.add_url_rule("/<int:ticket_id>/move/<to>", view_func=login_required(moves.move),
                methods=["POST"])


@bp.post("/<int:ticket_id>/reopen")
@login_required
def reopen(ticket_id: int) -> ResponseReturnValue:
    """Reopen a closed request within the configured window."""
    form = ReopenForm()
    detail = services().tickets.get(current_customer(), ticket_id)
    if not reopen_allowed(detail, current_app.config["PORTAL_REOPEN_WINDOW_DAYS"]):
        flash(gettext("This request can no longer be reopened. Please file a new one."), "error")
        return redirect(url_for("requests.detail", ticket_id=ticket_id))
    refusal = own_steps_refusal(detail)  # its workflow says where it goes
    if refusal is not None:
        flash(refusal, "error")
        return redirect(url_for("requests.detail", ticket_id=ticket_id))
    if not form.validate_on_submit():
        return _corrected("reopen", form, ticket_id, "reopen-title")
    services().tickets.reopen(current_customer(), ticket_id, form.reason.data)
    flash(gettext("The request is open again."), "success")
    return redirect(url_for("requests.detail", ticket_id=ticket_id))


def init_app(app: Flask) -> None:
    """Register the request pages."""
    app.register_blueprint(bp)
