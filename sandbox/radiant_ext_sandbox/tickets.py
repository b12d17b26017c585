"""Ticket writes with Znuny's side effects: history rows, unlock reset, time accounting."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, literal, select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx, name_of
from radiant_ext_sandbox.events import emit
from radiant_ext_sandbox.prefetch import cached
from radiant_ext_sandbox.timeutil import epoch_of, ticket_number

#: Znuny's ticket_history_type ids (the ones seen in the recordings, plus neighbours).
HISTORY_TYPES = {
    "NewTicket": 1,
    "FollowUp": 2,
    "SendAutoReply": 4,
    "SendAgentNotification": 9,
    "SendCustomerNotification": 10,
    "EmailAgent": 11,
    "EmailCustomer": 12,
    "PhoneCallAgent": 13,
    "PhoneCallCustomer": 14,
    "AddNote": 15,
    "Move": 16,
    "Lock": 17,
    "Unlock": 18,
    "TimeAccounting": 20,
    "CustomerUpdate": 21,
    "PriorityUpdate": 22,
    "OwnerUpdate": 23,
    "Misc": 25,
    "SetPendingTime": 26,
    "StateUpdate": 27,
    "TicketDynamicFieldUpdate": 28,
    "WebRequestCustomer": 29,
    "ResponsibleUpdate": 34,
    "TypeUpdate": 37,
    "ServiceUpdate": 38,
    "SLAUpdate": 39,
    "ArchiveFlagUpdate": 40,
    "TitleUpdate": 50,
}
SENDER_TYPES = {"agent": 1, "system": 2, "customer": 3}
CHANNELS = {"Email": 1, "Phone": 2, "Internal": 3}


@dataclass
class NewArticle:
    """A validated article ready to be stored."""

    subject: str
    body: str
    content_type: str
    sender_type: str = "agent"
    channel_id: int = 3
    visible: int = 1
    from_: str = ""
    to: str = ""
    cc: str = ""
    bcc: str = ""
    reply_to: str = ""
    time_unit: float | None = None
    history_type: str = "AddNote"
    history_comment: str = "%%GenericInterface Note"
    message_id: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)


def audit(ctx: Ctx) -> dict[str, Any]:
    """The four audit columns for a row written now by the acting user."""
    now = ctx.now()
    return {
        "create_time": now,
        "create_by": ctx.user_id,
        "change_time": now,
        "change_by": ctx.user_id,
    }


def ticket_row(ctx: Ctx, ticket_id: int) -> Any:
    """Return the ``ticket`` row."""
    return ctx.one(select(s.ticket).where(s.ticket.c.id == ticket_id))


def history(ctx: Ctx, ticket_id: int, kind: str, name: str, article_id: int = 0) -> None:
    """Add a ``ticket_history`` row with the ticket's current queue/owner/priority/state."""
    tk, h = s.ticket, s.ticket_history
    stamp = audit(ctx)
    row = select(
        literal(name[:200]),
        literal(HISTORY_TYPES[kind]),
        tk.c.id,
        literal(article_id),
        func.coalesce(tk.c.type_id, 1),
        tk.c.queue_id,
        tk.c.user_id,
        tk.c.ticket_priority_id,
        tk.c.ticket_state_id,
        literal(stamp["create_time"]),
        literal(ctx.user_id),
        literal(stamp["change_time"]),
        literal(ctx.user_id),
    ).where(tk.c.id == ticket_id)
    columns = [
        "name",
        "history_type_id",
        "ticket_id",
        "article_id",
        "type_id",
        "queue_id",
        "owner_id",
        "priority_id",
        "state_id",
        "create_time",
        "create_by",
        "change_time",
        "change_by",
    ]
    ctx.conn.execute(h.insert().from_select(columns, row))


def touch(ctx: Ctx, ticket_id: int, **values: Any) -> None:
    """Update ticket columns and the change time/user."""
    ctx.conn.execute(
        s.ticket.update()
        .where(s.ticket.c.id == ticket_id)
        .values(change_time=ctx.now(), change_by=ctx.user_id, **values)
    )


