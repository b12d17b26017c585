"""One place that turns errors into answers: an HTML page, or JSON for API clients.

A client gets JSON when it prefers ``application/json`` over HTML in ``Accept`` (or posted
JSON); everyone else gets the ``error.html`` page in their language.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from radiant_ext.portal.ports import TicketNotFound, UpstreamUnavailable

__all__ = ["init_app", "wants_json"]

log = logging.getLogger(__name__)


def wants_json() -> bool:
    """Whether this request should be answered with JSON rather than HTML."""
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and (
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (gettext("Bad request"), gettext("The request could not be understood.")),
        403: (gettext("Not allowed"), gettext("You are not allowed to do this.")),
        404: (gettext("Not found"), gettext("There is no such page or request.")),
        405: (gettext("Not allowed"), gettext("This action is not available here.")),
        413: (
            gettext("Upload too large"),
            gettext("The files you sent are larger than the portal accepts."),
        ),
        429: (
            gettext("Too many attempts"),
            gettext("Too many attempts. Please wait a few minutes and try again."),
        ),
        500: (gettext("Something went wrong"), gettext("Please try again in a moment.")),
        503: (
            gettext("Service unavailable"),
            gettext("The help desk cannot be reached right now. Please try again shortly."),
        ),
    }


def render_error(code: int, detail: str | None = None) -> ResponseReturnValue:
    """Answer with status ``code``, as JSON or as the error page."""
    title, message = _messages().get(code, (gettext("Error"), ""))
    message = detail or message
    if wants_json():
        return {"error": {"status": code, "title": title, "message": message}}, code
    return render_template("error.html", code=code, title=title, message=message), code


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    return render_error(exc.code or 500)


def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
    return render_error(
        400, gettext("The form has expired or was sent from elsewhere. Please try again.")
    )


def _not_found(exc: TicketNotFound) -> ResponseReturnValue:
    return render_error(404)


def _unavailable(exc: UpstreamUnavailable) -> ResponseReturnValue:
    log.warning("upstream unavailable: %s", exc)
    return render_error(ServiceUnavailable.code)


def _unexpected(exc: InternalServerError) -> ResponseReturnValue:
    log.error("unhandled error", exc_info=exc.original_exception)
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the error handlers on ``app``."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(TicketNotFound, _not_found)
    app.register_error_handler(UpstreamUnavailable, _unavailable)
    app.register_error_handler(InternalServerError, _unexpected)
