"""Build the webhook's router from :class:`~radiant_ext.config.Settings`, like the portal does.

The router sees what the portal sees: installed plugins, ``catalog_dirs``, ``blocked_plugins``,
the department switches and the catalog items the catalog check disabled (both from the local
store, through the plugins' enablement store). Nothing here talks to Znuny.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from radiant_ext.config import Settings
from radiant_ext.plugins import Plugins
from radiant_ext.plugins.models import RecentIncidents
from radiant_ext.webhook.routing import TicketRouter

__all__ = ["recent_incidents_from_store", "router_for", "router_from_settings", "store_exists"]

log = logging.getLogger("radiant_ext.webhook")


def disabled_items_of(enablement: Any) -> Callable[[], set[str]] | None:
    """Wrap an enablement store's ``disabled_items()`` (if it has one) for the router.

    A store that cannot be read counts as "nothing disabled": the routing still fails safe,
    because the category is written last (``answers.py``).
    """
    reader = getattr(enablement, "disabled_items", None)
    if reader is None:
        return None

    def disabled() -> set[str]:
        try:
            return set(reader())
        except SQLAlchemyError as exc:
            log.warning("cannot read disabled catalog items: %s", exc)
            return set()

    return disabled


def recent_incidents_from_store(
    sessions: Callable[[], AbstractContextManager[Session]],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RecentIncidents:
    """Answer repeat-incident rules from the local ticket cache.

    :param sessions: opens a session on the local store (``session_scope`` of an engine).
    :return: ``(store_id, item_id, days) -> count`` of cached tickets of that catalog item at
        that store created within ``days`` days; ``0`` when the cache cannot be read.
    """
    from radiant_ext.store import TicketCache

    def count(store_id: str, item_id: str, days: int) -> int:
        stmt = select(func.count()).select_from(TicketCache).where(
            TicketCache.store == store_id, TicketCache.category == item_id,
            TicketCache.created >= now() - timedelta(days=days))
        try:
            with sessions() as session:
                return int(session.scalar(stmt) or 0)
        except SQLAlchemyError as exc:
            log.warning("cannot count recent incidents: %s", exc)
            return 0

    return count


def store_exists(settings: Settings) -> bool:
    """Whether the installation has a local store (a database URL, or the SQLite file)."""
    return bool(settings.database_url) or (settings.data_dir / "radiant.sqlite3").exists()


def router_for(plugins: Plugins, sessions: Callable[[], AbstractContextManager[Session]] | None
               ) -> TicketRouter:
    """A :class:`TicketRouter` over ``plugins``, counting repeat incidents in the store that
    ``sessions`` opens (``None``: no store, no history)."""
    recent = recent_incidents_from_store(sessions) if sessions is not None else None
    return TicketRouter(plugins, disabled_items=disabled_items_of(plugins.enablement),
                        recent_incidents=recent)


def router_from_settings(settings: Settings) -> TicketRouter:
    """Return a :class:`TicketRouter` over ``plugins_from_settings(settings)``.

    Department switches, disabled items and repeat-incident counts come from the local store
    when it exists. (The portal passes its worker's runtime instead: :func:`router_for`.)

    :raises PluginError: a plugin cannot be loaded or the local store is not migrated.
    """
    from radiant_ext.plugins.factory import plugins_from_settings

    plugins = plugins_from_settings(settings)
    if not store_exists(settings):
        return router_for(plugins, None)
    from radiant_ext.store import make_engine, session_scope

    engine = make_engine(settings.effective_database_url)
    return router_for(plugins, lambda: session_scope(engine))
