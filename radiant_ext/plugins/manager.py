"""The plugin manager factory and :class:`Plugins`, the typed wrapper over ``pm.hook``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

import pluggy

from radiant_ext.plugins import hookspecs
from radiant_ext.plugins.builtin import (
    BUILTIN_NAME,
    CATALOG_DIRS_NAME,
    BuiltinPlugin,
    CatalogFilesPlugin,
)
from radiant_ext.plugins.errors import PluginError
from radiant_ext.plugins.loader import load_catalog_dirs

__all__ = ["ENTRY_POINT_GROUP", "RadiantPluginManager", "make_plugin_manager"]

ENTRY_POINT_GROUP = "radiant_ext"


class RadiantPluginManager(pluggy.PluginManager):
    """A :class:`pluggy.PluginManager` that remembers where each plugin came from.

    :ivar distributions: plugin name → (distribution name, version) for entry-point plugins.
    :ivar blocked_names: names blocked when the manager was made.
    """

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.distributions: dict[str, tuple[str, str]] = {}
        self.blocked_names: tuple[str, ...] = ()


def _load_entrypoints(pm: RadiantPluginManager) -> None:
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # an installed plugin that cannot import: name it
            raise PluginError(f"plugin {ep.name!r} ({ep.value}) cannot be loaded: {exc}") from exc
        pm.register(plugin, name=ep.name)
        if ep.dist is not None:
            pm.distributions[ep.name] = (ep.dist.name, ep.dist.version)


def make_plugin_manager(
    *,
    load_entrypoints: bool = True,
    blocked: Iterable[str] = (),
    catalog_dirs: Sequence[str | Path] = (),
    plugins: Iterable[object] = (),
) -> RadiantPluginManager:
    """Build a plugin manager with the built-in plugins and the installed ones.

    Nothing is loaded at import time and there is no global manager: every caller (portal
    app, sync process, CLI command, test) makes its own.

    :param load_entrypoints: load plugins of the ``radiant_ext`` entry-point group.
    :param blocked: plugin names never to register (entry-point names, ``catalog-dirs``).
    :param catalog_dirs: folders of catalog YAML files served as plugin ``catalog-dirs``.
    :param plugins: further plugin objects to register (modules or instances).
    :raises PluginError: when a plugin cannot be loaded or implements an unknown hook.
    :raises CatalogError: when a catalog file in ``catalog_dirs`` is invalid.
    """
    pm = RadiantPluginManager()
    pm.add_hookspecs(hookspecs)
    pm.blocked_names = tuple(blocked)
    for name in pm.blocked_names:
        pm.set_blocked(name)

    known: list[str] = []

    def store_ids() -> list[str]:  # plugins are fixed once the manager is built: ask once
        if not known:
            known.extend(s.id for group in pm.hook.radiant_stores() for s in group)
        return known

    pm.register(BuiltinPlugin(store_ids), name=BUILTIN_NAME)
    if catalog_dirs and not pm.is_blocked(CATALOG_DIRS_NAME):
        pm.register(CatalogFilesPlugin(load_catalog_dirs(catalog_dirs)), name=CATALOG_DIRS_NAME)
    try:
        if load_entrypoints:
            _load_entrypoints(pm)
        for plugin in plugins:
            pm.register(plugin)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise PluginError(f"invalid plugin: {message}") from exc
    return pm
