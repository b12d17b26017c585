"""The admin area's forms (Flask-WTF: every POST carries the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

__all__ = ["AdminLoginForm", "DepartmentForm", "RequeueForm"]


class AdminLoginForm(FlaskForm):  # type: ignore[misc]
    """An agent's Znuny login and password."""

    login = StringField(lazy_gettext("Agent login"),
                        validators=[DataRequired(), Length(max=200)])
    password = PasswordField(lazy_gettext("Password"),
                             validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class _Checkboxes(SelectMultipleField):  # type: ignore[misc]
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class DepartmentForm(FlaskForm):  # type: ignore[misc]
    """Whether a department's catalog is enabled, and for whom."""

    enabled = BooleanField(lazy_gettext("The catalog is enabled"))
    audience = RadioField(lazy_gettext("For whom"), choices=[
        SelectChoice("everyone", lazy_gettext("Everyone")),
        SelectChoice("some", lazy_gettext("Only the customers chosen below")),
    ], default="everyone")
    tiers = _Checkboxes(lazy_gettext("Stores of these tiers"), choices=[])
    companies = StringField(
        lazy_gettext("These stores or companies"), validators=[Length(max=4000)],
        description=lazy_gettext(
            "Their ids, separated by commas or spaces, e.g. store-012, store-031"))
    head_office = BooleanField(lazy_gettext("The head office"))


class RequeueForm(FlaskForm):  # type: ignore[misc]
    """The requeue button of one parked request (only its CSRF token)."""
