"""TicketCreate and TicketUpdate: validation order, side effects and reply shapes of Znuny."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from radiant_ext_sandbox import fields, permissions, tickets, validate
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx, name_of
from radiant_ext_sandbox.escalation import rebuild_index
from radiant_ext_sandbox.sessions import authenticate, error
from radiant_ext_sandbox.validate import Bad

_REF = {
    "Queue": s.queue,
    "State": s.ticket_state,
    "Priority": s.ticket_priority,
    "Type": s.ticket_type,
    "Service": s.service,
    "SLA": s.sla,
}


def _auth(ctx: Ctx, op: str, data: dict[str, Any]) -> dict[str, Any] | None:
    if not (data.get("UserLogin") or data.get("CustomerUserLogin") or data.get("SessionID")):
        return error(
            op, "MissingParameter", f"{op}: UserLogin, CustomerUserLogin or SessionID is required!"
        )
    if (data.get("UserLogin") or data.get("CustomerUserLogin")) and not data.get("SessionID"):
        if not data.get("Password"):
            return error(op, "MissingParameter", f"{op}: Password or SessionID is required!")
    if not authenticate(ctx, data):
        return error(op, "AuthFail", f"{op}: User could not be authenticated!")
    return None


def _check_ticket(ctx: Ctx, op: str, t: dict[str, Any]) -> dict[str, Any]:
    """TicketCreate's ``_CheckTicket``: returns the resolved values."""
    for key in ("Title", "CustomerUser"):
        if t.get(key) in (None, ""):
            raise Bad("MissingParameter", f"{op}: Ticket->{key} parameter is missing!")
    if not validate.scalar(t["Title"]):
        raise Bad("InvalidParameter", f"{op}: Ticket->Title parameter is invalid!")
    login, cid = validate.customer(ctx, op, t["CustomerUser"], t.get("CustomerID"))
    out: dict[str, Any] = {
        "title": str(t["Title"]).strip(),
        "customer_user": login,
        "customer_id": cid,
    }
    for key in ("Queue", "Type", "Service", "SLA", "State", "Priority"):
        if key == "Type" and ctx.settings["ticket_type"] and not (t.get("Type") or t.get("TypeID")):
            raise Bad(
                "MissingParameter",
                f"{op}: Ticket->TypeID or Ticket->Type parameter is required by sysconfig option!",
            )
        if key in ("Queue", "State", "Priority") and not (t.get(key) or t.get(key + "ID")):
            raise Bad(
                "MissingParameter", f"{op}: Ticket->{key}ID or Ticket->{key} parameter is required!"
            )
        out[key.lower() + "_id"] = validate.resolve(ctx, op, t, key, _REF[key])
    _check_service(ctx, op, out, login)
    out["type_given"] = out["type_id"] is not None
    out["owner_id"] = validate.agent_id(ctx, op, t, "Owner")
    out["responsible_id"] = validate.agent_id(ctx, op, t, "Responsible")
    if t.get("PendingTime"):
        out["pending"] = validate.pending_time(op, t["PendingTime"], ctx.now())
    return out


def _check_service(ctx: Ctx, op: str, out: dict[str, Any], login: str) -> None:
    if out.get("service_id") and not validate.service_allowed(ctx, out["service_id"], login):
        raise Bad(
            "InvalidParameter", f"{op}: Ticket->ServiceID or Ticket->Service parameter is invalid!"
        )
    if out.get("sla_id") and not validate.sla_allowed(ctx, out["sla_id"], out.get("service_id")):
        raise Bad("InvalidParameter", f"{op}: Ticket->SLAID or Ticket->SLA parameter is invalid!")


def _article_id(art: tickets.NewArticle, aid: int) -> int | str:
    # The reply's ArticleID is a JSON number exactly when the sender was an agent (README §4).
    return aid if art.sender_type == "agent" else str(aid)


