"""Forms of the request detail page."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, TextAreaField
from wtforms.fields.core import Label
from wtforms.validators import DataRequired, Length

__all__ = ["MAX_REASON", "MoveForm", "ReopenForm", "ReplyForm", "move_form"]

MAX_REASON = 5000
"""The longest reason a requester may give for a move (characters)."""


class ReplyForm(FlaskForm):  # type: ignore[misc]
    """Add a message (and files) to a request."""

    body = TextAreaField(
        lazy_gettext("Your message"), validators=[DataRequired(), Length(max=10000)]
    )
    attachments = MultipleFileField(lazy_gettext("Attachments"))


class ReopenForm(FlaskForm):  # type: ignore[misc]
    """Reopen a closed request, saying why."""

    reason = TextAreaField(
        lazy_gettext("Why is the request not solved?"),
        validators=[DataRequired(), Length(max=5000)],
    )


class MoveForm(FlaskForm):  # type: ignore[misc]
    """A workflow move of the requester, with a reason (required where the move says so:
    checked by the view, which knows the move)."""

    reason = TextAreaField(lazy_gettext("Why? (optional)"), validators=[Length(max=MAX_REASON)])


def move_form(step_id: str, reason_required: bool, *, posted: bool = False) -> MoveForm:
    """The form of the move to step ``step_id`` (``posted``: filled from this request's POST);
    several stand on one page, so each reason box has an id of its own
    (``reason-<step id>``)."""
    form = MoveForm() if posted else MoveForm(formdata=None)
    field = form.reason
    field.id = f"reason-{step_id}"
    text = lazy_gettext("Why?") if reason_required else field.label.text
    field.label = Label(field.id, text)
    field.flags.required = reason_required
    return form
