"""Escalation times from SLA (or queue) minutes over the business calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx
from radiant_ext_sandbox.prefetch import cached
from radiant_ext_sandbox.timeutil import epoch_of, fmt

_PARTS = (("response", "FirstResponseTime"), ("update", "UpdateTime"), ("solution", "SolutionTime"))


def _minutes(ctx: Ctx, row: Any) -> dict[str, int]:
    src = None
    if row.sla_id:
        src = _config_row(ctx, s.sla, row.sla_id)
    if src is None:
        src = _config_row(ctx, s.queue, row.queue_id)
    if src is None:
        return {"response": 0, "update": 0, "solution": 0}
    return {
        "response": src.first_response_time or 0,
        "update": src.update_time or 0,
        "solution": src.solution_time or 0,
    }


def _config_row(ctx: Ctx, table: Any, ident: int) -> Any:
    """An SLA or queue row, read once per request (a TicketGet of 100 tickets asks once)."""
    key = f"escalation:{table.name}:{ident}"
    if key not in ctx.cache:
        ctx.cache[key] = ctx.one(select(table).where(table.c.id == ident))
    return ctx.cache[key]


def _articles(ctx: Ctx, ticket_id: int) -> list[Any]:
    known = cached(ctx, "articles", ticket_id)
    if known is not None:
        return list(known)
    t = s.article
    return list(
        ctx.conn.execute(
            select(t.c.create_time, t.c.article_sender_type_id, t.c.is_visible_for_customer)
            .where(t.c.ticket_id == ticket_id)
            .order_by(t.c.id)
        ).all()
    )


def first_response(articles: list[Any]) -> dt.datetime | None:
    """The first customer-visible agent article answers the ticket."""
    for created, sender, visible in articles:
        if sender == 1 and visible:
            return cast(dt.datetime, created)
    return None


def _update_base(articles: list[Any], created: dt.datetime) -> dt.datetime:
    """Znuny's rule: the latest agent article, or the oldest of the latest customer run."""
    last, last_type = created, ""
    for when, sender, visible in reversed(articles):
        if not visible or sender not in (1, 3):
            continue
        if sender == 1 and last_type == "customer":
            break
        last = when
        if sender == 3:
            last_type = "customer"
        else:
            break
    return last


def destinations(ctx: Ctx, row: Any, state_type: str) -> dict[str, tuple[dt.datetime, int]]:
    """Running escalations: part → (destination, configured working seconds)."""
    if state_type in ("closed", "removed", "merged"):
        return {}
    minutes = _minutes(ctx, row)
    cal = ctx.calendar
    articles = _articles(ctx, row.id)
    out: dict[str, tuple[dt.datetime, int]] = {}
    if minutes["response"] and first_response(articles) is None:
        out["response"] = (
            cal.add_working_seconds(row.create_time, minutes["response"] * 60),
            minutes["response"] * 60,
        )
    if minutes["update"] and not state_type.startswith("pending"):
        base = _update_base(articles, row.create_time)
        out["update"] = (
            cal.add_working_seconds(base, minutes["update"] * 60),
            minutes["update"] * 60,
        )
    if minutes["solution"]:
        out["solution"] = (
            cal.add_working_seconds(row.create_time, minutes["solution"] * 60),
            minutes["solution"] * 60,
        )
    return out


def ticket_fields(ctx: Ctx, row: Any, state_type: str) -> dict[str, Any]:
    """The escalation keys of a TicketGet reply."""
    dests = destinations(ctx, row, state_type)
    now = ctx.now()
    out: dict[str, Any] = {
        "EscalationResponseTime": epoch_of(dests["response"][0]) if "response" in dests else 0,
        "EscalationUpdateTime": epoch_of(dests["update"][0]) if "update" in dests else 0,
        "EscalationSolutionTime": epoch_of(dests["solution"][0]) if "solution" in dests else 0,
        "EscalationTime": 0,
    }
    for part, prefix in _PARTS:
        if part in dests:
            when, work = dests[part]
            out[prefix + "DestinationDate"] = fmt(when)
            out[prefix + "DestinationTime"] = epoch_of(when)
            out[prefix + "WorkingTime"] = work
            out[prefix] = int((when - now).total_seconds())
    if dests:
        part = min(dests, key=lambda p: dests[p][0])
        when, work = dests[part]
        left = ctx.calendar.working_seconds(now, when)
        out.update(
            EscalationDestinationDate=fmt(when),
            EscalationDestinationTime=epoch_of(when),
            EscalationDestinationIn=f"{left // 3600}h {left % 3600 // 60}m",
            EscalationTimeWorkingTime=work,
            EscalationTime=int((when - now).total_seconds()),
        )
    return out


def extended_fields(ctx: Ctx, row: Any) -> dict[str, Any]:
    """The ``Extended=1`` keys: first response (and its minutes when an SLA asks for one)."""
    first = first_response(_articles(ctx, row.id))
    if first is None:
        return {}
    out: dict[str, Any] = {"FirstResponse": fmt(first)}
    minutes = _minutes(ctx, row)["response"]
    if minutes:
        used = ctx.calendar.working_seconds(row.create_time, first) // 60
        out.update(FirstResponseInMin=used, FirstResponseDiffInMin=minutes - used)
    return out


def rebuild_index(ctx: Ctx, ticket_id: int) -> None:
    """Store the escalation destinations on the ticket row (for searches and reports)."""
    row = ctx.one(select(s.ticket).where(s.ticket.c.id == ticket_id))
    st, stt = s.ticket_state, s.ticket_state_type
    kind = ctx.scalar(
        select(stt.c.name)
        .select_from(st.join(stt, st.c.type_id == stt.c.id))
        .where(st.c.id == row.ticket_state_id)
    )
    dests = destinations(ctx, row, str(kind))
    epochs = {p: epoch_of(d[0]) for p, d in dests.items()}
    ctx.conn.execute(
        s.ticket.update()
        .where(s.ticket.c.id == ticket_id)
        .values(
            escalation_response_time=epochs.get("response", 0),
            escalation_update_time=epochs.get("update", 0),
            escalation_solution_time=epochs.get("solution", 0),
            escalation_time=min(epochs.values()) if epochs else 0,
        )
    )
