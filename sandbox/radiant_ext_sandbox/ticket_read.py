"""TicketGet and TicketHistoryGet replies, key for key as Znuny writes them."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import func, select

from radiant_ext_sandbox import escalation, fields, permissions
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx
from radiant_ext_sandbox.prefetch import cached, prefetch
from radiant_ext_sandbox.sessions import authenticate, error
from radiant_ext_sandbox.tickets import SENDER_TYPES, total_time
from radiant_ext_sandbox.timeutil import epoch_of, fmt

_SENDER_NAMES = {v: k for k, v in SENDER_TYPES.items()}


def flag(data: dict[str, Any], key: str, default: bool = False) -> bool:
    """A 0/1 option from the query or body."""
    value = data.get(key)
    if value is None:
        return default
    return str(value) not in ("", "0")


def split_ids(value: Any) -> list[str]:
    """``"1,2"``, ``["1", "2,3"]`` or ``5`` → a flat list of id strings."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        out += [p.strip() for p in str(item).split(",") if p.strip()]
    return out


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _lookups(ctx: Ctx) -> dict[str, dict[int, Any]]:
    """Id → name (and group, state type, colour) maps, read once per request."""
    if "lookups" not in ctx.cache:
        q, st, stt, pr = s.queue, s.ticket_state, s.ticket_state_type, s.ticket_priority
        run = ctx.conn.execute
        ctx.cache["lookups"] = {
            "queue": {r.id: r for r in run(select(q.c.id, q.c.name, q.c.group_id))},
            "state": {
                r.id: r
                for r in run(
                    select(st.c.id, st.c.name, stt.c.name.label("type")).select_from(
                        st.join(stt, st.c.type_id == stt.c.id)
                    )
                )
            },
            "priority": {r.id: r for r in run(select(pr.c.id, pr.c.name, pr.c.color))},
            "user": dict(run(select(s.users.c.id, s.users.c.login)).all()),
            "type": dict(run(select(s.ticket_type.c.id, s.ticket_type.c.name)).all()),
            "service": dict(run(select(s.service.c.id, s.service.c.name)).all()),
            "sla": dict(run(select(s.sla.c.id, s.sla.c.name)).all()),
        }
    lookups: dict[str, dict[int, Any]] = ctx.cache["lookups"]
    return lookups


def _ticket_row(ctx: Ctx, ticket_id: int) -> Any:
    row = cached(ctx, "ticket", ticket_id)
    return row if row is not None else ctx.one(select(s.ticket).where(s.ticket.c.id == ticket_id))


def ticket_json(ctx: Ctx, ticket_id: int) -> dict[str, Any]:
    """The ticket part of a TicketGet reply (37 keys on Znuny, 38 on OTRS 6, plus optional ones)."""
    row = _ticket_row(ctx, ticket_id)
    names = _lookups(ctx)
    queue, state = names["queue"][row.queue_id], names["state"][row.ticket_state_id]
    prio, users = names["priority"][row.ticket_priority_id], names["user"]
    now = ctx.now()
    until = row.until_time if state.type.startswith("pending") else 0
    out: dict[str, Any] = {
        "Age": int((now - row.create_time).total_seconds()),
        "ArchiveFlag": "n",
        "ChangeBy": row.change_by,
        "Changed": fmt(row.change_time),
        "CreateBy": row.create_by,
        "Created": fmt(row.create_time),
        "CustomerID": row.customer_id,
        "CustomerUserID": row.customer_user_id,
        "GroupID": queue.group_id,
        "Lock": "lock" if row.ticket_lock_id == 2 else "unlock",
        "LockID": row.ticket_lock_id,
        "Owner": users.get(row.user_id),
        "OwnerID": row.user_id,
        "Priority": prio.name,
        "PriorityID": row.ticket_priority_id,
        "Queue": queue.name,
        "QueueID": row.queue_id,
        "RealTillTimeNotUsed": until,
        "Responsible": users.get(row.responsible_user_id),
        "ResponsibleID": row.responsible_user_id,
        "SLAID": row.sla_id or "",
        "ServiceID": row.service_id or "",
        "State": state.name,
        "StateID": row.ticket_state_id,
        "StateType": state.type,
        "TicketID": row.id,
        "TicketNumber": row.tn,
        "TimeUnit": _num(total_time(ctx, row.id)),
        "Title": row.title,
        "Type": names["type"].get(row.type_id),
        "TypeID": row.type_id,
        "UnlockTimeout": row.timeout,
        "UntilTime": max(until - epoch_of(now), 0) if until else 0,
    }
    if ctx.flavour == "otrs6":
        out["PriorityColor"] = prio.color
    if row.service_id:
        out["Service"] = names["service"].get(row.service_id)
    if row.sla_id:
        out["SLA"] = names["sla"].get(row.sla_id)
    out.update(escalation.ticket_fields(ctx, row, state.type))
    return out


