"""Znuny's side of the write-back: one action of an invoker answer applied to the ticket.

Every action runs as user 1 (``root@localhost``) with the history rows Znuny 7.0.19 writes
(``shared/contract/znuny-webhook/`` files 08, 10, 12). Order, the stop at the first failure and
the structural checks come from :func:`~.znuny_writeback.plan_writeback` and
:func:`~.znuny_writeback.apply_writeback`; this module only knows the ticket's data: an
unknown queue, state, priority, type, service, SLA or agent fails the action, a dynamic field
that does not exist is skipped (success), a dropdown value is not checked (file 10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from radiant_ext_sandbox import fields, ticket_write, tickets, validate
from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx, lookup_id
from radiant_ext_sandbox.events import emit
from radiant_ext_sandbox.timeutil import FMT, parse
from radiant_ext_sandbox.znuny_writeback import WriteBackAction

#: Article defaults of ``OTRS_TicketArticleAdd`` (any key of the answer overrides them).
ARTICLE_DEFAULTS = {
    "CommunicationChannel": "Internal",
    "SenderType": "agent",
    "IsVisibleForCustomer": 0,
    "From": "Generic Interface",
    "ContentType": "text/plain; charset=utf-8",
}

_NAMED = {  # operation -> (table, ticket column, history type), written like TicketUpdate
    "QueueSet": (s.queue, "queue_id", "Move"),
    "TypeSet": (s.ticket_type, "type_id", "TypeUpdate"),
    "ServiceSet": (s.service, "service_id", "ServiceUpdate"),
    "SLASet": (s.sla, "sla_id", "SLAUpdate"),
    "PrioritySet": (s.ticket_priority, "ticket_priority_id", "PriorityUpdate"),
}


def _named(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    table, column, kind = _NAMED[action.operation]
    found = lookup_id(ctx, table, action.value)
    if found is None:
        return False
    key = "priority_id" if column == "ticket_priority_id" else column
    ticket_write._simple(ctx, ticket_id, {key: found}, key, column, table, kind)  # noqa: SLF001
    return True


def _article(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    given = {**ARTICLE_DEFAULTS, **action.value}
    if "ChannelName" in given:
        given["CommunicationChannel"] = given.pop("ChannelName")
    sender = given.pop("From")
    art = validate.article(ctx, "TicketArticleAdd", given, create=False)
    art.from_ = str(sender)
    ticket_write._update_article(ctx, ticket_id, art)  # noqa: SLF001
    return True


def _dynamic_field(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    field = fields.field_by_name(ctx, action.field)
    if field is None or field.object_type != "Ticket":
        return True  # Znuny skips unknown fields silently (file 10)
    raw = action.value if isinstance(action.value, list) else [action.value]
    values = [str(v) for v in raw if v not in (None, "")]
    if field.field_type in ("DateTime", "Date"):
        moments = [parse(v) for v in values]
        if any(m is None for m in moments):
            return False
        values = [m.strftime(FMT) for m in moments if m is not None]
    elif field.field_type == "Checkbox" and any(v not in ("0", "1") for v in values):
        return False
    fields.store(ctx, field, ticket_id, values, ticket_id)
    return True


def _history(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    kind = str(action.value.get("HistoryType"))
    if kind not in tickets.HISTORY_TYPES:
        return False
    name = action.value.get("Name") or action.value.get("HistoryComment") or ""
    tickets.history(ctx, ticket_id, kind, str(name))
    return True


def _title(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    title = str(action.value).strip()
    row = tickets.ticket_row(ctx, ticket_id)
    if title and title != row.title:
        tickets.touch(ctx, ticket_id, title=title)
        tickets.history(ctx, ticket_id, "TitleUpdate", f"%%{row.title}%%{title}")
    return bool(title)


def _state(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    state_id = lookup_id(ctx, s.ticket_state, action.value)
    if state_id is None:
        return False
    if state_id != tickets.ticket_row(ctx, ticket_id).ticket_state_id:
        tickets.set_state(ctx, ticket_id, state_id)  # fires TicketStateUpdate (file 11)
        if not tickets.state_type(ctx, state_id).startswith("pending"):
            tickets.set_pending(ctx, ticket_id, None)
    return True


def _agent_id(ctx: Ctx, login: Any) -> int | None:
    t = s.users
    found = ctx.scalar(select(t.c.id).where(t.c.login == str(login), t.c.valid_id == 1))
    return int(found) if found is not None else None


def _owner(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    owner = _agent_id(ctx, action.value)
    if owner is None:
        return False
    if owner != tickets.ticket_row(ctx, ticket_id).user_id:
        tickets.set_owner(ctx, ticket_id, owner)
    return True


def _responsible(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    user = _agent_id(ctx, action.value)
    if user is None:
        return False
    if user != tickets.ticket_row(ctx, ticket_id).responsible_user_id:
        tickets.touch(ctx, ticket_id, responsible_user_id=user)
        tickets.history(ctx, ticket_id, "ResponsibleUpdate", f"%%{action.value}%%{user}")
    return True


def _customer(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    customer_id, _, login = str(action.value).partition(";")
    if not customer_id and not login:
        return False
    row = tickets.ticket_row(ctx, ticket_id)
    if (row.customer_id, row.customer_user_id) != (customer_id, login):
        tickets.touch(ctx, ticket_id, customer_id=customer_id, customer_user_id=login)
        tickets.history(
            ctx, ticket_id, "CustomerUpdate", f"%%CustomerID={customer_id};CustomerUser={login};"
        )
    return True


def _article_event(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    t = s.article
    for part in str(action.value).split(","):
        ident = part.strip()
        found = ctx.scalar(
            select(t.c.id).where(
                t.c.id == (int(ident) if ident.isdigit() else -1), t.c.ticket_id == ticket_id
            )
        )
        if found is not None:
            emit(ctx, "ArticleCreate", ticket_id, ArticleID=int(found))
    return True


def _unsupported(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    """``OTRS_TicketCreate`` and ``OTRS_AsynchronousInvokerExecution``: not modelled."""
    return False


APPLY: dict[str, Callable[[Ctx, int, WriteBackAction], bool]] = {
    **{operation: _named for operation in _NAMED},
    "ArticleAdd": _article,
    "DynamicFieldSet": _dynamic_field,
    "HistoryAdd": _history,
    "TitleUpdate": _title,
    "StateSet": _state,
    "OwnerSet": _owner,
    "ResponsibleSet": _responsible,
    "CustomerSet": _customer,
    "ArticleCreateEvent": _article_event,
    "TicketCreate": _unsupported,
    "AsynchronousInvokerExecution": _unsupported,
}


def apply_action(ctx: Ctx, ticket_id: int, action: WriteBackAction) -> bool:
    """Apply one action as Znuny would; ``False`` when Znuny fails it."""
    try:
        return APPLY[action.operation](ctx, ticket_id, action)
    except validate.Bad:
        return False
