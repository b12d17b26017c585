"""Who may see and change which ticket (agents by queue group, customers by CustomerID)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Ctx

READ = ("ro", "rw")
WRITE = ("rw",)
CREATE = ("create", "rw")


def agent_groups(ctx: Ctx, keys: tuple[str, ...]) -> list[int] | None:
    """Group ids where the agent holds one of ``keys``; ``None`` means every group (root)."""
    if ctx.user_id == 1:
        return None
    t = s.group_user
    rows = ctx.conn.execute(
        select(t.c.group_id).where(t.c.user_id == ctx.user_id, t.c.permission_key.in_(keys))
    )
    return [r[0] for r in rows]


def customer_ids(ctx: Ctx) -> list[str]:
    """The CustomerIDs whose tickets the logged-in customer user may see."""
    t = s.customer_user
    cid = ctx.scalar(select(t.c.customer_id).where(t.c.login == ctx.login))
    return [cid] if cid else []


def visible_clause(ctx: Ctx, keys: tuple[str, ...] = READ) -> Any:
    """A WHERE clause on ``ticket`` limiting rows to what the caller may see (or ``None``)."""
    if ctx.user_type == "Customer":
        return or_(
            s.ticket.c.customer_user_id == ctx.login, s.ticket.c.customer_id.in_(customer_ids(ctx))
        )
    groups = agent_groups(ctx, keys)
    if groups is None:
        return None
    rows = ctx.conn.execute(select(s.queue.c.id, s.queue.c.group_id)).all()
    allowed = [qid for qid, gid in rows if gid in groups]
    if len(allowed) == len(rows):
        return None  # every queue: no filter, so "newest first" stays an index scan
    return s.ticket.c.queue_id.in_(allowed)


def may_access(ctx: Ctx, ticket_id: Any, keys: tuple[str, ...] = READ) -> bool:
    """True if ``ticket_id`` names an existing ticket the caller may see."""
    try:
        ident = int(str(ticket_id).strip())
    except ValueError:
        return False
    stmt = select(s.ticket.c.id).where(s.ticket.c.id == ident)
    clause = visible_clause(ctx, keys)
    if clause is not None:
        stmt = stmt.where(and_(clause))
    return ctx.scalar(stmt) is not None


def may_access_all(ctx: Ctx, ticket_ids: list[Any], keys: tuple[str, ...] = READ) -> bool:
    """True if every one of ``ticket_ids`` names an existing ticket the caller may see (one
    query for the batch: a TicketGet of 100 tickets asks once, not 100 times)."""
    try:
        idents = {int(str(i).strip()) for i in ticket_ids}
    except ValueError:
        return False
    stmt = select(s.ticket.c.id).where(s.ticket.c.id.in_(sorted(idents)))
    clause = visible_clause(ctx, keys)
    if clause is not None:
        stmt = stmt.where(and_(clause))
    return {r[0] for r in ctx.conn.execute(stmt)} == idents


def may_create_in(ctx: Ctx, queue_id: int) -> bool:
    """Agents need ``create``/``rw`` on the queue's group; customers may use any queue."""
    if ctx.user_type == "Customer":
        return True
    groups = agent_groups(ctx, CREATE)
    if groups is None:
        return True
    return ctx.scalar(select(s.queue.c.group_id).where(s.queue.c.id == queue_id)) in groups