def _attachments(ctx: Ctx, article_id: int, contents: bool) -> list[dict[str, Any]]:
    t = s.article_data_mime_attachment
    rows = ctx.conn.execute(select(t).where(t.c.article_id == article_id).order_by(t.c.id)).all()
    return [
        {
            "Content": base64.b64encode(r.content or b"").decode() if contents else "",
            "ContentAlternative": r.content_alternative or "",
            "ContentID": r.content_id or "",
            "ContentType": r.content_type,
            "Disposition": r.disposition or "attachment",
            "FileID": str(i),
            "Filename": r.filename,
            "FilesizeRaw": str(r.content_size),
        }
        for i, r in enumerate(rows, start=1)
    ]


def _article_json(ctx: Ctx, a: Any, number: int) -> dict[str, Any]:
    ct = a.a_content_type or ""
    mime = ct.split(";")[0].strip()
    charset = ct.split("charset=")[1].strip().strip('"') if "charset=" in ct else ""
    ta = s.time_accounting
    units = ctx.scalar(
        select(func.coalesce(func.sum(ta.c.time_unit), 0)).where(ta.c.article_id == a.id)
    )
    return {
        "ArticleID": a.id,
        "ArticleNumber": number,
        "Bcc": a.a_bcc or "",
        "Body": a.a_body or "",
        "Cc": a.a_cc or "",
        "ChangeBy": a.change_by,
        "ChangeTime": fmt(a.change_time),
        "Charset": charset,
        "CommunicationChannelID": a.communication_channel_id,
        "ContentCharset": charset,
        "ContentType": ct,
        "CreateBy": a.create_by,
        "CreateTime": fmt(a.create_time),
        "From": a.a_from or "",
        "InReplyTo": a.a_in_reply_to or "",
        "IncomingTime": a.incoming_time,
        "IsVisibleForCustomer": a.is_visible_for_customer,
        "MessageID": a.a_message_id or "",
        "MimeType": mime,
        "References": a.a_references or "",
        "ReplyTo": a.a_reply_to or "",
        "SenderType": _SENDER_NAMES[a.article_sender_type_id],
        "SenderTypeID": str(a.article_sender_type_id),
        "Subject": a.a_subject or "",
        "TicketID": a.ticket_id,
        "TimeUnit": _num(float(units or 0)),
        "To": a.a_to or "",
    }


