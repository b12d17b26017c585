"""Home (catalog tiles and search), the request form, and the confirmation page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from itsdangerous import BadData, URLSafeTimedSerializer

from radiant_ext.portal.auth import current_customer, login_required
from radiant_ext.portal.catalog.forms import (
    FIELD_PREFIX,
    RequestForm,
    build_request_form,
    field_values,
)
from radiant_ext.portal.catalog.ranking import MAX_QUERY, Match, other_languages, rank
from radiant_ext.portal.drafts import keep, restore
from radiant_ext.portal.i18n import current_language, format_deadline
from radiant_ext.portal.ports import (
    AttachmentData,
    CatalogItemView,
    DepartmentView,
    InvalidReference,
    RequestDraft,
    SubmissionReceipt,
)
from radiant_ext.portal.services import request_resource, services
from radiant_ext.portal.uploads import read_uploads

__all__ = ["bp", "init_app", "offered_departments", "search_departments", "search_matches"]

bp = Blueprint("catalog", __name__)


def search_departments(departments: Sequence[DepartmentView], query: str,
                       translated: Sequence[Sequence[DepartmentView]] = ()) -> list[DepartmentView]:
    """Departments with only the items the catalog search finds for ``query``, the best
    department and item first (:mod:`radiant_ext.portal.catalog.ranking`); departments left
    empty are dropped. ``translated``: the same catalog in the other languages."""
    if not query.strip():
        return list(departments)
    found: dict[str, list[CatalogItemView]] = {}
    for match in rank(departments, query, limit=None, translated=translated):
        found.setdefault(match.department.id, []).append(match.item)
    by_id = {d.id: d for d in departments}
    return [DepartmentView(d, by_id[d].title, items, by_id[d].description)
            for d, items in found.items()]


def search_matches(query: str, limit: int = 10) -> list[Match]:
    """The items offered to the logged-in customer that match ``query``, best first, each
    with its department; texts in every language are searched."""
    customer, language = current_customer(), current_language()
    translated = [services().catalog.departments(customer, lang)
                  for lang in other_languages(language)]
    return rank(offered_departments(), query, limit=limit, translated=translated)


def offered_departments() -> list[DepartmentView]:
    """This request's catalog for the logged-in customer, asked for once per request."""
    return request_resource(
        "departments",
        lambda: services().catalog.departments(current_customer(), current_language()),
        lambda _departments: None,
    )


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    """The catalogs of the departments enabled for this customer, searchable.

    A customer of a company the catalogs do not know (not in the store directory, named by no
    item) sees the requests open to everyone and a note saying why, never an empty page.
    """
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    results = search_matches(query) if query else []
    shown = [] if query else offered_departments()  # a search shows its ranked results
    customer = current_customer()
    unknown = None if services().catalog.knows_company(customer) \
        else customer.customer_id or customer.login
    return render_template("catalog/home.html", departments=shown, query=query,
                           results=results, unknown_company=unknown)


def _item_or_404(item_id: str) -> CatalogItemView:
    item = services().catalog.item(item_id, current_customer(), current_language())
    if item is None:
        abort(404)
    return item


@bp.route("/new/<item_id>", methods=["GET", "POST"])
@login_required
def request_form(item_id: str) -> ResponseReturnValue:
    """The form of one catalog item; on POST recalculate the promise, or validate, route
    and submit.

    The promise shown is the one kept: the deadline is computed for the moment the form was
    opened (signed into the form), from the answers the customer gave. "Recalculate" shows
    the promise for the current answers without sending; a request whose answers changed the
    promise since it was last shown is not sent but shown again with the new promise.
    """
    item = _item_or_404(item_id)
    form = build_request_form(item)()
    kept = request.method == "GET" and restore(_draft_key(item_id), form)
    opened = _opened_at(form, kept)
    status = 200
    if request.method == "GET":
        if not kept:  # a form back from a correction keeps its reference and answers
            form.request_id.data = _issue_reference()
            # the description typed on "I can't find it" comes along (catalog/cant_find.html)
            form.description.data = request.args.get("text", "").strip()[:10000] or None
    elif request.form.get("recalculate"):
        form.form_errors.clear()
    elif form.validate_on_submit():
        if form.request_id.data not in session.get(_ISSUED, ()):
            _refuse_reference(form)
        else:
            try:
                answer = _submit(item, form, opened)
            except InvalidReference:
                _refuse_reference(form)
                answer = None
            if answer is not None:
                return answer
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "POST" and not wants_json and keep(_draft_key(item_id), form):
        # post/redirect/get: Back and reload never offer to send the form again (drafts.py)
        return redirect(url_for("catalog.request_form", item_id=item_id), 303)
    if request.method == "POST" and (form.errors or form.form_errors):
        status = 400
    preview = services().catalog.route(item, current_customer(), _answers(form, item), opened)
    form.promised.data = _promise_text(preview.deadline)
    if request.form.get("recalculate") and request.accept_mimetypes.best == "application/json":
        return jsonify(promise=_promise_sentence(preview.deadline, preview.time_zone),
                       promised=form.promised.data, opened=form.opened.data)
    return render_template(
        "catalog/form.html", item=item, form=form, deadline=preview.deadline,
        zone=preview.time_zone, prefix=FIELD_PREFIX,
    ), status


