"""Login with Znuny customer credentials, logout, and the guard every page passes through.

The GI customer session is created at login and re-checked with SessionGet at most every
``PORTAL_SESSION_CHECK_SECONDS``; when Znuny has forgotten it, the customer is sent back to
the login page, which returns them to the page they were on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from radiant_ext.portal.auth.ratelimit import LoginLimiter
from radiant_ext.portal.navigation import safe_next as _site_next
from radiant_ext.portal.ports import Customer, InvalidCredentials, UpstreamUnavailable
from radiant_ext.portal.services import services, session_store

__all__ = ["bp", "current_customer", "init_app", "login_required"]

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


class LoginForm(FlaskForm):  # type: ignore[misc]
    """The login form."""

    login = StringField(
        lazy_gettext("Login"), validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        lazy_gettext("Password"), validators=[DataRequired(), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


def safe_next(target: str | None) -> str:
    """A local path to return to after login: ``target`` unless it leaves the site or holds
    a control character (CR/LF would split the ``Location`` header)."""
    if target is not None and not target.isprintable():
        return "/"
    return _site_next(target)


def current_customer() -> Customer:
    """The logged-in customer; only valid inside :func:`login_required` views."""
    return cast(Customer, g.customer)


def _login_url_for_here() -> str:
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    if target is None and request.referrer:
        host = request.host_url
        if request.referrer.startswith(host):
            target = "/" + request.referrer[len(host):]
    return url_for("auth.login", next=safe_next(target))


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page, remembering where they wanted to go."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if g.get("customer") is None:
            return redirect(_login_url_for_here())
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _limiter() -> LoginLimiter:
    return cast(LoginLimiter, current_app.extensions["radiant_login_limiter"])


def _load_customer() -> ResponseReturnValue | None:
    """Before each request: find the portal session and, now and then, check it in Znuny."""
    g.customer = None
    key = session.get("sid")
    if not key or request.endpoint == "static":
        return None
    store = session_store()
    entry = store.get(key)
    if entry is None:
        return _session_ended(redirect_back=False)
    now = time.time()
    if now - entry.last_checked < current_app.config["PORTAL_SESSION_CHECK_SECONDS"]:
        if now - entry.last_seen >= current_app.config["PORTAL_SESSION_TOUCH_SECONDS"]:
            store.touch(key)  # idle expiry needs no finer grain than this: one write a minute
    else:
        try:
            alive = services().auth.alive(entry.gi_session_id)
        except UpstreamUnavailable:
            log.warning("cannot check the Znuny session; keeping the portal session")
            store.touch(key)
        else:
            if not alive:
                store.delete(key)
                return _session_ended(redirect_back=True)
            store.touch(key, checked=True)
    g.customer = entry.customer
    return None


def _session_ended(*, redirect_back: bool) -> ResponseReturnValue | None:
    session.pop("sid", None)
    flash(gettext("Your session has ended. Please log in again."), "info")
    return redirect(_login_url_for_here()) if redirect_back else None


def _client_address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the login form; on POST check the credentials with Znuny."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        if g.get("customer") is not None:
            return redirect(form.next.data)
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if form.errors else 200
    login_name = form.login.data.strip()
    address = _client_address()
    if _limiter().blocked(login_name, address):
        form.form_errors.append(
            gettext("Too many attempts. Please wait a few minutes and try again.")
        )
        return render_template("auth/login.html", form=form), 429
    return _try_login(form, login_name, address)


def _try_login(form: LoginForm, login_name: str, address: str) -> ResponseReturnValue:
    try:
        gi_session_id, customer = services().auth.login(login_name, form.password.data)
    except InvalidCredentials:
        _limiter().failed(login_name, address)
        form.form_errors.append(gettext("The login or the password is not right."))
        return render_template("auth/login.html", form=form), 401
    except UpstreamUnavailable:
        form.form_errors.append(
            gettext("The help desk cannot be reached right now. Please try again shortly.")
        )
        return render_template("auth/login.html", form=form), 503
    _limiter().succeeded(login_name)
    lang = session.get("lang")
    session.clear()  # a fresh cookie at login: no session fixation
    if lang:
        session["lang"] = lang
    private = current_app.config["PORTAL_PRIVATE_COMPANIES"]
    customer = replace(customer, company_visible=customer.customer_id not in private)
    session["sid"] = session_store().create(gi_session_id, customer).key
    session.permanent = True
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
def logout() -> Response:
    """Forget the portal session and go to the login page."""
    key = session.pop("sid", None)
    if key:
        session_store().delete(key)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    """Register login/logout and the per-request session guard."""
    app.extensions["radiant_login_limiter"] = LoginLimiter(
        app.config["PORTAL_LOGIN_MAX_FAILURES"],
        app.config["PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS"],
        app.config["PORTAL_LOGIN_WINDOW_SECONDS"],
    )
    app.before_request(_load_customer)
    app.register_blueprint(bp)