def next_ticket_number(ctx: Ctx) -> str:
    """Count up the day's counter and return the new date-based ticket number."""
    day = ctx.now().date()
    uid = f"{day:%Y%m%d}"
    t = s.ticket_number_counter
    current = ctx.scalar(select(t.c.counter).where(t.c.counter_uid == uid))
    if current is None:
        current = 0
        ctx.conn.execute(t.insert().values(counter=0, counter_uid=uid, create_time=ctx.now()))
    current += 1
    ctx.conn.execute(t.update().where(t.c.counter_uid == uid).values(counter=current))
    return ticket_number(day, str(ctx.settings["system_id"]), current)


def create_ticket(ctx: Ctx, values: dict[str, Any]) -> tuple[int, str]:
    """Insert a ticket (owner 1 first, like Znuny) with the NewTicket history row."""
    now = ctx.now()
    tn = next_ticket_number(ctx)
    row = dict(
        tn=tn,
        title=values["title"],
        queue_id=values["queue_id"],
        ticket_lock_id=1,
        type_id=values.get("type_id") or 1,
        service_id=values.get("service_id"),
        sla_id=values.get("sla_id"),
        user_id=1,
        responsible_user_id=values.get("responsible_id") or 1,
        ticket_priority_id=values["priority_id"],
        ticket_state_id=values["state_id"],
        customer_id=values.get("customer_id"),
        customer_user_id=values.get("customer_user"),
        create_time=now,
        create_by=ctx.user_id,
        change_time=now,
        change_by=ctx.user_id,
    )
    ticket_id = int(ctx.conn.execute(s.ticket.insert().values(**row)).lastrowid)
    queue = name_of(ctx, s.queue, values["queue_id"])
    prio = name_of(ctx, s.ticket_priority, values["priority_id"])
    state = name_of(ctx, s.ticket_state, values["state_id"])
    history(ctx, ticket_id, "NewTicket", f"%%{tn}%%{queue}%%{prio}%%{state}%%{ticket_id}")
    if values.get("service_id"):
        svc = name_of(ctx, s.service, values["service_id"])
        history(ctx, ticket_id, "ServiceUpdate", f"%%{svc}%%{values['service_id']}%%NULL%%")
    if values.get("sla_id"):
        name = name_of(ctx, s.sla, values["sla_id"])
        history(ctx, ticket_id, "SLAUpdate", f"%%{name}%%{values['sla_id']}%%NULL%%")
    if values.get("type_given"):
        name = name_of(ctx, s.ticket_type, values["type_id"])
        history(ctx, ticket_id, "TypeUpdate", f"%%{name}%%{values['type_id']}")
    history(
        ctx,
        ticket_id,
        "CustomerUpdate",
        f"%%CustomerID={values.get('customer_id') or ''};"
        f"CustomerUser={values.get('customer_user') or ''};",
    )
    emit(ctx, "TicketCreate", ticket_id)
    return ticket_id, tn


def create_article(ctx: Ctx, ticket_id: int, art: NewArticle) -> int:
    """Store an article with its attachments; reset the unlock time for agent articles."""
    now = ctx.now()
    aid = int(
        ctx.conn.execute(
            s.article.insert().values(
                ticket_id=ticket_id,
                article_sender_type_id=SENDER_TYPES[art.sender_type],
                communication_channel_id=art.channel_id,
                is_visible_for_customer=art.visible,
                **audit(ctx),
            )
        ).lastrowid
    )
    ctx.conn.execute(
        s.article_data_mime.insert().values(
            article_id=aid,
            a_from=art.from_,
            a_to=art.to,
            a_cc=art.cc,
            a_bcc=art.bcc,
            a_reply_to=art.reply_to,
            a_subject=art.subject,
            a_message_id=art.message_id,
            a_in_reply_to="",
            a_references="",
            a_content_type=art.content_type,
            a_body=art.body,
            incoming_time=epoch_of(now),
            **audit(ctx),
        )
    )
    _store_attachments(ctx, aid, art.attachments)
    history(ctx, ticket_id, art.history_type, art.history_comment, aid)
    touch(ctx, ticket_id)
    # TicketUnlockTimeoutUpdate does nothing when the value is unchanged (file 08: a note
    # written back in the same second as the first article adds no "Reset" row).
    if art.sender_type == "agent" and ticket_row(ctx, ticket_id).timeout != epoch_of(now):
        touch(ctx, ticket_id, timeout=epoch_of(now))
        history(ctx, ticket_id, "Misc", "Reset of unlock time.")
    emit(ctx, "ArticleCreate", ticket_id, ArticleID=aid)
    return aid


