"""The demo world hangs together: generated history, catalogs and the retail seed agree."""

from __future__ import annotations

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext_sandbox.seeds.history import CATEGORIES


def test_generated_history_uses_real_catalog_items_and_their_services() -> None:
    plugins = Plugins(make_plugin_manager())
    items = {item.id: item for item in plugins.catalog_items()}
    for category, service, *_ in CATEGORIES:
        assert category in items, f"generator category {category} is no catalog item"
        routed = items[category].routing.service
        assert routed in (None, service), f"{category}: generator {service}, catalog {routed}"
