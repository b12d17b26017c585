"""TicketSearch: filters, sorting and customer scope; unknown names or bad dates give ``{}``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, exists, or_, select

from radiant_ext_sandbox import permissions
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx
from radiant_ext_sandbox.sessions import authenticate, error
from radiant_ext_sandbox.timeutil import parse


class _NoHits(Exception):
    """A filter that can match nothing (unknown name, bad date): Znuny answers ``{}``."""


T = s.ticket
_NAMED = {  # parameter → (column, table) for name lists
    "Queues": (T.c.queue_id, s.queue),
    "Types": (T.c.type_id, s.ticket_type),
    "States": (T.c.ticket_state_id, s.ticket_state),
    "Priorities": (T.c.ticket_priority_id, s.ticket_priority),
    "Services": (T.c.service_id, s.service),
    "SLAs": (T.c.sla_id, s.sla),
    "Locks": (T.c.ticket_lock_id, s.ticket_lock_type),
}
_IDS = {
    "QueueIDs": T.c.queue_id,
    "TypeIDs": T.c.type_id,
    "StateIDs": T.c.ticket_state_id,
    "PriorityIDs": T.c.ticket_priority_id,
    "ServiceIDs": T.c.service_id,
    "SLAIDs": T.c.sla_id,
    "LockIDs": T.c.ticket_lock_id,
    "OwnerIDs": T.c.user_id,
    "ResponsibleIDs": T.c.responsible_user_id,
    "CreatedUserIDs": T.c.create_by,
    "TicketID": T.c.id,
}
_SORT = {
    "Age": T.c.create_time,
    "Created": T.c.create_time,
    "Changed": T.c.change_time,
    "TicketNumber": T.c.tn,
    "Title": T.c.title,
    "Queue": T.c.queue_id,
    "State": T.c.ticket_state_id,
    "Priority": T.c.ticket_priority_id,
    "Type": T.c.type_id,
    "Lock": T.c.ticket_lock_id,
    "Owner": T.c.user_id,
    "Responsible": T.c.responsible_user_id,
    "CustomerID": T.c.customer_id,
    "Service": T.c.service_id,
    "SLA": T.c.sla_id,
    "PendingTime": T.c.until_time,
    "EscalationTime": T.c.escalation_time,
    "EscalationUpdateTime": T.c.escalation_update_time,
    "EscalationResponseTime": T.c.escalation_response_time,
    "EscalationSolutionTime": T.c.escalation_solution_time,
}
_TIMES = {
    "TicketCreateTime": T.c.create_time,
    "TicketChangeTime": T.c.change_time,
    "TicketLastChangeTime": T.c.change_time,
}


def _list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if v not in (None, "")]


def _like(value: str) -> str:
    return value.replace("%", r"\%").replace("*", "%")


def _match(col: Any, value: str) -> Any:
    """``*`` wildcards become LIKE; a plain value is an (indexable) equality."""
    return col.like(_like(value), escape="\\") if "*" in value or "%" in value else col == value


def _names(ctx: Ctx, table: Any, names: list[str]) -> list[int]:
    found = [r[0] for r in ctx.conn.execute(select(table.c.id).where(table.c.name.in_(names)))]
    if len(found) < len(set(names)):
        raise _NoHits
    return found


def _time_filters(ctx: Ctx, data: dict[str, Any]) -> list[Any]:
    out = []
    now = ctx.now()
    for prefix, col in _TIMES.items():
        for suffix, newer in (
            ("NewerDate", True),
            ("OlderDate", False),
            ("NewerMinutes", True),
            ("OlderMinutes", False),
        ):
            value = data.get(prefix + suffix)
            if value in (None, ""):
                continue
            if suffix.endswith("Date"):
                when = parse(str(value))
            else:
                when = now - dt.timedelta(minutes=int(value)) if str(value).isdigit() else None
            if when is None:
                raise _NoHits
            out.append(col >= when if newer else col <= when)
    return out


def _article_filter(data: dict[str, Any]) -> Any:
    a, m = s.article, s.article_data_mime
    conds = []
    for key, col in (
        ("MIMEBase_From", m.c.a_from),
        ("MIMEBase_To", m.c.a_to),
        ("MIMEBase_Cc", m.c.a_cc),
        ("MIMEBase_Subject", m.c.a_subject),
        ("MIMEBase_Body", m.c.a_body),
    ):
        if isinstance(data.get(key), str) and data[key]:
            conds.append(col.like(f"%{_like(data[key]).strip('%')}%"))
    text = data.get("Fulltext")
    full = None
    if isinstance(text, str) and text:
        pattern = f"%{_like(text).strip('%')}%"
        full = or_(m.c.a_subject.like(pattern), m.c.a_body.like(pattern), m.c.a_from.like(pattern))
    if not conds and full is None:
        return None
    extra = [full] if full is not None else []
    if conds:
        extra.append(
            and_(*conds) if str(data.get("ContentSearch", "AND")).upper() != "OR" else or_(*conds)
        )
    art = exists().where(a.c.ticket_id == T.c.id, m.c.article_id == a.c.id, *extra)
    if full is not None and not conds:
        return or_(art, T.c.title.like(f"%{_like(str(text)).strip('%')}%"))
    return art


def _df_specs(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Both JSON forms: ``DynamicField_<Name>: {Op: v}`` and ``DynamicField: [{Name, Op: v}]``."""
    specs: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if key.startswith("DynamicField_") and isinstance(value, dict):
            specs.append((key[len("DynamicField_") :], value))
    dfl = data.get("DynamicField")
    for item in dfl if isinstance(dfl, list) else [dfl] if isinstance(dfl, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("Name"), str):
            specs.append((item["Name"], item))
    return specs


