"""Forms of the request detail page."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, TextAreaField
from wtforms.validators import DataRequired, Length

__all__ = ["ReopenForm", "ReplyForm"]


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
