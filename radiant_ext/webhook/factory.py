"""Build the webhook's router from :class:`~radiant_ext.config.Settings`, like the portal does.

The router sees what the portal sees: installed plugins, ``catalog_dirs``, ``blocked_plugins``,
the department switches and the catalog items the catalog check disabled (both from the local
store, through the plugins' enablement store). Nothing here talks to Znuny.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from radiant_ext.config import Settings
from radiant_ext.webhook.routing import TicketRouter

__all__ = ["router_from_settings"]

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


def router_from_settings(settings: Settings) -> TicketRouter:
    """Return a :class:`TicketRouter` over ``plugins_from_settings(settings)``.

    :raises PluginError: a plugin cannot be loaded or the local store is not migrated.
    """
    from radiant_ext.plugins.factory import plugins_from_settings

    plugins = plugins_from_settings(settings)
    return TicketRouter(plugins, disabled_items=disabled_items_of(plugins.enablement))
