"""Guest feedback: a store's public page, its poster, and the admin's switch per store.

* ``/feedback/<store>`` (``/feedback/web`` for the web shop): a short form for shoppers
  without an account. It files a ticket of the customer service catalog's
  ``customer-service.shopper-feedback`` item through the outbox, so nothing is lost while
  Znuny is down, and shows the reference only — never a ticket. Off unless an admin enabled
  the store's page (404 otherwise).
* ``/feedback/<store>/poster`` and ``/feedback/<store>/poster.svg``: a printable poster with a
  QR code of the page's public address (``RADIANT_PUBLIC_URL``).
* ``/admin/feedback``: companion admins and admins of customer service switch each store's
  page on or off, with the history of changes.

Routing (queue, service, type, priority, owner) comes from the catalog item through the
plugins, never from the form. See ``docs/feedback.md``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import Engine
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from radiant_ext.portal.auth import client_address
from radiant_ext.portal.feedback.forms import (
    CONTACT_EMAIL,
    CONTACT_NONE,
    CONTACT_PHONE,
    FeedbackForm,
    StoreSwitchForm,
)
from radiant_ext.portal.feedback.limits import FeedbackLimiter
from radiant_ext.portal.i18n import current_language, format_when
from radiant_ext.portal.ports import (
    AttachmentData,
    CatalogItemView,
    Customer,
    InvalidReference,
    RequestDraft,
    RoutingPreview,
)
from radiant_ext.portal.services import services
from radiant_ext.portal.uploads import read_uploads

__all__ = ["FEEDBACK_ITEM", "SHOPPERS", "WEB_SHOP", "blueprint", "init_feedback"]

FEEDBACK_ITEM = "customer-service.shopper-feedback"
"""The catalog item every guest feedback is filed as (its routing decides the ticket)."""
SHOPPERS = "shoppers"
"""The customer company of guest feedback (the item is offered to it alone)."""
WEB_SHOP = "web"
"""The page of the web shop: ``/feedback/web``; its tickets carry ``RadiantStore`` = web."""
DEPARTMENT = "customer-service"

PHOTO_TYPES = ("jpg", "jpeg", "png", "webp")
_PHOTO_MAGIC: tuple[tuple[bytes, int], ...] = (
    (b"\xff\xd8\xff", 0), (b"\x89PNG\r\n\x1a\n", 0), (b"WEBP", 8))
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")
_HTML = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISSUED = "feedback_references"
_KEEP_ISSUED = 10
_SENT = "feedback_sent"

blueprint = Blueprint("feedback", __name__, static_folder="static",
                      static_url_path="/feedback-static")


def _(text: str, **values: Any) -> str:
    return str(gettext(text, **values))


# -- the app's parts -------------------------------------------------------------------------

@dataclass
class FeedbackState:
    """What the feedback pages share in one app: the store's engine and the limiter."""

    engine: Engine
    limiter: FeedbackLimiter


def init_feedback(app: Flask, engine: Engine | None) -> None:
    """Register the feedback pages on ``app`` over the store's ``engine`` (``None``: every
    feedback page answers 404, as when no store is enabled)."""
    engine = engine or app.config.get("FEEDBACK_ENGINE")
    state = None
    if engine is not None:
        clock = cast(Callable[[], float], app.config.get("FEEDBACK_CLOCK") or time.time)
        state = FeedbackState(engine, FeedbackLimiter(
            engine, per_address=app.config["PORTAL_FEEDBACK_PER_ADDRESS"],
            per_store=app.config["PORTAL_FEEDBACK_PER_STORE"],
            window=app.config["PORTAL_FEEDBACK_WINDOW_SECONDS"], clock=clock))
    app.extensions["radiant_feedback"] = state
    app.register_blueprint(blueprint)


def _state() -> FeedbackState | None:
    return cast(FeedbackState | None, current_app.extensions.get("radiant_feedback"))


def _store_names() -> dict[str, str]:
    names = {WEB_SHOP: _("Web shop")}
    names.update(services().catalog.store_names())
    return names


def _enabled(state: FeedbackState, store: str) -> bool:
    from radiant_ext.store import session_scope
    from radiant_ext.store.feedback import is_feedback_enabled

    with session_scope(state.engine) as s:
        return is_feedback_enabled(s, store)


