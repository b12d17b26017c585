"""Build :class:`Plugins` from :class:`~radiant_ext.config.Settings` (CLI, portal, sync)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from radiant_ext.plugins.enablement import DatabaseEnablement, EnablementStore
from radiant_ext.plugins.errors import PluginError, ZnunyMetadataError
from radiant_ext.plugins.manager import make_plugin_manager
from radiant_ext.plugins.stores import StoreDefaults
from radiant_ext.plugins.wrapper import Plugins

if TYPE_CHECKING:
    from radiant_ext.config import Settings

__all__ = ["plugins_from_settings", "store_defaults", "store_enablement"]

_log = logging.getLogger("radiant_ext.plugins")


class _NoSwitches:
    """A store that does not exist yet: nobody switched anything, and nothing can be saved."""

    def department_states(self) -> Mapping[str, bool]:
        return {}

    def set_department_enabled(self, department: str, enabled: bool, actor: str) -> None:
        raise PluginError("the local store does not exist yet: run `radiant-ext db upgrade`")


def _sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix):]) if url.startswith(prefix) and url != prefix else None


def store_enablement(settings: Settings, *, for_writing: bool = False) -> EnablementStore:
    """Department switches in the local store named by ``settings``.

    A missing SQLite file means nobody switched anything yet (reading is fine, writing asks
    for ``radiant-ext db upgrade``); a database at the wrong revision is an error.

    :raises PluginError: the store is not migrated to the current schema.
    """
    from radiant_ext.store import MigrationError, StoreError, check_schema, make_engine
    from radiant_ext.store import session_scope as scope

    url = settings.effective_database_url
    sqlite = _sqlite_file(url)
    if sqlite is not None and not sqlite.exists():
        if for_writing:
            raise PluginError(f"the local store {sqlite} does not exist yet: "
                              "run `radiant-ext db upgrade`")
        return _NoSwitches()
    engine = make_engine(url)
    try:
        check_schema(engine)
    except (MigrationError, StoreError) as exc:
        engine.dispose()
        raise PluginError(f"the local store is not ready: {exc}") from exc  # exc names the fix
    # Readers (portal workers, the webhook) reuse a read for two seconds; the CLI that
    # writes sees its own switch at once.
    return DatabaseEnablement(lambda: scope(engine), max_age=0.0 if for_writing else 2.0)


def _company_names(url: str) -> Callable[[], Mapping[str, str]]:
    """Znuny's customer company names, read on first use; unreadable: none (logged)."""

    @functools.cache
    def read() -> Mapping[str, str]:
        from radiant_ext.plugins.znuny_meta import read_company_names

        try:
            return read_company_names(url)
        except ZnunyMetadataError as exc:  # names are cosmetic: the ids stand in
            _log.warning("store names from Znuny unavailable, showing store ids: %s", exc)
            return {}

    return read


def store_defaults(settings: Settings) -> StoreDefaults:
    """The store directory's defaults: ``default_time_zone``, and customer company names
    from Znuny's database when ``znuny_db_url`` is set."""
    url = settings.znuny_db_url
    return StoreDefaults(time_zone=settings.default_time_zone,
                         company_names=_company_names(url.get_secret_value()) if url else None)


def plugins_from_settings(
    settings: Settings, *, enablement: EnablementStore | None = None,
    load_entrypoints: bool = True,
) -> Plugins:
    """Return :class:`Plugins` with the installed plugins, ``catalog_dirs`` (catalogs and the
    store directory) and ``blocked_plugins`` of ``settings``, switches from ``enablement`` or
    the local store, and the store defaults of :func:`store_defaults`."""
    pm = make_plugin_manager(
        load_entrypoints=load_entrypoints,
        blocked=tuple(settings.blocked_plugins),
        catalog_dirs=tuple(settings.catalog_dirs),
    )
    return Plugins(pm, enablement=enablement or store_enablement(settings),
                   store_defaults=store_defaults(settings),
                   head_office=settings.head_office_companies)