_OPENED_SALT = "radiant-request-form-opened"
_OPENED_MAX_AGE = 2 * 3600
"""How long a form's promise is kept; an older form is promised from the moment it is sent."""


def _draft_key(item_id: str) -> str:
    return f"new:{item_id}"


def _opened_at(form: RequestForm, kept: bool = False) -> datetime:
    """When this form was first opened (signed into it), or now for a new or stale form;
    ``kept``: the form came back from a correction with its answers."""
    serializer = URLSafeTimedSerializer(current_app.secret_key or "", salt=_OPENED_SALT)
    now = datetime.now(UTC)
    token = form.opened.data if request.method == "POST" or kept else None
    try:
        stamp = serializer.loads(token, max_age=_OPENED_MAX_AGE) if token else None
    except BadData:
        stamp = None
    opened = datetime.fromtimestamp(float(stamp), UTC) if isinstance(stamp, int | float) \
        and float(stamp) <= now.timestamp() else now
    form.opened.data = serializer.dumps(opened.timestamp())
    return opened


def _promise_sentence(deadline: datetime | None, zone: str | None) -> str:
    """The promise as the form shows it (the page's script updates it with this)."""
    if deadline is None:
        return str(gettext("We will answer as soon as we can."))
    return str(gettext("Expected by %(when)s", when=format_deadline(deadline, zone)))


def _promise_text(deadline: datetime | None) -> str:
    return deadline.astimezone(UTC).isoformat(timespec="seconds") if deadline else ""


def _answers(form: RequestForm, item: CatalogItemView) -> Mapping[str, str]:
    """The answers given so far (a field that does not parse yet counts as unanswered)."""
    try:
        return field_values(form, item)
    except (TypeError, ValueError):
        return {}


_ISSUED = "issued_references"
_KEEP_ISSUED = 20
"""References issued to one login session that a form may still submit (open tabs)."""


def _issue_reference() -> str:
    """A new request reference for a form, remembered in the customer's signed session.

    Only a reference issued here can be submitted: a customer cannot choose one (say,
    another customer's) by editing the form. A double click submits the same one again and
    gets the first answer.
    """
    reference = services().submissions.new_reference()
    session[_ISSUED] = [*session.get(_ISSUED, ())][-(_KEEP_ISSUED - 1):] + [reference]
    return reference


def _refuse_reference(form: RequestForm) -> None:
    form.form_errors.append(gettext(
        "This form was opened in another session or has expired. Please check your "
        "answers and submit it again."))
    form.request_id.data = _issue_reference()


def _item_errors(form: RequestForm, item: CatalogItemView, values: Mapping[str, str]) -> bool:
    problems = services().catalog.validate(
        item, current_customer(), values, current_language()
    )
    for name, message in problems.items():
        key = FIELD_PREFIX + name
        if key in form:
            form[key].errors = [*form[key].errors, message]
        else:  # a rule about the request as a whole, or a field the form does not show
            form.form_errors.append(message)
    return bool(problems)


def _read_files(
    form: RequestForm, item: CatalogItemView, values: dict[str, str]
) -> tuple[list[AttachmentData], bool]:
    """Read the item's file fields and the general attachments; record problems on the form."""
    files: list[AttachmentData] = []
    failed = False
    targets = [(form.attachments, ())] + [
        (form[FIELD_PREFIX + spec.name], spec.extensions)
        for spec in item.fields if spec.kind == "file"
    ]
    for field, extensions in targets:
        read, problems = read_uploads(request.files.getlist(field.name), extensions)
        if problems:
            field.errors = [*field.errors, *problems]
            failed = True
        if field is not form.attachments and read:
            values[field.name[len(FIELD_PREFIX):]] = ", ".join(f.filename for f in read)
        files.extend(read)
    most = current_app.config["PORTAL_MAX_ATTACHMENTS"]
    if len(files) > most:
        form.form_errors.append(gettext("Attach at most %(count)d files.", count=most))
        failed = True
    return files, failed


