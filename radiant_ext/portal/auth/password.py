""""Forgot your password?": Znuny's own customer password reset, never a copy of it.

Customers' passwords live in Znuny (or the directory behind it), so the portal only leads to
Znuny's ``customer.pl?Action=CustomerLostPassword``. ``PORTAL_PASSWORD_RESET_URL`` decides
where the login page's link goes:

* ``znuny`` (the default): the configured Znuny — ``znuny_url`` with the script path the
  companion uses (``znuny_script_path``, else the one found on the server, ``znuny/`` or
  ``otrs/``). Right when customers reach Znuny at the same address as the companion.
* an ``http(s)://`` address: that page (Znuny's public address, or the organisation's own
  password page when passwords come from a directory).
* ``off``: no link (customers ask the help desk by phone, say).
"""

from __future__ import annotations

import logging

from flask import abort, current_app, redirect, render_template
from flask.typing import ResponseReturnValue

from radiant_ext.client.errors import ZnunyConnectionError, ZnunyError
from radiant_ext.client.routes import ROUTE_SETS
from radiant_ext.config import Settings
from radiant_ext.portal.auth.views import bp

__all__ = ["LOST_PASSWORD_ACTION", "lost_password", "password_reset_offered", "reset_address"]

log = logging.getLogger(__name__)

LOST_PASSWORD_ACTION = "customer.pl?Action=CustomerLostPassword"
"""Znuny's customer interface page that mails a new password (or a link to set one)."""


def password_reset_offered() -> bool:
    """Whether the login page shows the "Forgot your password?" link."""
    return str(current_app.config["PORTAL_PASSWORD_RESET_URL"]) != "off"


def _script_path(settings: Settings) -> str:
    """The Znuny script path without asking the server when the settings say it."""
    if settings.znuny_script_path:
        return settings.znuny_script_path
    runtime = current_app.extensions.get("radiant_runtime")
    if runtime is not None:  # the agent client found it (asking the server once if needed)
        endpoint: str = runtime.client.endpoint
        root = endpoint.split("/nph-genericinterface.pl", 1)[0]
        return root[len(settings.znuny_url.rstrip("/")):].strip("/") + "/"
    chosen = ROUTE_SETS.get(settings.znuny_route_set)
    return chosen.script_path if chosen else "znuny/"


def reset_address() -> str | None:
    """Where "Forgot your password?" leads, or ``None`` when it is switched off."""
    configured = str(current_app.config["PORTAL_PASSWORD_RESET_URL"])
    if configured == "off":
        return None
    if configured != "znuny":
        return configured
    settings: Settings = current_app.config["RADIANT_SETTINGS"]
    script = _script_path(settings).strip("/")
    root = settings.znuny_url.rstrip("/") + (f"/{script}" if script else "")
    return f"{root}/{LOST_PASSWORD_ACTION}"


@bp.get("/password-reset")
def lost_password() -> ResponseReturnValue:
    """Send the customer to the password reset page (see the module docs)."""
    try:
        target = reset_address()
    except (ZnunyConnectionError, ZnunyError) as exc:  # the script path could not be found
        log.warning("password reset: cannot find Znuny's customer interface: %s", exc)
        return render_template("auth/reset_unavailable.html"), 503
    if target is None:
        abort(404)
    return redirect(target)


@bp.app_context_processor
def _templates() -> dict[str, object]:
    """Let the login page ask whether to show the link."""
    return {"password_reset_offered": password_reset_offered}