def _page_or_404(store: str, *, admin_preview: bool = False) -> tuple[FeedbackState, str] | None:
    """The state and the store's name when its page is open (or an admin looks)."""
    state = _state()
    if state is None:
        return None
    name = _store_names().get(store)
    if name is None:
        return None
    if not _enabled(state, store) and not (admin_preview and _admin_may()):
        return None
    return state, name


def _closed() -> ResponseReturnValue:
    """The plain page of a store without a feedback page (or an unknown store)."""
    return render_template("feedback/closed.html"), 404


def _guest(email: str) -> Customer | None:
    """The Znuny customer of this feedback: the shopper's e-mail address, else the
    configured guest customer (``None``: there is none)."""
    if email:
        return Customer(login=email, customer_id=SHOPPERS, full_name=email, email=email)
    guest = current_app.config.get("PORTAL_FEEDBACK_GUEST_CUSTOMER")
    if not guest:
        return None
    return Customer(login=str(guest), customer_id=SHOPPERS, full_name=_("Shopper"),
                    email=str(guest))


def _item(customer: Customer) -> CatalogItemView | None:
    return services().catalog.item(FEEDBACK_ITEM, customer, current_language())


# -- the public form ---------------------------------------------------------------------------

def _issue_reference() -> str:
    reference = services().submissions.new_reference()
    session[_ISSUED] = [*session.get(_ISSUED, ())][-(_KEEP_ISSUED - 1):] + [reference]
    return reference


@blueprint.route("/feedback/<store>", methods=["GET", "POST"])
def page(store: str) -> ResponseReturnValue:
    """The store's public feedback form; on POST check, file through the outbox, confirm."""
    found = _page_or_404(store)
    if found is None:
        return _closed()
    state, name = found
    anonymous_ok = bool(current_app.config.get("PORTAL_FEEDBACK_GUEST_CUSTOMER"))
    if _item(Customer(login="guest", customer_id=SHOPPERS)) is None:
        return _closed()  # customer service's catalog (or the item) is switched off
    form = FeedbackForm()
    if not anonymous_ok:
        form.contact.choices = [c for c in form.contact.choices if c.value == CONTACT_EMAIL]
    status = 200
    if request.method == "GET":
        form.reference.data = _issue_reference()
    else:
        answer = _post(state, store, name, form, anonymous_ok)
        if answer is not None:
            return answer
        status = 400
    return _form_page(form, store, name, anonymous_ok), status