def ticket_create(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """TicketCreate: a ticket with its first article, dynamic fields and attachments."""
    op = "TicketCreate"
    failed = _auth(ctx, op, data)
    if failed:
        return failed
    try:
        for key in ("Ticket", "Article"):
            if not isinstance(data.get(key), dict) or not data[key]:
                raise Bad("MissingParameter", f"{op}: {key} parameter is missing or not valid!")
        values = _check_ticket(ctx, op, data["Ticket"])
        art = validate.article(ctx, op, data["Article"], create=True)
        dfs = validate.dynamic_fields(ctx, op, data.get("DynamicField"))
        art.attachments = validate.attachments(op, data.get("Attachment"))
        if not permissions.may_create_in(ctx, values["queue_id"]):
            raise Bad(
                "AccessDenied",
                f"{op}: User does not have access to create tickets in the target queue!",
            )
    except Bad as bad:
        return error(op, bad.code, bad.message)
    return _do_create(ctx, values, art, dfs)


def _do_create(
    ctx: Ctx, values: dict[str, Any], art: tickets.NewArticle, dfs: list[tuple[Any, list[str]]]
) -> dict[str, Any]:
    ticket_id, tn = tickets.create_ticket(ctx, values)
    if values.get("pending"):
        tickets.set_pending(ctx, ticket_id, values["pending"])
    for field, vals in dfs:
        if field.object_type == "Ticket":
            fields.store(ctx, field, ticket_id, vals, ticket_id)
    if not art.from_:
        art.from_ = _mail_string(ctx, values["customer_user"])
    art.to = name_of(ctx, s.queue, values["queue_id"]) or ""
    aid = tickets.create_article(ctx, ticket_id, art)
    for field, vals in dfs:
        if field.object_type == "Article":
            fields.store(ctx, field, aid, vals, ticket_id)
    owner = values.get("owner_id") or ctx.user_id
    steps: list[Callable[[], None]] = [
        lambda: _account(ctx, ticket_id, aid, art),
        lambda: _owner(ctx, ticket_id, owner, values),
    ]
    if ctx.flavour == "otrs6":
        steps.reverse()
    for step in steps:
        step()
    if values.get("responsible_id") not in (None, 1):
        tickets.touch(ctx, ticket_id, responsible_user_id=values["responsible_id"])
        login = tickets.name_of_user(ctx, values["responsible_id"])
        tickets.history(
            ctx, ticket_id, "ResponsibleUpdate", f"%%{login}%%{values['responsible_id']}"
        )
    rebuild_index(ctx, ticket_id)
    return {"TicketID": str(ticket_id), "TicketNumber": tn, "ArticleID": _article_id(art, aid)}


def _account(ctx: Ctx, ticket_id: int, aid: int, art: tickets.NewArticle) -> None:
    if art.time_unit:
        tickets.account_time(ctx, ticket_id, aid, art.time_unit)


def _owner(ctx: Ctx, ticket_id: int, owner: int, values: dict[str, Any]) -> None:
    if values.get("owner_id"):
        tickets.touch(ctx, ticket_id, ticket_lock_id=2)
        tickets.history(ctx, ticket_id, "Lock", "%%lock")
    if owner != tickets.ticket_row(ctx, ticket_id).user_id:
        tickets.set_owner(ctx, ticket_id, owner)


def _mail_string(ctx: Ctx, login: str) -> str:
    t = s.customer_user
    row = ctx.one(select(t).where(t.c.login == login))
    if row is None:
        return login
    return f'"{row.first_name} {row.last_name}" <{row.email}>'


def ticket_update(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """TicketUpdate: change fields, add an article, set dynamic fields and attachments."""
    op = "TicketUpdate"
    failed = _auth(ctx, op, data)
    if failed:
        return failed
    given_id, tn = data.get("TicketID"), data.get("TicketNumber")
    if not given_id and not tn:
        return error(op, "MissingParameter", f"{op}: TicketID or TicketNumber is required!")
    reply_id: Any = given_id
    if tn:
        found = ctx.scalar(select(s.ticket.c.id).where(s.ticket.c.tn == str(tn)))
        reply_id = found if found is not None else 0
    if not permissions.may_access(
        ctx, reply_id, permissions.WRITE if ctx.user_type == "User" else permissions.READ
    ):
        return error(op, "AccessDenied", f"{op}: User does not have access to the ticket!")
    ticket_id = int(str(reply_id))
    try:
        plan = _plan_update(ctx, op, data, ticket_id)
    except Bad as bad:
        return error(op, bad.code, bad.message)
    aid = _apply_update(ctx, ticket_id, plan)
    row = tickets.ticket_row(ctx, ticket_id)
    out: dict[str, Any] = {
        "TicketID": reply_id if isinstance(reply_id, int | str) else str(reply_id),
        "TicketNumber": row.tn,
    }
    if aid is not None:
        out["ArticleID"] = _article_id(plan["article"], aid)
    return out


def _plan_update(ctx: Ctx, op: str, data: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    plan: dict[str, Any] = {"ticket": {}, "article": None}
    t = data.get("Ticket")
    if t not in (None, ""):
        if not isinstance(t, dict):
            raise Bad("InvalidParameter", f"{op}: Ticket parameter is invalid!")
        plan["ticket"] = _check_changes(ctx, op, t, ticket_id)
    if data.get("Article") not in (None, ""):
        plan["article"] = validate.article(ctx, op, data["Article"], create=False)
    plan["dfs"] = validate.dynamic_fields(ctx, op, data.get("DynamicField"))
    atts = validate.attachments(op, data.get("Attachment"))
    if atts and plan["article"] is None:
        raise Bad("MissingParameter", f"{op}: Article parameter is missing or not valid!")
    if plan["article"] is not None:
        plan["article"].attachments = atts
    return plan


def _check_changes(ctx: Ctx, op: str, t: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "Title" in t:
        if not validate.scalar(t["Title"]) or str(t["Title"]).strip() == "":
            raise Bad("InvalidParameter", f"{op}: Ticket->Title parameter is invalid!")
        out["title"] = str(t["Title"]).strip()
    for key in ("Queue", "Type", "State", "Service", "SLA", "Priority"):
        found = validate.resolve(ctx, op, t, key, _REF[key])
        if found is not None:
            out[key.lower() + "_id"] = found
    if t.get("CustomerUser"):
        out["customer"] = validate.customer(ctx, op, t["CustomerUser"], t.get("CustomerID"))
    row = tickets.ticket_row(ctx, ticket_id)
    login = out["customer"][0] if "customer" in out else row.customer_user_id or ""
    if out.get("service_id") or out.get("sla_id"):
        _check_service(
            ctx,
            op,
            {"service_id": out.get("service_id", row.service_id), "sla_id": out.get("sla_id")},
            login,
        )
    out["owner_id"] = validate.agent_id(ctx, op, t, "Owner")
    out["responsible_id"] = validate.agent_id(ctx, op, t, "Responsible")
    if t.get("PendingTime"):
        out["pending"] = validate.pending_time(op, t["PendingTime"], ctx.now())
    state = out.get("state_id")
    if state and tickets.state_type(ctx, state).startswith("pending") and "pending" not in out:
        raise Bad("MissingParameter", "Can't set a ticket on a pending state without pendig time!")
    return out


def _apply_update(ctx: Ctx, ticket_id: int, plan: dict[str, Any]) -> int | None:
    """Apply changes in Znuny's order: title, queue, type, state, service, SLA, customer,
    priority, owner, responsible, article, dynamic fields."""
    ch = plan["ticket"]
    row = tickets.ticket_row(ctx, ticket_id)
    if "title" in ch and ch["title"] != row.title:
        tickets.touch(ctx, ticket_id, title=ch["title"])
        tickets.history(ctx, ticket_id, "TitleUpdate", f"%%{row.title}%%{ch['title']}")
    _simple(ctx, ticket_id, ch, "queue_id", "queue_id", s.queue, "Move")
    _simple(ctx, ticket_id, ch, "type_id", "type_id", s.ticket_type, "TypeUpdate")
    _state(ctx, ticket_id, ch)
    _simple(ctx, ticket_id, ch, "service_id", "service_id", s.service, "ServiceUpdate")
    _simple(ctx, ticket_id, ch, "sla_id", "sla_id", s.sla, "SLAUpdate")
    if "customer" in ch and ch["customer"] != (row.customer_user_id, row.customer_id):
        login, cid = ch["customer"]
        tickets.touch(ctx, ticket_id, customer_user_id=login, customer_id=cid)
        tickets.history(
            ctx, ticket_id, "CustomerUpdate", f"%%CustomerID={cid};CustomerUser={login};"
        )
    _simple(
        ctx, ticket_id, ch, "priority_id", "ticket_priority_id", s.ticket_priority, "PriorityUpdate"
    )
    if ch.get("owner_id") and ch["owner_id"] != tickets.ticket_row(ctx, ticket_id).user_id:
        tickets.set_owner(ctx, ticket_id, ch["owner_id"])
    if ch.get("responsible_id") and ch["responsible_id"] != row.responsible_user_id:
        tickets.touch(ctx, ticket_id, responsible_user_id=ch["responsible_id"])
        login = tickets.name_of_user(ctx, ch["responsible_id"])
        tickets.history(ctx, ticket_id, "ResponsibleUpdate", f"%%{login}%%{ch['responsible_id']}")
    aid = _update_article(ctx, ticket_id, plan["article"])
    for field, vals in plan["dfs"]:
        target = aid if field.object_type == "Article" and aid else ticket_id
        if field.object_type == "Ticket" or aid:
            fields.store(ctx, field, target, vals, ticket_id)
    tickets.send_notifications(ctx)
    rebuild_index(ctx, ticket_id)
    return aid


def _simple(
    ctx: Ctx, ticket_id: int, ch: dict[str, Any], key: str, column: str, table: Any, kind: str
) -> None:
    new = ch.get(key)
    old = getattr(tickets.ticket_row(ctx, ticket_id), column)
    if new is None or new == old:
        return
    tickets.touch(ctx, ticket_id, **{column: new})
    new_name, old_name = name_of(ctx, table, new), name_of(ctx, table, old)
    if kind in ("PriorityUpdate", "Move", "TypeUpdate"):
        text = (
            f"%%{old_name}%%{old}%%{new_name}%%{new}"
            if kind == "PriorityUpdate"
            else (f"%%{new_name}%%{new}%%{old_name}%%{old}")
        )
    else:
        text = f"%%{new_name}%%{new}%%{old_name or 'NULL'}%%{old or ''}"
    tickets.history(ctx, ticket_id, kind, text)


def _state(ctx: Ctx, ticket_id: int, ch: dict[str, Any]) -> None:
    new = ch.get("state_id")
    row = tickets.ticket_row(ctx, ticket_id)
    pending = ch.get("pending")
    if new is None or new == row.ticket_state_id:
        if pending is not None:
            tickets.set_pending(ctx, ticket_id, pending)
        return
    if tickets.state_type(ctx, new).startswith("pending"):
        tickets.set_pending(ctx, ticket_id, pending)
        tickets.set_state(ctx, ticket_id, new)
    else:
        tickets.set_state(ctx, ticket_id, new)
        tickets.set_pending(ctx, ticket_id, None)


def _update_article(ctx: Ctx, ticket_id: int, art: tickets.NewArticle | None) -> int | None:
    if art is None:
        return None
    if not art.from_ and ctx.user_type == "User":
        agent = ctx.one(select(s.users).where(s.users.c.id == ctx.user_id))
        art.from_ = f"{agent.first_name} {agent.last_name}"
    aid = tickets.create_article(ctx, ticket_id, art)
    if art.time_unit:
        tickets.account_time(ctx, ticket_id, aid, art.time_unit)
    owner = tickets.ticket_row(ctx, ticket_id).user_id
    if art.sender_type == "agent" and art.channel_id == 3 and owner not in (1, ctx.user_id):
        ctx.notifications.append((ticket_id, "Ticket new note notification", owner))
    return aid
