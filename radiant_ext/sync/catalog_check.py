"""The ``catalog-check`` job: catalog items Znuny cannot serve are disabled, with the reason.

An item whose queue, service, SLA, type or owner no longer exists (or is invalid) in Znuny
would produce a form that fails on submit; the job disables it in the store
(``catalog_item_state``) with a reason admins see, and re-enables it once Znuny has it again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from radiant_ext.store import get_catalog_item_states, set_catalog_item_state
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.errors import SyncError
from radiant_ext.sync.metadata import ZnunyMetadata, read_metadata_url

__all__ = ["check_catalogs", "item_problems"]


def item_problems(item: Any, meta: ZnunyMetadata) -> list[str]:
    """Return why ``item`` cannot be filed in Znuny as configured (empty: it can)."""
    routing = item.routing
    problems = []
    if routing.queue not in meta.queues:
        problems.append(f"queue {routing.queue!r} does not exist in Znuny or is invalid")
    if routing.type not in meta.types:
        problems.append(f"type {routing.type!r} does not exist in Znuny or is invalid")
    if routing.service and routing.service not in meta.services:
        problems.append(f"service {routing.service!r} does not exist in Znuny or is invalid")
    if routing.sla and routing.sla not in meta.slas:
        problems.append(f"SLA {routing.sla!r} does not exist in Znuny or is invalid")
    elif routing.sla and routing.service in meta.services and \
            (routing.service, routing.sla) not in meta.service_slas:
        problems.append(f"SLA {routing.sla!r} is not linked to service {routing.service!r}")
    for owner in [routing.owner, *routing.owner_pool]:
        if owner and owner not in meta.agents:
            problems.append(f"owner {owner!r} is not a valid Znuny agent")
    return problems


def check_catalogs(ctx: JobContext, meta: ZnunyMetadata | None = None) -> dict[str, int]:
    """Check every catalog item against Znuny's metadata; return counts.

    Counts: ``checked``, ``disabled`` (newly), ``enabled`` (re-enabled), ``broken`` (items
    disabled now, new or not).

    :param meta: the metadata (read from ``RADIANT_ZNUNY_DB_URL`` when not given).
    :raises SyncError: when no metadata source is configured.
    """
    if meta is None:
        url = ctx.settings.znuny_db_url
        if url is None:
            raise SyncError("catalog check needs RADIANT_ZNUNY_DB_URL (read-only Znuny database)")
        meta = read_metadata_url(url.get_secret_value())
    counts: Counter[str] = Counter()
    items = ctx.plugins.catalog_items(include_disabled=True)
    with ctx.sessions.begin() as s:
        before = {k: v.enabled for k, v in get_catalog_item_states(s).items()}
        for item in items:
            problems = item_problems(item, meta)
            counts["checked"] += 1
            counts["broken"] += bool(problems)
            was_enabled = before.get(item.id, True)
            set_catalog_item_state(s, item.id, not problems, "; ".join(problems) or None)
            if problems and was_enabled:
                counts["disabled"] += 1
            elif not problems and not was_enabled:
                counts["enabled"] += 1
    return {"checked": counts["checked"], "disabled": counts["disabled"],
            "enabled": counts["enabled"], "broken": counts["broken"]}
