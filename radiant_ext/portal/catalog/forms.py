"""The request form, built per catalog item from its field list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from radiant_ext.portal.ports import CatalogItemView, FieldView

__all__ = ["FIELD_PREFIX", "RequestForm", "build_request_form", "field_values"]

FIELD_PREFIX = "f_"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class RequestForm(FlaskForm):  # type: ignore[misc]
    """What every request form has besides the item's own fields."""

    request_id = HiddenField(validators=[DataRequired(), Regexp(_REQUEST_ID)])
    opened = HiddenField()
    """When the form was first opened, signed: the deadline is promised from then."""
    promised = HiddenField()
    """The deadline last shown (UTC, ISO): a request is sent only with the promise it saw."""
    description = TextAreaField(
        lazy_gettext("Describe the problem or request"),
        validators=[Optional(), Length(max=10000)],
    )
    attachments = MultipleFileField(lazy_gettext("Attachments"))


def _make_field(spec: FieldView) -> Field:
    # InputRequired where the value is parsed: DataRequired would hide "not a valid number".
    parsed = spec.kind in ("checkbox", "number", "date")
    required = [InputRequired() if parsed else DataRequired()]
    validators: list[Any] = required if spec.required else [Optional()]
    kwargs: dict[str, Any] = {"description": spec.help}
    if spec.kind == "select":
        blank = [SelectChoice("", lazy_gettext("Choose…"))]
        options = [SelectChoice(value, label) for value, label in spec.choices]
        return SelectField(spec.label, choices=blank + options, validators=validators, **kwargs)
    if spec.kind == "number":
        bounds = {k: v for k, v in (("min", spec.minimum), ("max", spec.maximum)) if v is not None}
        if spec.integer:
            return IntegerField(spec.label, validators=validators, render_kw=bounds, **kwargs)
        return DecimalField(spec.label, validators=validators, places=None,
                            render_kw={**bounds, "step": "any", "inputmode": "decimal"}, **kwargs)
    if spec.kind == "date":
        return DateField(spec.label, validators=validators, render_kw=_date_bounds(spec),
                         **kwargs)
    if spec.kind == "file":  # the macro shows the types it takes and sets ``accept``
        return MultipleFileField(spec.label, render_kw={"data-extensions": " ".join(
            spec.extensions)}, **kwargs)
    if spec.kind == "checkbox":
        return BooleanField(spec.label, validators=validators, **kwargs)
    length = Length(max=spec.max_length or (10000 if spec.kind == "textarea" else 500))
    cls = TextAreaField if spec.kind == "textarea" else StringField
    return cls(spec.label, validators=[*validators, length], **kwargs)


def _date_bounds(spec: FieldView) -> dict[str, str]:
    """``min``/``max`` attributes for a date input, from days relative to today."""
    today = date.today()
    return {
        key: (today + timedelta(days=int(days))).isoformat()
        for key, days in (("min", spec.minimum), ("max", spec.maximum)) if days is not None
    }


def build_request_form(item: CatalogItemView) -> type[RequestForm]:
    """A form class with ``item``'s fields (named ``f_<name>``) before the common ones."""
    attrs = {FIELD_PREFIX + spec.name: _make_field(spec) for spec in item.fields}
    return type(f"RequestForm_{len(attrs)}", (RequestForm,), attrs)


def field_values(form: RequestForm, item: CatalogItemView) -> Mapping[str, str]:
    """The item's field values as text, keyed by the catalog's field names."""
    values: dict[str, str] = {}
    for spec in item.fields:
        if spec.kind == "file":
            continue
        data = form[FIELD_PREFIX + spec.name].data
        if data is None or data == "":
            continue
        if isinstance(data, bool):
            values[spec.name] = "yes" if data else "no"
        elif isinstance(data, Decimal):
            values[spec.name] = format(data.normalize(), "f")
        elif hasattr(data, "isoformat"):
            values[spec.name] = data.isoformat()
        else:
            values[spec.name] = str(data).strip()
    return values
