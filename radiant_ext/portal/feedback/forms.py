"""The guest feedback form and the admin's switch of a store's feedback page (Flask-WTF:
every POST carries the CSRF token, with or without a login)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FileField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

__all__ = ["CONTACT_EMAIL", "CONTACT_NONE", "CONTACT_PHONE", "TOPICS", "FeedbackForm",
           "StoreSwitchForm"]

CONTACT_EMAIL, CONTACT_PHONE, CONTACT_NONE = "email", "phone", "none"
_REFERENCE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_STORE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

TOPICS = (
    SelectChoice("product", lazy_gettext("Product")),
    SelectChoice("staff", lazy_gettext("Staff")),
    SelectChoice("store", lazy_gettext("Store (cleanliness, queues)")),
    SelectChoice("prices", lazy_gettext("Prices and payment")),
    SelectChoice("delivery", lazy_gettext("Order and delivery")),
    SelectChoice("praise", lazy_gettext("Praise")),
    SelectChoice("other", lazy_gettext("Other")),
)
"""What a feedback is about: the options of the catalog item's ``topic`` field (the values
must match ``customer-service.shopper-feedback`` in the customer service plugin)."""


class FeedbackForm(FlaskForm):  # type: ignore[misc]
    """What a shopper tells the store: what happened, an order number, a photo, and how to
    answer them. ``nickname`` is the honeypot: hidden from people, filled in by robots."""

    reference = HiddenField(validators=[DataRequired(), Regexp(_REFERENCE)])
    topic = SelectField(
        lazy_gettext("What is it about?"),
        choices=[SelectChoice("", lazy_gettext("Choose…")), *TOPICS],
        invalid_choice_message=lazy_gettext("Choose one of the listed topics."),
        validators=[DataRequired(message=lazy_gettext("Choose what your feedback is about."))])
    message = TextAreaField(lazy_gettext("What happened?"), validators=[DataRequired()])
    order = StringField(lazy_gettext("Order or receipt number (optional)"),
                        validators=[Optional(), Length(max=64)])
    photo = FileField(lazy_gettext("Photo (optional)"))
    contact = RadioField(lazy_gettext("How can we answer you?"), choices=[
        SelectChoice(CONTACT_EMAIL, lazy_gettext("By e-mail")),
        SelectChoice(CONTACT_PHONE, lazy_gettext("By phone")),
        SelectChoice(CONTACT_NONE, lazy_gettext("No answer needed (anonymous)")),
    ], default=CONTACT_EMAIL)
    email = StringField(lazy_gettext("Your e-mail"), validators=[Optional(), Length(max=120)])
    phone = StringField(lazy_gettext("Your phone"), validators=[Optional(), Length(max=30)])
    nickname = StringField(lazy_gettext("Leave this field empty"))


class StoreSwitchForm(FlaskForm):  # type: ignore[misc]
    """Switch one store's public feedback page on or off."""

    store = HiddenField(validators=[DataRequired(), Regexp(_STORE)])
    enabled = BooleanField(lazy_gettext("Takes feedback"))