def _df_value(kind: str, text: str) -> Any:
    if kind in ("Date", "DateTime"):
        when = parse(text) or parse(f"{text} 00:00:00")
        if when is None:
            raise _NoHits
        return when
    return text


_DF_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "Equals": lambda col, x: col == x,
    "Like": lambda col, x: col.like(_like(str(x))),
    "GreaterThan": lambda col, x: col > x,
    "SmallerThan": lambda col, x: col < x,
    "GreaterThanEquals": lambda col, x: col >= x,
    "SmallerThanEquals": lambda col, x: col <= x,
}


def _df_filters(ctx: Ctx, data: dict[str, Any]) -> list[Any]:
    """EXISTS clauses on ``dynamic_field_value``: operators AND-ed, values OR-ed."""
    out = []
    v, f = s.dynamic_field_value, s.dynamic_field
    for name, ops in _df_specs(data):
        field = ctx.one(
            select(f.c.id, f.c.field_type).where(f.c.name == name, f.c.object_type == "Ticket")
        )
        if field is None:
            raise _NoHits
        col = v.c.value_date if field.field_type in ("Date", "DateTime") else v.c.value_text
        base = [v.c.field_id == field.id, v.c.object_id == T.c.id]
        for op, value in ops.items():
            if op == "Empty":
                has = exists().where(*base)
                out.append(~has if str(value) not in ("0", "") else has)
            elif op in _DF_OPS and _list(value):
                tests = [_DF_OPS[op](col, _df_value(field.field_type, x)) for x in _list(value)]
                out.append(exists().where(*base, or_(*tests)))
    return out


def _state_type_filter(data: dict[str, Any]) -> Any:
    """``StateType`` (names; ``Open``/``Closed`` as in Znuny) or ``StateTypeIDs``."""
    stt, st = s.ticket_state_type, s.ticket_state
    if data.get("StateType") not in (None, "", []):
        open_types = ["new", "open", "pending reminder", "pending auto"]
        kinds: list[str] = []
        for name in _list(data["StateType"]):
            kinds += open_types if name == "Open" else ["closed" if name == "Closed" else name]
        types: Any = select(stt.c.id).where(stt.c.name.in_(kinds))
    elif data.get("StateTypeIDs") not in (None, "", []):
        types = [int(x) if x.isdigit() else -1 for x in _list(data["StateTypeIDs"])]
    else:
        return None
    return T.c.ticket_state_id.in_(select(st.c.id).where(st.c.type_id.in_(types)))


def _filters(ctx: Ctx, data: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for key, (col, table) in _NAMED.items():
        if data.get(key) not in (None, "", []):
            out.append(col.in_(_names(ctx, table, _list(data[key]))))
    for key, col in _IDS.items():
        if data.get(key) not in (None, "", []):
            out.append(col.in_([int(x) if x.isdigit() else -1 for x in _list(data[key])]))
    state_types = _state_type_filter(data)
    if state_types is not None:
        out.append(state_types)
    for key, col in (
        ("TicketNumber", T.c.tn),
        ("Title", T.c.title),
        ("CustomerID", T.c.customer_id),
        ("CustomerUserLogin", T.c.customer_user_id),
        ("CustomerIDRaw", T.c.customer_id),
    ):
        if data.get(key) not in (None, "", []):
            vals = _list(data[key])
            if key == "CustomerIDRaw":
                out.append(col.in_(vals))
            else:
                out.append(or_(*[_match(col, x) for x in vals]))
    out += _time_filters(ctx, data)
    art = _article_filter(data)
    if art is not None:
        out.append(art)
    out += _df_filters(ctx, data)
    return out


def ticket_search(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """TicketSearch: ``{"TicketID": ["…", …]}`` or ``{}``."""
    if not authenticate(ctx, data):
        return error("TicketSearch", "AuthFail", "TicketSearch: Authorization failing!")
    try:
        conds = _filters(ctx, data)
    except (_NoHits, ValueError):
        return {}
    scope = permissions.visible_clause(ctx)
    if scope is not None:
        conds.append(scope)
    sort = data.get("SortBy") if isinstance(data.get("SortBy"), str) else "Age"
    column = _SORT.get(str(sort), T.c.create_time)
    up = str(data.get("OrderBy", "Down")) == "Up"
    limit = str(data.get("Limit") or ctx.settings["search_limit"])
    stmt = (
        select(T.c.id).where(*conds).order_by(column.asc() if up else column.desc(), T.c.id.asc())
    )
    stmt = stmt.limit(
        int(limit) if limit.isdigit() and int(limit) > 0 else int(ctx.settings["search_limit"])
    )
    ids = [str(r[0]) for r in ctx.conn.execute(stmt)]
    return {"TicketID": ids} if ids else {}