def _form_page(form: FeedbackForm, store: str, name: str, anonymous_ok: bool) -> str:
    return render_template(
        "feedback/form.html", form=form, store=store, store_name=name,
        anonymous_ok=anonymous_ok, max_chars=current_app.config["PORTAL_FEEDBACK_MAX_CHARS"],
        photo_mb=max(1, current_app.config["PORTAL_FEEDBACK_PHOTO_BYTES"] // (1024 * 1024)))


def _refused(message: str, status: int, retry_after: int | None = None) -> ResponseReturnValue:
    response = current_app.make_response(
        (render_template("feedback/refused.html", message=message), status))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@blueprint.errorhandler(CSRFError)
def _expired(exc: CSRFError) -> ResponseReturnValue:
    """A form without its token (or an old one): the guest's own page says so, plainly."""
    return _refused(_("The form has expired. Please reload the page and send it again."), 400)


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> ResponseReturnValue:
    return _refused(_("The photo is too large. Please send a smaller one."), 413)


def _post(state: FeedbackState, store: str, name: str, form: FeedbackForm,
          anonymous_ok: bool) -> ResponseReturnValue | None:
    """Handle a sent form: a response, or ``None`` to show the form again with its errors."""
    if not form.validate_on_submit():
        if form.csrf_token.errors:  # an expired or foreign form: a fresh one, say so
            form.form_errors.append(_("The form has expired. Please send it again."))
        if form.reference.errors:
            form.reference.data = _issue_reference()
        _check_fields(form, anonymous_ok)  # say everything that is wrong at once
        return None
    if (form.nickname.data or "").strip():
        current_app.logger.info("guest feedback refused: the hidden field was filled in")
        return _refused(_("Your feedback could not be accepted. If you are a person, please "
                          "reload the page and send it again."), 400)
    address = client_address()
    refusal = state.limiter.refusal(address, store)
    if refusal is not None:
        message = (_("You have sent a lot of feedback in a short time. Please try again later.")
                   if refusal == "address" else
                   _("This page has received a lot of feedback in a short time. Please try "
                     "again later."))
        return _refused(message, 429, state.limiter.window)
    if not _check_fields(form, anonymous_ok):
        return None
    if form.reference.data not in session.get(_ISSUED, ()):
        form.form_errors.append(_("This form has expired. Please check it and send it again."))
        form.reference.data = _issue_reference()
        return None
    photo = _read_photo(form)
    if isinstance(photo, bool):
        return None
    return _file(state, store, name, form, photo, address)


def _check_fields(form: FeedbackForm, anonymous_ok: bool) -> bool:
    """The checks of the form's text and contact; errors go on the form."""
    ok = True
    text = form.message.data or ""
    most = current_app.config["PORTAL_FEEDBACK_MAX_CHARS"]
    if len(text) > most:
        form.message.errors = [*form.message.errors, _(
            "Please keep it to %(count)d characters (now %(now)d).", count=most, now=len(text))]
        ok = False
    elif _HTML.search(text) or _CONTROL.search(text):
        form.message.errors = [*form.message.errors, _(
            "Please write plain text, without HTML.")]
        ok = False
    elif text and len(text.strip()) < 10:
        form.message.errors = [*form.message.errors, _(
            "Please tell us a little more (at least 10 characters).")]
        ok = False
    contact = form.contact.data
    email = (form.email.data or "").strip()
    phone = (form.phone.data or "").strip()
    if contact == CONTACT_EMAIL and not _EMAIL.match(email):
        form.email.errors = [*form.email.errors, _(
            "Give your e-mail address, e.g. name@example.com, so that we can answer you.")]
        ok = False
    if contact == CONTACT_PHONE and not _PHONE.match(phone):
        form.phone.errors = [*form.phone.errors, _(
            "Give your phone number, e.g. +7 912 345-67-89, so that we can call you back.")]
        ok = False
    if contact != CONTACT_EMAIL and not anonymous_ok:  # only e-mail is offered
        form.contact.errors = [_("Please give your e-mail address.")]
        ok = False
    if (form.order.data or "") and (_HTML.search(form.order.data) or _CONTROL.search(
            form.order.data)):
        form.order.errors = [*form.order.errors, _("Please write plain text, without HTML.")]
        ok = False
    return ok and not form.errors


def _read_photo(form: FeedbackForm) -> AttachmentData | None | bool:
    """The photo, ``None`` without one, or ``False`` with the problem on the form (never
    ``True``)."""
    files = [f for f in request.files.getlist(form.photo.name) if f and f.filename]
    if not files:
        return None
    if len(files) > 1:
        form.photo.errors = [*form.photo.errors, _("Attach one photo.")]
        return False
    read, problems = read_uploads(files[:1], PHOTO_TYPES)
    if problems:
        form.photo.errors = [*form.photo.errors, *problems]
        return False
    photo = read[0]
    limit = current_app.config["PORTAL_FEEDBACK_PHOTO_BYTES"]
    if len(photo.content) > limit:
        form.photo.errors = [*form.photo.errors, _(
            "The photo is larger than %(size)s MB. Please send a smaller one.",
            size=f"{limit / (1024 * 1024):.0f}")]
        return False
    if not any(photo.content[at:at + len(magic)] == magic for magic, at in _PHOTO_MAGIC):
        form.photo.errors = [*form.photo.errors, _(
            "This file is not a JPEG, PNG or WebP photo.")]
        return False
    return photo


def _values(form: FeedbackForm, store: str, photo: AttachmentData | None) -> dict[str, str]:
    values = {"topic": form.topic.data or "",
              "message": (form.message.data or "").strip().replace("\r\n", "\n")}
    if store != WEB_SHOP:
        values["store"] = store
    for key in ("order", "email", "phone"):
        value = (getattr(form, key).data or "").strip()
        shown = (key == "order" or (key == "email" and form.contact.data == CONTACT_EMAIL)
                 or (key == "phone" and form.contact.data == CONTACT_PHONE))
        if value and shown:
            values[key] = value
    if photo is not None:
        values["photo"] = photo.filename
    return values


def _body(item: CatalogItemView, values: Mapping[str, str], store_name: str,
          contact: str) -> str:
    """The ticket's first article, plain text: what the shopper wrote, then one line each."""
    labels = {spec.name: spec.label for spec in item.fields}
    options = {spec.name: dict(spec.choices) for spec in item.fields}
    lines = [f"{labels.get('store', 'Store')}: {store_name}"]
    if values.get("topic"):
        topic = values["topic"]
        lines.append(f"{labels.get('topic', 'Topic')}: "
                     f"{options.get('topic', {}).get(topic, topic)}")
    for key in ("order", "email", "phone", "photo"):
        if values.get(key):
            lines.append(f"{labels.get(key, key)}: {values[key]}")
    if contact == CONTACT_NONE:
        lines.append(_("The shopper wants no answer (anonymous)."))
    lines.append(_("Sent from the store's public feedback page, without a login."))
    return values["message"] + "\n\n" + "\n".join(lines)


def _file(state: FeedbackState, store: str, name: str, form: FeedbackForm,
          photo: AttachmentData | None, address: str) -> ResponseReturnValue | None:
    values = _values(form, store, photo)
    customer = _guest(values.get("email", ""))
    if customer is None:
        form.contact.errors = [*form.contact.errors, _("Please give your e-mail address.")]
        return None
    item = _item(customer)
    if item is None:
        return _closed()
    problems = services().catalog.validate(item, customer, values, current_language())
    for field, message in problems.items():
        target = getattr(form, field, None) if field != "store" else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)
    if problems:
        return None
    routing = services().catalog.route(item, customer, values)
    if store == WEB_SHOP and routing.decision is not None:
        routing = RoutingPreview(routing.deadline,
                                 routing.decision.model_copy(update={"store_id": WEB_SHOP}),
                                 routing.time_zone)
    draft = RequestDraft(
        request_id=form.reference.data, customer=customer, item=item,
        title=f"{item.title}: {name}"[:255],
        body=_body(item, values, name, form.contact.data),
        fields=values, routing=routing, attachments=[photo] if photo else [],
        language=current_language())
    try:
        receipt = services().submissions.submit(draft)
    except InvalidReference:
        form.form_errors.append(_("This form has expired. Please check it and send it again."))
        form.reference.data = _issue_reference()
        return None
    done = [*session.get(_SENT + "_refs", ())]
    if receipt.reference not in done:  # a double click files nothing twice, counts once
        state.limiter.record(address, store)
        session[_SENT + "_refs"] = done[-(_KEEP_ISSUED - 1):] + [receipt.reference]
    session[_SENT] = {"reference": receipt.reference, "store": store,
                      "contact": form.contact.data}
    return redirect(url_for("feedback.sent", store=store))


@blueprint.get("/feedback/<store>/sent")
def sent(store: str) -> ResponseReturnValue:
    """The confirmation: the reference to keep, and how the answer will come."""
    done = session.get(_SENT)
    if not isinstance(done, dict) or done.get("store") != store:
        return redirect(url_for("feedback.page", store=store))
    name = _store_names().get(store, store)
    return render_template("feedback/sent.html", reference=done["reference"], store=store,
                           store_name=name, contact=done.get("contact"))


# -- the poster --------------------------------------------------------------------------------

def public_page_url(store: str) -> tuple[str, bool]:
    """The address a store's poster points at, and whether it comes from the settings
    (``RADIANT_PUBLIC_URL``) rather than from the address this page was opened with."""
    base = str(getattr(current_app.config.get("RADIANT_SETTINGS"), "public_url", "") or "")
    # app-relative, as the rating links are: RADIANT_PUBLIC_URL holds any path prefix
    path = url_for("feedback.page", store=store).removeprefix(request.script_root)
    if base:
        return base.rstrip("/") + path, True
    return url_for("feedback.page", store=store, _external=True), False


def qr_path(text: str) -> tuple[str, int]:
    """An SVG path of ``text``'s QR code (one unit a module, no quiet zone) and its size."""
    import segno

    code = segno.make(text, error="m", micro=False)
    parts = []
    for y, row in enumerate(code.matrix_iter(border=0)):
        for x, dark in enumerate(row):
            if dark:
                parts.append(f"M{x} {y}h1v1h-1z")
    width = int(code.symbol_size(border=0)[0])
    return "".join(parts), width


def poster_svg(store_name: str, url: str) -> str:
    """An A4 poster (SVG, 210 × 297 mm) with the QR code of ``url``."""
    path, size = qr_path(url)
    scale = 130 / size
    heading, lead, scan = (_("How did we do?"),
                           _("Tell us about your visit. No account needed."),
                           _("Scan the code with your phone's camera"))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297" role="img" font-family="Arial, Helvetica, sans-serif">'
        f'<title>{escape(heading)} {escape(store_name)}</title>'
        '<rect width="210" height="297" fill="#ffffff"/>'
        '<rect x="0" y="0" width="210" height="12" fill="#1d4e89"/>'
        f'<text x="105" y="42" font-size="16" font-weight="bold" text-anchor="middle" '
        f'fill="#111111">{escape(heading)}</text>'
        f'<text x="105" y="56" font-size="7.5" text-anchor="middle" fill="#111111">'
        f'{escape(lead)}</text>'
        f'<text x="105" y="72" font-size="8" font-weight="bold" text-anchor="middle" '
        f'fill="#1d4e89">{escape(store_name)}</text>'
        f'<rect x="33" y="82" width="144" height="144" fill="#ffffff"/>'
        f'<g transform="translate(40 89) scale({scale:.5f})">'
        f'<path d="{path}" fill="#000000" shape-rendering="crispEdges"/></g>'
        f'<text x="105" y="242" font-size="7" text-anchor="middle" fill="#111111">'
        f'{escape(scan)}</text>'
        f'<text x="105" y="254" font-size="5" text-anchor="middle" fill="#333333">'
        f'{escape(url)}</text>'
        '<rect x="0" y="285" width="210" height="12" fill="#1d4e89"/>'
        '</svg>')


