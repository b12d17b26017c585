"""Login with Znuny customer credentials, logout, and the guard every page passes through.

The GI customer session is created at login and re-checked with SessionGet at most every
``PORTAL_SESSION_CHECK_SECONDS``; when Znuny has forgotten it, or the session is older than
``PORTAL_SESSION_LIFETIME_SECONDS`` (absolute, however active), the customer is sent back to
the login page, which returns them to the page they were on. The guard is
:func:`radiant_ext.portal.sessions.resume_session`, shared with the reports' agent login.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
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

from radiant_ext.portal.auth.ratelimit import FailureLog, LoginLimiter
from radiant_ext.portal.i18n import current_language
from radiant_ext.portal.navigation import safe_next as _site_next
from radiant_ext.portal.ports import Customer, InvalidCredentials, UpstreamUnavailable
from radiant_ext.portal.services import remember_language, services, session_store
from radiant_ext.portal.sessions import (
    COOKIE_KEYS,
    PortalSession,
    SessionEnd,
    end_cookie_sessions,
    resume_session,
    session_policy,
)

__all__ = ["bp", "current_customer", "fresh_cookie", "init_app", "known_browser", "login_required",
           "retry_after", "safe_next"]

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])
CUSTOMER_KEY = COOKIE_KEYS["customer"]
KNOWN_KEY = "known"
"""Cookie key: marks of the login names this browser logged in as."""
KNOWN_BROWSER_MARKS = 5


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


def login_url_for_here() -> str:
    """The login page's URL, coming back here (or to the page that posted here)."""
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
            return redirect(login_url_for_here())
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _limiter() -> LoginLimiter:
    return cast(LoginLimiter, current_app.extensions["radiant_login_limiter"])


def _load_customer() -> ResponseReturnValue | None:
    """Before each request: find the portal session and, now and then, check it in Znuny."""
    g.customer = None
    key = session.get(CUSTOMER_KEY)
    if not key or not isinstance(key, str) or request.endpoint == "static":
        return None
    found = resume_session(session_store(), key, kind="customer",
                           policy=session_policy(current_app.config), alive=_customer_alive)
    if isinstance(found, SessionEnd):
        # Znuny forgot the session or its lifetime is over: back to the login, then here
        return _session_ended(redirect_back=found is not SessionEnd.MISSING)
    g.customer = found.customer
    return None


def _customer_alive(entry: PortalSession) -> bool | None:
    try:
        return services().auth.alive(entry.gi_session_id)
    except UpstreamUnavailable:
        log.warning("cannot check the Znuny session; keeping the portal session")
        return None


def _session_ended(*, redirect_back: bool) -> ResponseReturnValue | None:
    session.pop(CUSTOMER_KEY, None)
    flash(gettext("Your session has ended. Please log in again."), "info")
    return redirect(login_url_for_here()) if redirect_back else None


def client_address() -> str:
    """The address limits count a client by (the same for logins and guest feedback)."""
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
    address = client_address()
    wait = _limiter().wait(login_name, address, known_browser=known_browser(login_name))
    if wait > 0:
        form.form_errors.append(
            gettext("Too many attempts. Please wait a few minutes and try again.")
        )
        return render_template("auth/login.html", form=form), 429, retry_after(wait)
    return _try_login(form, login_name, address)


def retry_after(seconds: float) -> dict[str, str]:
    """The ``Retry-After`` header for a wait of ``seconds`` (whole seconds, at least 1)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def _browser_mark(login_name: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    digest = hmac.new(secret, login_name.casefold().encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:20]


def known_browser(login_name: str) -> bool:
    """Whether this browser has logged in as ``login_name`` before (a mark in the signed
    cookie; the name itself is not readable from it). Such a browser skips the name's
    progressive delay in :class:`~radiant_ext.portal.auth.ratelimit.LoginLimiter`."""
    marks = session.get(KNOWN_KEY)
    return isinstance(marks, list) and _browser_mark(login_name) in marks


def fresh_cookie(*, known_login: str | None = None) -> None:
    """Empty the signed cookie for a login or logout, keeping the language and the marks of
    the names this browser logged in as (the last few); ``known_login`` adds one."""
    lang = session.get("lang")
    marks = session.get(KNOWN_KEY)
    kept = [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []
    if known_login is not None:
        mark = _browser_mark(known_login)
        kept = [m for m in kept if m != mark] + [mark]
    session.clear()  # a fresh cookie at login: no session fixation
    if lang:
        session["lang"] = lang
    if kept:
        session[KNOWN_KEY] = kept[-KNOWN_BROWSER_MARKS:]


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
    _limiter().succeeded(login_name, address)
    end_cookie_sessions(session_store(), session)  # whoever was logged in here is not now
    fresh_cookie(known_login=login_name)
    private = current_app.config["PORTAL_PRIVATE_COMPANIES"]
    customer = replace(customer, company_visible=customer.customer_id not in private)
    session[CUSTOMER_KEY] = session_store().create(gi_session_id, customer).key
    session.permanent = True
    remember_language(customer.login, current_language())
    return redirect(safe_next(form.next.data))


@bp.post("/logout")
def logout() -> Response:
    """End the portal session (and a reports agent session in the same browser) on the
    server, so that a copy of the cookie no longer works, and go to the login page."""
    end_cookie_sessions(session_store(), session)
    fresh_cookie()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask, failures: FailureLog | None = None) -> None:
    """Register login/logout and the per-request session guard.

    :param failures: where failed logins are counted (the store's database when the
        sessions live there, so that every host counts the same); default: this process.
    """
    app.extensions["radiant_login_limiter"] = LoginLimiter(
        app.config["PORTAL_LOGIN_MAX_FAILURES"],
        app.config["PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS"],
        app.config["PORTAL_LOGIN_WINDOW_SECONDS"],
        float(app.config.get("PORTAL_LOGIN_MAX_DELAY_SECONDS", 60)),
        log=failures,
    )
    app.before_request(_load_customer)
    app.register_blueprint(bp)