def _submit(item: CatalogItemView, form: RequestForm,
            opened: datetime) -> ResponseReturnValue | None:
    values = dict(field_values(form, item))
    attachments, failed = _read_files(form, item, values)
    if _item_errors(form, item, values) or failed:
        return None
    customer = current_customer()
    routing = services().catalog.route(item, customer, values, opened)
    shown = form.promised.data
    if shown is not None and shown != _promise_text(routing.deadline):
        form.form_errors.append(gettext(
            "Your answers change when we can promise to deal with this request. Please "
            "check the new expected time below and send the request again."))
        return None
    draft = RequestDraft(
        request_id=form.request_id.data,
        customer=customer,
        item=item,
        title=item.title,
        body=_compose_body(item, form.description.data or "", values),
        fields=values,
        routing=routing,
        attachments=attachments,
        language=current_language(),
    )
    if not _file_bundle(form, draft):
        return None
    if item.approval_state is not None and not _file_approval(form, draft):
        return None
    receipt = services().submissions.submit(draft)
    _remember(receipt, item, routing.time_zone)
    return redirect(url_for("catalog.submitted", reference=receipt.reference))


def _file_approval(form: RequestForm, draft: RequestDraft) -> bool:
    """Record who approves ``draft`` before it is filed; ``False`` (a form error) when
    nobody can (docs/portal.md, "Approvals")."""
    from radiant_ext.plugins.approval import NoApproverError

    port = services().approvals
    if port is None:
        form.form_errors.append(gettext("This request needs an approval, which this portal "
                                        "cannot take. Please ask your administrator."))
        return False
    try:
        port.file(draft)
    except NoApproverError as exc:
        form.form_errors.append(exc.reason.get(current_language()))
        return False
    return True


def _file_bundle(form: RequestForm, draft: RequestDraft) -> bool:
    """Record the parts of a bundle item's request before it is filed; ``False`` (a form
    error, nothing filed) when a part cannot be filed now (docs/portal.md, "Bundles")."""
    from radiant_ext.portal.bundles import PartUnavailable

    port = services().bundles
    if port is None:
        return True
    try:
        port.file(draft)
    except PartUnavailable as exc:
        form.form_errors.append(gettext(
            "The %(department)s part of this request cannot be filed now. Please try again "
            "later or ask your administrator.", department=exc.department))
        return False
    return True


def _compose_body(item: CatalogItemView, description: str, values: Mapping[str, str]) -> str:
    """The first article: the description, then one line per field as the customer saw it."""
    specs = {spec.name: spec for spec in item.fields}
    lines = []
    for name, value in values.items():
        spec = specs.get(name)
        label = spec.label if spec else name
        shown = dict(spec.choices).get(value, value) if spec else value
        joint = " " if label.endswith(("?", ":")) else ": "
        lines.append(f"{label}{joint}{shown}")
    parts = [description.strip(), "\n".join(lines)]
    return "\n\n".join(p for p in parts if p) or item.title


def _remember(receipt: SubmissionReceipt, item: CatalogItemView, zone: str | None) -> None:
    session["receipt"] = {
        "reference": receipt.reference,
        "ticket_number": receipt.ticket_number,
        "ticket_id": receipt.ticket_id,
        "status": receipt.status,
        "unreachable": receipt.unreachable,
        "deadline": receipt.deadline.isoformat() if receipt.deadline else None,
        "zone": zone,
        "title": item.title,
    }


@bp.get("/submitted/<reference>")
@login_required
def submitted(reference: str) -> ResponseReturnValue:
    """The confirmation: ticket number and deadline, or the reference and the promise."""
    receipt = session.get("receipt")
    if not receipt or receipt.get("reference") != reference:
        abort(404)
    if receipt["status"] == "queued":  # being sent: show the number once Znuny has answered
        current = services().submissions.receipt(reference, current_customer())
        if current is not None and (current.status != "queued"
                                    or current.unreachable != receipt.get("unreachable")):
            receipt = {**receipt, "ticket_number": current.ticket_number,
                       "ticket_id": current.ticket_id, "status": current.status,
                       "unreachable": current.unreachable}
            session["receipt"] = receipt
    deadline = datetime.fromisoformat(receipt["deadline"]) if receipt["deadline"] else None
    sending = receipt["status"] == "queued" and not receipt.get("unreachable")
    return render_template("catalog/submitted.html", receipt=receipt, deadline=deadline,
                           sending=sending)


def init_app(app: Flask) -> None:
    """Register the catalog pages, the search endpoint and "I can't find it"."""
    from radiant_ext.portal.catalog import finding  # it builds on this module's helpers

    app.register_blueprint(bp)
    finding.init_app(app)
