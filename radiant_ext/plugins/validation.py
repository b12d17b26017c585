"""Built-in checks of a request's form values against its catalog item's field specs."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, timedelta
from typing import Any

from radiant_ext.i18n import Message, message
from radiant_ext.plugins.catalog import (
    AttachmentField,
    CatalogItem,
    ChoiceField,
    DateField,
    FieldSpec,
    NumberField,
    SerialNumberField,
    StoreField,
    TextField,
)
from radiant_ext.plugins.models import FieldError

__all__ = ["validate_fields"]


def _err(spec: FieldSpec, code: str, text: Message) -> FieldError:
    return FieldError(field=spec.id, code=code, message=text)


def _filenames(value: Any) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    names = [str(getattr(v, "filename", v) or "") for v in values]
    return [n for n in names if n]


def _is_empty(spec: FieldSpec, value: Any) -> bool:
    if isinstance(spec, AttachmentField):
        return not _filenames(value)
    return value is None or str(value).strip() == ""


def _text(spec: TextField, value: str, _: Context) -> FieldError | None:
    if len(value) < spec.min_length:
        return _err(spec, "too_short",
                    message("Enter at least {count} characters.", count=spec.min_length))
    if len(value) > spec.max_length:
        return _err(spec, "too_long",
                    message("Enter at most {count} characters.", count=spec.max_length))
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return _err(spec, "invalid", message("The value has the wrong format."))
    return None


def _choice(spec: ChoiceField, value: str, _: Context) -> FieldError | None:
    if value not in {o.value for o in spec.options}:
        return _err(spec, "invalid_choice", message("Pick one of the listed options."))
    return None


def _number(spec: NumberField, value: str, _: Context) -> FieldError | None:
    try:
        number = int(value) if spec.integer else float(value.replace(",", "."))
    except ValueError:
        return _err(spec, "not_a_number", message("Enter a whole number.") if spec.integer
                    else message("Enter a number."))
    if spec.min is not None and number < spec.min:
        return _err(spec, "too_small",
                    message("The value must be at least {min}.", min=f"{spec.min:g}"))
    if spec.max is not None and number > spec.max:
        return _err(spec, "too_large",
                    message("The value must be at most {max}.", max=f"{spec.max:g}"))
    return None


def _date(spec: DateField, value: str, ctx: Context) -> FieldError | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return _err(spec, "invalid_date", message("Enter a date as YYYY-MM-DD."))
    if spec.min_days_ahead is not None and day < ctx.today + timedelta(spec.min_days_ahead):
        earliest = ctx.today + timedelta(spec.min_days_ahead)
        return _err(spec, "too_early",
                    message("The date must be {date} or later.", date=earliest.isoformat()))
    if spec.max_days_ahead is not None and day > ctx.today + timedelta(spec.max_days_ahead):
        latest = ctx.today + timedelta(spec.max_days_ahead)
        return _err(spec, "too_late",
                    message("The date must be {date} or earlier.", date=latest.isoformat()))
    return None


def _serial(spec: SerialNumberField, value: str, _: Context) -> FieldError | None:
    if not re.fullmatch(spec.pattern, value):
        return _err(spec, "invalid_serial", message("This does not look like a serial number."))
    return None


def _store(spec: StoreField, value: str, ctx: Context) -> FieldError | None:
    if value not in ctx.store_ids:
        return _err(spec, "unknown_store", message("Pick a store of the chain."))
    return None


def _attachment(spec: AttachmentField, value: Any, _: Context) -> FieldError | None:
    names = _filenames(value)
    if len(names) > spec.max_files:
        return _err(spec, "too_many_files",
                    message("Attach at most {count} files.", count=spec.max_files))
    allowed = {e.lower().lstrip(".") for e in spec.extensions}
    for name in names:
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if allowed and ext not in allowed:
            listed = ", ".join(sorted(allowed))
            return _err(spec, "file_type", message("Allowed file types: {types}.", types=listed))
    return None


class Context:
    """What some checks need besides the value: today's date and the known store ids."""

    def __init__(self, today: date, store_ids: Collection[str]) -> None:
        self.today = today
        self.store_ids = store_ids


_CHECKS: dict[type[Any], Callable[[Any, Any, Context], FieldError | None]] = {
    TextField: _text,
    ChoiceField: _choice,
    NumberField: _number,
    DateField: _date,
    SerialNumberField: _serial,
    StoreField: _store,
    AttachmentField: _attachment,
}


def validate_fields(
    item: CatalogItem, fields: Mapping[str, Any], *, today: date, store_ids: Collection[str]
) -> list[FieldError]:
    """Return the problems of ``fields`` against ``item``'s field specs (empty when fine).

    Values of unknown field ids are ignored; text values are stripped before checks.

    :param today: the requester's current date, for date bounds.
    :param store_ids: ids the store field accepts.
    """
    ctx = Context(today, store_ids)
    errors: list[FieldError] = []
    for spec in item.fields:
        value = fields.get(spec.id)
        if _is_empty(spec, value):
            if spec.required:
                errors.append(_err(spec, "required", message("This field is required.")))
            continue
        if not isinstance(spec, AttachmentField):
            value = str(value).strip()
        problem = _CHECKS[type(spec)](spec, value, ctx)
        if problem is not None:
            errors.append(problem)
    return errors
