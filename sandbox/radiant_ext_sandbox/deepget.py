"""``TicketDeepGet``: the ticket as the ``Ticket::Generic`` invoker sends it.

The GI TicketGet reply (all articles, dynamic fields, attachments) plus the records Znuny adds
(``QueueData``, ``OwnerData``, ``ResponsibleData``, ``CreateByData``, ``PriorityData``,
``TypeData``, ``ServiceData``/``SLAData``, ``CustomerUser``, ``CustomerCompany``) and the
articles' ``FromRealname``/``ToRealname`` (``shared/contract/znuny-webhook/`` files 01-06).
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any

from sqlalchemy import select

from radiant_ext_sandbox import escalation, fields, sessions, ticket_read
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx
from radiant_ext_sandbox.timeutil import fmt
from radiant_ext_sandbox.znuny_invoker import invoker_payload

_AUDIT = (
    ("CreateTime", "create_time"),
    ("CreateBy", "create_by"),
    ("ChangeTime", "change_time"),
    ("ChangeBy", "change_by"),
    ("ValidID", "valid_id"),
)


def _audit(row: Any) -> dict[str, Any]:
    out = {key: getattr(row, col) for key, col in _AUDIT}
    out["CreateTime"], out["ChangeTime"] = fmt(row.create_time), fmt(row.change_time)
    return out


def _named(ctx: Ctx, table: Any, ident: Any, **extra: Any) -> dict[str, Any]:
    row = ctx.one(select(table).where(table.c.id == ident)) if ident else None
    if row is None:
        return {}
    out = {"ID": row.id, "Name": row.name, **_audit(row)}
    out.update({key: getattr(row, col) for key, col in extra.items()})
    return out


def _queue(ctx: Ctx, queue_id: int) -> dict[str, Any]:
    q = ctx.one(select(s.queue).where(s.queue.c.id == queue_id))
    out = {
        "QueueID": q.id,
        "Name": q.name,
        "GroupID": q.group_id,
        "Comment": q.comments,
        "Calendar": q.calendar_name or "",
        "UnlockTimeout": q.unlock_timeout or 0,
        "FirstResponseTime": q.first_response_time,
        "UpdateTime": q.update_time,
        "SolutionTime": q.solution_time,
        "FirstResponseNotify": q.first_response_notify,
        "UpdateNotify": q.update_notify,
        "SolutionNotify": q.solution_notify,
        "SystemAddressID": q.system_address_id,
        "SalutationID": q.salutation_id,
        "SignatureID": q.signature_id,
        "FollowUpID": q.follow_up_id,
        "FollowUpLock": q.follow_up_lock,
        "DefaultSignKey": q.default_sign_key,
        "Email": "znuny@localhost",
        "RealName": "Znuny System",
        **_audit(q),
    }
    for key in ("CreateBy", "ChangeBy"):
        out.pop(key)
    return out


def _agent(ctx: Ctx, user_id: int) -> dict[str, Any]:
    data = sessions._agent_data(ctx, user_id)  # noqa: SLF001 - same record as SessionGet's
    data.pop("UserType", None)
    data.update(UserID=user_id, ValidID=int(data.get("ValidID", 1)))
    data.setdefault("UserEmail", data.get("UserLogin"))
    return data


def _customer(ctx: Ctx, login: str | None) -> dict[str, Any]:
    data = sessions._customer_data(ctx, login or "")  # noqa: SLF001
    for key in ("Config", "CompanyConfig", "UserPassword", "UserAuthBackend", "UserType"):
        data.pop(key, None)
    return data


def _company(ctx: Ctx, customer_id: str | None) -> dict[str, Any]:
    t = s.customer_company
    row = ctx.one(select(t).where(t.c.customer_id == (customer_id or "")))
    if row is None:
        return {}
    out = {
        "CustomerID": row.customer_id,
        "CustomerCompanyName": row.name,
        "Source": "CustomerCompany",
        **_audit(row),
    }
    for col, key in (
        ("street", "Street"),
        ("zip", "ZIP"),
        ("city", "City"),
        ("country", "Country"),
        ("url", "URL"),
        ("comments", "Comment"),
    ):
        out["CustomerCompany" + key] = getattr(row, col)
    return out


def records(ctx: Ctx, ticket: Mapping[str, Any]) -> dict[str, Any]:
    """The records TicketDeepGet adds to a TicketGet ticket."""
    out: dict[str, Any] = {
        "QueueData": _queue(ctx, ticket["QueueID"]),
        "OwnerData": _agent(ctx, ticket["OwnerID"]),
        "ResponsibleData": _agent(ctx, ticket["ResponsibleID"]),
        "CreateByData": _agent(ctx, ticket["CreateBy"]),
        "PriorityData": _named(ctx, s.ticket_priority, ticket["PriorityID"], Color="color"),
        "TypeData": _named(ctx, s.ticket_type, ticket["TypeID"]),
        "CustomerUser": _customer(ctx, ticket.get("CustomerUserID")),
        "CustomerCompany": _company(ctx, ticket.get("CustomerID")),
    }
    if ticket.get("ServiceID"):
        out["ServiceData"] = _named(ctx, s.service, ticket["ServiceID"], Comment="comments")
    if ticket.get("SLAID"):
        out["SLAData"] = _named(ctx, s.sla, ticket["SLAID"], Calendar="calendar_name")
    return out


def _realnames(article: dict[str, Any]) -> None:
    article.pop("TimeUnit", None)  # ArticleGet has no TimeUnit; the GI's TicketGet adds it
    for key in ("From", "To"):
        name, address = parseaddr(str(article.get(key) or ""))
        article[f"{key}Realname"] = name or address or str(article.get(key) or "")


def invoker_body(ctx: Ctx, event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The invoker's request body for ``event``, read now; ``None`` if the ticket is gone."""
    ticket_id = int(event["TicketID"])
    if ctx.one(select(s.ticket.c.id).where(s.ticket.c.id == ticket_id)) is None:
        return None  # deleted meanwhile
    ticket = ticket_read.ticket_json(ctx, ticket_id)
    row = ctx.one(select(s.ticket).where(s.ticket.c.id == ticket_id))
    ticket.update(escalation.extended_fields(ctx, row))  # FirstResponse once answered (file 01)
    ticket["DynamicField"] = fields.read_all(ctx, "Ticket", ticket_id)
    articles = ticket_read.articles_json(ctx, ticket_id, {"Attachments": 1})
    for article in articles:
        _realnames(article)
    ticket["Article"] = articles
    body = invoker_payload(
        event, ticket, article_id=event.get("ArticleID"), extra=records(ctx, ticket)
    )
    return body
