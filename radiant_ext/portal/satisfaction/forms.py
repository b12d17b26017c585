"""The rating form: 1-5 and an optional comment."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

__all__ = ["RatingForm"]


class RatingForm(FlaskForm):  # type: ignore[misc]
    """How satisfied the requester is with a solved request."""

    rating = RadioField(
        lazy_gettext("Your rating"), coerce=int,
        choices=[SelectChoice(5, lazy_gettext("5 — excellent")),
                 SelectChoice(4, lazy_gettext("4 — good")),
                 SelectChoice(3, lazy_gettext("3 — fair")),
                 SelectChoice(2, lazy_gettext("2 — poor")),
                 SelectChoice(1, lazy_gettext("1 — very poor"))],
        validators=[InputRequired(message=lazy_gettext("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(lazy_gettext("Comment (optional)"), validators=[Length(max=2000)])