def _store_attachments(ctx: Ctx, aid: int, attachments: list[dict[str, Any]]) -> None:
    """Store decoded attachments of one article."""
    for att in attachments:
        content = base64.b64decode(att["Content"] or "")
        ctx.conn.execute(
            s.article_data_mime_attachment.insert().values(
                article_id=aid,
                filename=att["Filename"],
                content_size=str(len(content)),
                content_type=att["ContentType"],
                content_id=att.get("ContentID") or "",
                content_alternative="",
                disposition=att.get("Disposition") or "attachment",
                content=content,
                **audit(ctx),
            )
        )


def account_time(ctx: Ctx, ticket_id: int, article_id: int, units: float) -> None:
    """Record accounted time and the TimeAccounting history row (``%%units%%total``)."""
    ctx.conn.execute(
        s.time_accounting.insert().values(
            ticket_id=ticket_id,
            article_id=article_id,
            time_unit=_num(units),
            **audit(ctx),
        )
    )
    history(
        ctx,
        ticket_id,
        "TimeAccounting",
        f"%%{_num(units)}%%{_num(total_time(ctx, ticket_id))}",
        article_id,
    )


def total_time(ctx: Ctx, ticket_id: int) -> float:
    """Sum of the accounted time of a ticket."""
    known = cached(ctx, "time", ticket_id)
    if known is not None:
        return sum(float(v) for v in known)
    t = s.time_accounting
    rows = ctx.conn.execute(select(t.c.time_unit).where(t.c.ticket_id == ticket_id))
    return sum(float(r[0]) for r in rows)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def set_owner(ctx: Ctx, ticket_id: int, owner_id: int) -> None:
    """Change the owner (OwnerUpdate ``%%login%%id``) and notify a different owner."""
    touch(ctx, ticket_id, user_id=owner_id)
    login = name_of_user(ctx, owner_id)
    history(ctx, ticket_id, "OwnerUpdate", f"%%{login}%%{owner_id}")
    if owner_id not in (1, ctx.user_id):
        ctx.notifications.append((ticket_id, "Ticket owner update notification", owner_id))


def name_of_user(ctx: Ctx, user_id: int) -> str:
    """Return an agent's login."""
    return str(ctx.scalar(select(s.users.c.login).where(s.users.c.id == user_id)))


def set_pending(ctx: Ctx, ticket_id: int, until: dt.datetime | None) -> None:
    """Set or clear the pending time (``%%YYYY-MM-DD HH:MM`` or ``%%00-00-00 00:00``)."""
    touch(ctx, ticket_id, until_time=epoch_of(until) if until else 0)
    text = until.strftime("%Y-%m-%d %H:%M") if until else "00-00-00 00:00"
    history(ctx, ticket_id, "SetPendingTime", f"%%{text}")


def set_state(ctx: Ctx, ticket_id: int, state_id: int) -> None:
    """Change the state (StateUpdate ``%%old%%new%%``); closing unlocks."""
    old = name_of(ctx, s.ticket_state, ticket_row(ctx, ticket_id).ticket_state_id)
    emit(ctx, "TicketStateUpdate", ticket_id)  # OldTicketData: before the change
    values: dict[str, Any] = {"ticket_state_id": state_id}
    if state_type(ctx, state_id) == "closed":
        values["ticket_lock_id"] = 1
    touch(ctx, ticket_id, **values)
    history(ctx, ticket_id, "StateUpdate", f"%%{old}%%{name_of(ctx, s.ticket_state, state_id)}%%")


def state_type(ctx: Ctx, state_id: int) -> str:
    """Return the state-type name of a state."""
    st, stt = s.ticket_state, s.ticket_state_type
    stmt = (
        select(stt.c.name)
        .select_from(st.join(stt, st.c.type_id == stt.c.id))
        .where(st.c.id == state_id)
    )
    return str(ctx.scalar(stmt))


def send_notifications(ctx: Ctx) -> None:
    """Write the SendAgentNotification rows Znuny's transaction events add at request end."""
    for ticket_id, what, user_id in ctx.notifications:
        history(
            ctx,
            ticket_id,
            "SendAgentNotification",
            f"%%{what}%%{name_of_user(ctx, user_id)}%%Email",
        )
    ctx.notifications.clear()
