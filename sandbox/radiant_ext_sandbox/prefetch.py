"""Batch reads for TicketGet: one query per table for every ticket of a request.

A TicketGet of 100 tickets would otherwise ask for each ticket's row, articles, accounted time
and dynamic fields one by one. :func:`prefetch` reads them for the whole batch into the
request's cache (``Ctx.cache``), where the single-ticket readers look first. Only TicketGet
fills it, and it writes nothing, so what is cached cannot go stale within the request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx

__all__ = ["cached", "prefetch"]


def _key(kind: str, ticket_id: int) -> str:
    return f"prefetch:{kind}:{ticket_id}"


def cached(ctx: Ctx, kind: str, ticket_id: int) -> Any:
    """What :func:`prefetch` read of ``kind`` (``ticket``, ``articles``, ``time``,
    ``fields``) for ``ticket_id``; ``None`` when it was not prefetched."""
    return ctx.cache.get(_key(kind, ticket_id))


def prefetch(ctx: Ctx, ticket_ids: list[int]) -> None:
    """Read the rows, articles, accounted time and dynamic field values of ``ticket_ids``."""
    if len(ticket_ids) < 2:
        return
    ids = sorted(set(ticket_ids))
    t, a, ta, dv = s.ticket, s.article, s.time_accounting, s.dynamic_field_value
    run = ctx.conn.execute
    for row in run(select(t).where(t.c.id.in_(ids))):
        ctx.cache[_key("ticket", row.id)] = row
    found: dict[int, dict[str, list[Any]]] = {
        i: {"articles": [], "time": [], "fields": []} for i in ids}
    for row in run(select(a.c.ticket_id, a.c.create_time, a.c.article_sender_type_id,
                          a.c.is_visible_for_customer)
                   .where(a.c.ticket_id.in_(ids)).order_by(a.c.id)):
        found[row.ticket_id]["articles"].append(tuple(row[1:]))
    for row in run(select(ta.c.ticket_id, ta.c.time_unit).where(ta.c.ticket_id.in_(ids))):
        found[row.ticket_id]["time"].append(row.time_unit)
    for row in run(select(dv.c.object_id, dv.c.field_id, dv.c.value_text, dv.c.value_date,
                          dv.c.value_int).where(dv.c.object_id.in_(ids)).order_by(dv.c.id)):
        found[row.object_id]["fields"].append(tuple(row[1:]))
    for ticket_id, parts in found.items():
        for kind, values in parts.items():
            ctx.cache[_key(kind, ticket_id)] = values