@blueprint.get("/feedback/<store>/poster.svg")
def poster(store: str) -> ResponseReturnValue:
    """The store's poster as SVG (prints on A4)."""
    found = _page_or_404(store, admin_preview=True)
    if found is None:
        return _closed()
    url, _configured = public_page_url(store)
    response = Response(poster_svg(found[1], url), mimetype="image/svg+xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="poster-{store}.svg"'
    return response


@blueprint.get("/feedback/<store>/poster")
def poster_page(store: str) -> ResponseReturnValue:
    """The poster on a page that prints on one A4 sheet (the browser saves it as PDF)."""
    found = _page_or_404(store, admin_preview=True)
    if found is None:
        return _closed()
    url, configured = public_page_url(store)
    return render_template("feedback/poster.html", store=store, store_name=found[1], url=url,
                           configured=configured)


# -- the admin's switch --------------------------------------------------------------------------

def _admin_may() -> bool:
    from radiant_ext.portal.admin import current_admin

    role = current_admin()
    return role is not None and role.may(DEPARTMENT)


def _admin_or_response() -> Any:
    from radiant_ext.portal.admin import current_admin
    from radiant_ext.reports.views import current_agent

    role = current_admin()
    if role is not None and role.may(DEPARTMENT):
        return role
    if current_agent() is None:
        return redirect(url_for("admin.login", next="/admin/feedback"))
    reason = (_("You are not an admin of the department %(department)s.",
                department=DEPARTMENT) if role is not None else
              _("Your agent account is not an admin of any department. The companion's "
                "administrator names department admins in the [admin] settings."))
    return render_template("admin/refused.html", reason=reason, role=role), 403


@blueprint.route("/admin/feedback", methods=["GET", "POST"])
def admin() -> ResponseReturnValue:
    """Each store's public feedback page: on or off, its poster, the history of changes."""
    from radiant_ext.portal.admin import AdminRole
    from radiant_ext.store import session_scope
    from radiant_ext.store.feedback import (
        feedback_history,
        feedback_states,
        set_feedback_enabled,
    )

    role = _admin_or_response()
    if not isinstance(role, AdminRole):
        return cast(ResponseReturnValue, role)
    state = _state()
    if state is None:
        abort(503)
    names = _store_names()
    form = StoreSwitchForm()
    if request.method == "POST":
        if form.validate_on_submit() and form.store.data in names:
            with session_scope(state.engine) as s:
                changed = set_feedback_enabled(s, form.store.data, bool(form.enabled.data),
                                               actor=role.login)
            flash(_("Saved.") if changed else _("Nothing changed."), "ok")
            return redirect(url_for("feedback.admin"))
        flash(_("Nothing changed."), "error")
        return redirect(url_for("feedback.admin"))
    with session_scope(state.engine) as s:
        states = feedback_states(s)
        history = feedback_history(s)
    rows = [{"id": store, "name": names[store], "enabled": states.get(store, False)}
            for store in [WEB_SHOP, *sorted(k for k in names if k != WEB_SHOP)]]
    changes = [{"at": format_when(c.at), "actor": c.actor, "store": names.get(c.store, c.store),
                "enabled": c.enabled} for c in history]
    guest = current_app.config.get("PORTAL_FEEDBACK_GUEST_CUSTOMER")
    return render_template("feedback/admin.html", rows=rows, history=changes, role=role,
                           guest=guest)