def articles_json(ctx: Ctx, ticket_id: int, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``Article`` list: customer-visible only for customers; sender filter, order, limit."""
    a, m = s.article, s.article_data_mime
    stmt = (
        select(a, m)
        .select_from(a.join(m, m.c.article_id == a.c.id))
        .where(a.c.ticket_id == ticket_id)
    )
    if ctx.user_type == "Customer":
        stmt = stmt.where(a.c.is_visible_for_customer == 1)
    rows = ctx.conn.execute(stmt.order_by(a.c.id)).all()
    numbered = [(row, i) for i, row in enumerate(rows, start=1)]
    senders = data.get("ArticleSenderType")
    if senders:
        wanted = senders if isinstance(senders, list) else [senders]
        numbered = [
            x for w in wanted for x in numbered if _SENDER_NAMES[x[0].article_sender_type_id] == w
        ]
    if str(data.get("ArticleOrder", "")).upper() == "DESC":
        numbered.reverse()
    limit = str(data.get("ArticleLimit") or "0")
    if limit.isdigit() and int(limit) > 0:
        numbered = numbered[: int(limit)]
    out = []
    for row, number in numbered:
        item = _article_json(ctx, row, number)
        row_id = row.id
        if flag(data, "DynamicFields"):
            dfs = fields.read_all(ctx, "Article", row_id)
            if dfs:
                item["DynamicField"] = dfs
        if flag(data, "Attachments"):
            atts = _attachments(ctx, row_id, flag(data, "GetAttachmentContents", True))
            if atts:
                item["Attachment"] = atts
        out.append(item)
    return out


def ticket_get(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """TicketGet: one or several tickets (always a list); one foreign id fails the batch."""
    op = "TicketGet"
    if not authenticate(ctx, data):
        return error(op, "AuthFail", f"{op}: Authorization failing!")
    if not data.get("TicketID"):
        return error(op, "MissingParameter", f"{op}: TicketID parameter is missing!")
    ids = split_ids(data["TicketID"])
    if not ids or not permissions.may_access_all(ctx, ids):
        return error(op, "AccessDenied", f"{op}: User does not have access to the ticket!")
    out = []
    prefetch(ctx, [int(i) for i in ids])
    for ident in ids:
        ticket = ticket_json(ctx, int(ident))
        if flag(data, "Extended"):
            row = _ticket_row(ctx, int(ident))
            ticket.update(escalation.extended_fields(ctx, row))
        if flag(data, "DynamicFields"):
            ticket["DynamicField"] = fields.read_all(ctx, "Ticket", int(ident))
        if flag(data, "AllArticles"):
            arts = articles_json(ctx, int(ident), data)
            if arts:
                ticket["Article"] = arts
        out.append(ticket)
    return {"Ticket": out}


def ticket_history_get(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """TicketHistoryGet: agents only; the history rows in order."""
    op = "TicketHistoryGet"
    if not authenticate(ctx, data):
        return error(op, "AuthFail", f"{op}: Authorization failing!")
    if ctx.user_type != "User":
        return error(op, "AuthFail", f"{op}: User needs to an Agent!")
    if not data.get("TicketID"):
        return error(op, "MissingParameter", f"{op}: TicketID parameter is missing!")
    out = []
    h, ht = s.ticket_history, s.ticket_history_type
    for ident in split_ids(data["TicketID"]):
        if not permissions.may_access(ctx, ident):
            return error(
                op, "AccessDenied", f"{op}: User does not have access to the ticket {ident}!"
            )
        rows = ctx.conn.execute(
            select(h, ht.c.name.label("type_name"))
            .select_from(h.join(ht, ht.c.id == h.c.history_type_id))
            .where(h.c.ticket_id == int(ident))
            .order_by(h.c.id)
        ).all()
        history = [
            {
                "ArticleID": r.article_id or 0,
                "CreateBy": r.create_by,
                "CreateTime": fmt(r.create_time),
                "HistoryType": r.type_name,
                "HistoryTypeID": r.history_type_id,
                "Name": r.name,
                "OwnerID": r.owner_id,
                "PriorityID": r.priority_id,
                "QueueID": r.queue_id,
                "StateID": r.state_id,
                "TicketID": str(r.ticket_id),
                "TypeID": r.type_id,
            }
            for r in rows
        ]
        out.append({"History": history, "TicketID": str(int(ident))})
    return {"TicketHistory": out}
