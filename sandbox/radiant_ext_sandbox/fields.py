"""Dynamic fields: type validation, storage in ``dynamic_field_value``, read-back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from sqlalchemy import select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx
from radiant_ext_sandbox.prefetch import cached
from radiant_ext_sandbox.tickets import history
from radiant_ext_sandbox.timeutil import FMT, parse

_SCALAR = (str, int, float)


def field_by_name(ctx: Ctx, name: Any) -> Any:
    """Return the valid dynamic field called ``name`` (ticket or article object) or ``None``."""
    if not isinstance(name, str):
        return None
    t = s.dynamic_field
    return ctx.one(select(t).where(t.c.name == name, t.c.valid_id == 1))


def _possible(field: Any) -> dict[str, Any]:
    config = yaml.safe_load(field.config or "") or {}
    values = config.get("PossibleValues") if isinstance(config, dict) else None
    return values if isinstance(values, dict) else {}


def normalise(field: Any, value: Any) -> list[str] | None:
    """Return the values to store, or ``None`` when ``value`` is invalid for the field's type."""
    kind = field.field_type
    if value is None or value == "":
        return []
    if kind == "Multiselect":
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            return None
        possible = _possible(field)
        return [str(v) for v in items] if all(str(v) in possible for v in items) else None
    if not isinstance(value, _SCALAR) or isinstance(value, bool):
        return None
    text = str(value)
    if kind == "Dropdown":
        return [text] if text in _possible(field) else None
    if kind in ("DateTime", "Date"):
        when = parse(text)
        if when is None:
            return None
        if kind == "Date":
            when = when.replace(hour=0, minute=0, second=0)
        return [when.strftime(FMT)]
    if kind == "Checkbox":
        return [text] if text in ("0", "1") else None
    return [text]


def current(ctx: Ctx, field_id: int, object_id: int) -> list[str]:
    """Return the stored values of one field on one object."""
    t = s.dynamic_field_value
    rows = ctx.conn.execute(
        select(t.c.value_text, t.c.value_date, t.c.value_int)
        .where(t.c.field_id == field_id, t.c.object_id == object_id)
        .order_by(t.c.id)
    )
    out = []
    for text, date, num in rows:
        out.append(text if text is not None else date.strftime(FMT) if date else str(num))
    return out


def store(ctx: Ctx, field: Any, object_id: int, values: list[str], ticket_id: int) -> None:
    """Replace a field's values; a changed ticket field gets a TicketDynamicFieldUpdate row."""
    old = current(ctx, field.id, object_id)
    if old == values:
        return
    t = s.dynamic_field_value
    ctx.conn.execute(t.delete().where(t.c.field_id == field.id, t.c.object_id == object_id))
    for value in values:
        row: dict[str, Any] = {"field_id": field.id, "object_id": object_id}
        if field.field_type in ("DateTime", "Date"):
            row["value_date"] = dt.datetime.strptime(value, FMT)
        elif field.field_type == "Checkbox":
            row["value_int"] = int(value)
        else:
            row["value_text"] = value
        ctx.conn.execute(t.insert().values(**row))
    if field.object_type == "Ticket":
        name = f"%%FieldName%%{field.name}%%Value%%{','.join(values)}%%OldValue%%{','.join(old)}"
        history(ctx, ticket_id, "TicketDynamicFieldUpdate", name)


def valid_fields(ctx: Ctx, object_type: str) -> list[Any]:
    """The valid fields of ``object_type``, alphabetical (cached for the request)."""
    key = f"fields:{object_type}"
    if key not in ctx.cache:
        t = s.dynamic_field
        ctx.cache[key] = ctx.conn.execute(
            select(t).where(t.c.object_type == object_type, t.c.valid_id == 1).order_by(t.c.name)
        ).all()
    return list(ctx.cache[key])


def read_all(ctx: Ctx, object_type: str, object_id: int) -> list[dict[str, Any]]:
    """Return every valid field of ``object_type`` as ``{Name, Value}``, alphabetical."""
    fields = valid_fields(ctx, object_type)
    if not fields:
        return []
    t = s.dynamic_field_value
    stored: dict[int, list[str]] = {}
    wanted = {f.id for f in fields}
    rows = cached(ctx, "fields", object_id) if object_type == "Ticket" else None
    if rows is None:
        rows = ctx.conn.execute(
            select(t.c.field_id, t.c.value_text, t.c.value_date, t.c.value_int)
            .where(t.c.object_id == object_id, t.c.field_id.in_(sorted(wanted)))
            .order_by(t.c.id)
        ).all()
    for field_id, text, date, num in rows:
        if field_id not in wanted:
            continue
        item = text if text is not None else date.strftime(FMT) if date else str(num)
        stored.setdefault(field_id, []).append(item)
    out = []
    for field in fields:
        values = stored.get(field.id, [])
        value: Any = None
        if values:
            value = values if field.field_type == "Multiselect" else values[0]
        out.append({"Name": field.name, "Value": value})
    return out
