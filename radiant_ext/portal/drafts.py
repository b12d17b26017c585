"""Post/redirect/get for forms with errors: the answers survive the redirect in the session.

A form sent with a mistake is not answered with a page of its own (which the browser's Back
and reload would offer to send again) but with a redirect to the form's address; the answers
and the messages wait in the customer's session for that one GET (:func:`keep`,
:func:`restore`). Nothing is lost:

* files cannot travel in a session: the page asks for them again;
* passwords are never kept (the login page asks for the password again, as any would);
* answers longer than :data:`MAX_DRAFT_CHARS`, or that would make the signed session cookie
  larger than :data:`MAX_COOKIE_BYTES`, are not kept: such a form is answered directly, as
  before, with everything filled in (only Back may then offer to send it again).
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField

__all__ = ["DRAFT_KEY", "MAX_COOKIE_BYTES", "MAX_DRAFT_CHARS", "keep", "restore"]

DRAFT_KEY = "form_draft"
"""Session key of the kept answers (one form at a time: the last one sent)."""

MAX_DRAFT_CHARS = 1500
"""The most characters of answers and messages kept across the redirect (the session is a
signed cookie, which browsers cap at 4 KB with everything else it holds)."""

MAX_COOKIE_BYTES = 3800
"""The largest session cookie a kept form may make (browsers drop cookies over 4096 bytes
with their name and attributes)."""


def _cookie_bytes() -> int:
    """The size of the session cookie as it would now be sent (0: not a signed cookie)."""
    interface = current_app.session_interface
    serializer = getattr(interface, "get_signing_serializer", lambda _app: None)(current_app)
    return len(serializer.dumps(dict(session))) if serializer is not None else 0


def _answers(form: FlaskForm) -> list[tuple[str, str]]:
    """The answers as sent, with the form's own hidden values as they now stand (a new
    request reference, the signed opening time) and without passwords or the CSRF token."""
    secret = {name for name, field in form._fields.items() if isinstance(field, PasswordField)}
    own = {name: field.data for name, field in form._fields.items()
           if field.type == "HiddenField" and name != "csrf_token" and field.data is not None}
    sent = [(k, v) for k, v in request.form.items(multi=True)
            if k not in secret and k not in own and k != "csrf_token"]
    return sent + [(k, str(v)) for k, v in own.items()]


def keep(key: str, form: FlaskForm) -> bool:
    """Keep ``form``'s answers and messages for the next GET of the form at ``key``.

    :returns: ``False`` when they are too long to keep: answer the POST directly then.
    """
    form_errors = [str(e) for e in form.form_errors]
    if any(f and f.filename for name in request.files for f in request.files.getlist(name)):
        form_errors.append(gettext("Files cannot be kept across a correction: please attach "
                                   "them again."))
    payload: dict[str, Any] = {
        "key": key, "answers": _answers(form), "form_errors": form_errors,
        "errors": {name: [str(e) for e in field.errors]
                   for name, field in form._fields.items() if field.errors},
    }
    if len(json.dumps(payload, ensure_ascii=False)) > MAX_DRAFT_CHARS:
        return False
    session[DRAFT_KEY] = payload
    if _cookie_bytes() > MAX_COOKIE_BYTES:  # Cyrillic takes two bytes a letter
        session.pop(DRAFT_KEY)
        return False
    return True


def restore(key: str, form: FlaskForm) -> bool:
    """Fill ``form`` with the answers and messages kept for ``key`` (once), if any."""
    payload = session.get(DRAFT_KEY)
    if not isinstance(payload, dict) or payload.get("key") != key:
        return False
    session.pop(DRAFT_KEY)
    form.process(formdata=MultiDict([tuple(pair) for pair in payload.get("answers", ())]))
    for name, messages in payload.get("errors", {}).items():
        if name in form:
            form[name].errors = list(messages)
    form.form_errors = list(payload.get("form_errors", ()))
    return True
