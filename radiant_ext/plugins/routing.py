"""The built-in rule engine: item routing + priority rules + business-hours deadline."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import timedelta

from radiant_ext.i18n import message
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.models import (
    Classification,
    EmailTicket,
    RequestContext,
    RoutingDecision,
    RuleFired,
    StoreInfo,
    priority_name,
)
from radiant_ext.plugins.rules import apply_rules
from radiant_ext.plugins.search import index_for_items

__all__ = ["classify_by_keywords", "pick_owner", "route_by_rules"]


def pick_owner(pool: Sequence[str], key: str) -> str | None:
    """Pick an owner from ``pool`` deterministically by ``key`` (spreads load evenly)."""
    if not pool:
        return None
    return pool[zlib.crc32(key.encode("utf-8")) % len(pool)]


def _owner(item: CatalogItem, request: RequestContext) -> tuple[str | None, RuleFired | None]:
    """The fixed owner, or one picked from the pool with an explanation."""
    pool = item.routing.owner_pool
    if item.routing.owner is not None or not pool:
        return item.routing.owner, None
    key = request.request_id or f"{request.store_id}|{request.submitted_at.isoformat()}"
    owner = pick_owner(pool, key)
    return owner, RuleFired(
        id="owner-pool",
        text=message("Owner picked from the pool {pool}", pool=", ".join(pool)),
        effect=f"owner {owner}",
    )


def route_by_rules(
    item: CatalogItem, request: RequestContext, store: StoreInfo | None, *, decided_by: str = ""
) -> RoutingDecision:
    """Apply ``item``'s routing, priority rules and deadline policy to ``request``."""
    routing, policy = item.routing, item.deadline
    outcome = apply_rules(item.rules, item_id=item.id, base_level=routing.priority,
                          business_hours=policy.business_hours, request=request, store=store,
                          domain=item.domain)
    calendar, label = policy.calendar_for(store)
    deadline = calendar.add(request.submitted_at, timedelta(hours=outcome.business_hours))
    owner, pool_note = _owner(item, request)
    return RoutingDecision(
        item_id=item.id, department=item.department, type=routing.type, queue=routing.queue,
        service=routing.service, sla=routing.sla, priority=priority_name(outcome.level),
        priority_level=outcome.level, owner=owner, deadline=deadline,
        business_hours=outcome.business_hours,
        calendar=label, store_id=request.store_id,
        rules_fired=[*outcome.fired, *([pool_note] if pool_note else [])],
        decided_by=decided_by,
    )


def classify_by_keywords(
    ticket: EmailTicket, items: Sequence[CatalogItem], *, decided_by: str = ""
) -> Classification | None:
    """Rank ``items`` for the ticket's title (weight 2) and body (weight 1) with the catalog
    search (:mod:`radiant_ext.plugins.search`, the portal's search too).

    :return: the best-ranked item among those one of whose keywords (or another form of it,
        or a typo) occurs, ``None`` when there is none or two tie.
    """
    ranked = index_for_items(items).rank([(ticket.title, 2.0), (ticket.body, 1.0)])
    hits = [hit for hit in ranked if hit.matched]  # a keyword is what makes a mail certain
    if not hits:
        return None
    if len(hits) > 1 and hits[0].score == hits[1].score:
        return None
    best = hits[0]
    return Classification(item_id=best.id, score=best.score, matched=list(best.matched),
                          decided_by=decided_by)
