"""The built-in rule engine: item routing + priority rules + business-hours deadline."""

from __future__ import annotations

import functools
import re
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

__all__ = ["classify_by_keywords", "keyword_pattern", "pick_owner", "route_by_rules"]


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


@functools.lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> tuple[str, re.Pattern[str]]:
    """Return ``keyword`` case-folded and its whole-word pattern, compiled once per keyword.

    Catalogs are fixed while a process runs, so the cache holds every keyword of every item
    after the first classification; the bound only matters for callers passing ad-hoc items.
    """
    folded = keyword.casefold()
    return folded, re.compile(r"(?<!\w)" + re.escape(folded) + r"(?!\w)")


def _hits(keyword: str, title: str, body: str) -> int:
    """Whole-word occurrences of ``keyword``: twice in the (case-folded) title, once in the body."""
    folded, pattern = keyword_pattern(keyword)
    hits = 0
    for text, weight in ((title, 2), (body, 1)):
        if folded in text:  # no occurrence at all: skip the regular expression
            hits += weight * len(pattern.findall(text))
    return hits


def classify_by_keywords(
    ticket: EmailTicket, items: Sequence[CatalogItem], *, decided_by: str = ""
) -> Classification | None:
    """Score each item's keywords in the title (weight 2) and body (weight 1).

    :return: the best-scoring item, ``None`` when no keyword occurs or two items tie.
    """
    title, body = ticket.title.casefold(), ticket.body.casefold()
    scored: list[tuple[float, CatalogItem, list[str]]] = []
    for item in items:
        score, matched = 0.0, []
        for keyword in item.keywords:
            hits = _hits(keyword, title, body)
            if hits:
                score += hits
                matched.append(keyword)
        if score:
            scored.append((score, item, matched))
    if not scored:
        return None
    scored.sort(key=lambda s: -s[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    best, item, matched = scored[0]
    return Classification(item_id=item.id, score=best, matched=matched, decided_by=decided_by)
