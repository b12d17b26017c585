"""The ``catalog-check`` job: catalog items Znuny cannot serve are disabled, with the reason.

An item whose type, queue, service, SLA, priority or dynamic field no longer exists (or is
invalid) in Znuny would produce a form that fails on submit; the job disables it in the store
(``catalog_item_state``) with a reason admins see — the portal hides such items — and
re-enables it once Znuny has everything again. The names come from Znuny's database
(``RADIANT_ZNUNY_DB_URL``) through the same reader and rules as ``radiant-ext check``
(:mod:`radiant_ext.plugins.znuny_meta`), because the GenericInterface cannot list them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from radiant_ext.plugins.znuny_meta import ZnunyNames, check_items, read_znuny_names
from radiant_ext.store import get_catalog_item_states, set_catalog_item_state
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.errors import SyncError

__all__ = ["check_catalogs", "item_problems"]


def item_problems(item: Any, names: ZnunyNames) -> list[str]:
    """Return why ``item`` cannot be filed in Znuny as configured (empty: it can)."""
    prefix = f"{item.id}: "
    return [line[len(prefix):] for line in check_items([item], names) if line.startswith(prefix)]


def check_catalogs(ctx: JobContext, names: ZnunyNames | None = None) -> dict[str, int]:
    """Check every catalog item against Znuny's names; return counts.

    Counts: ``checked``, ``disabled`` (newly), ``enabled`` (re-enabled), ``broken`` (items
    disabled now, new or not).

    :param names: Znuny's names (read from ``RADIANT_ZNUNY_DB_URL`` when not given).
    :raises SyncError: when no Znuny database is configured.
    """
    if names is None:
        url = ctx.settings.znuny_db_url
        if url is None:
            raise SyncError("catalog check needs RADIANT_ZNUNY_DB_URL (read-only Znuny database)")
        names = read_znuny_names(url.get_secret_value())
    counts: Counter[str] = Counter(checked=0, disabled=0, enabled=0, broken=0)
    with ctx.sessions.begin() as s:
        before = {k: v.enabled for k, v in get_catalog_item_states(s).items()}
        for item in ctx.plugins.catalog_items(include_disabled=True):
            problems = item_problems(item, names)
            counts["checked"] += 1
            counts["broken"] += bool(problems)
            was_enabled = before.get(item.id, True)
            set_catalog_item_state(s, item.id, not problems, "; ".join(problems) or None)
            if problems and was_enabled:
                counts["disabled"] += 1
            elif not problems and not was_enabled:
                counts["enabled"] += 1
    return dict(counts)
