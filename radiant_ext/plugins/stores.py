"""The store directory: entries completed with defaults, and stores it does not know.

Plugins and catalog files contribute :class:`StoreInfo` entries (hook ``radiant_stores``).
:class:`StoreDefaults` completes them — a time zone left out is the installation's
``default_time_zone``, a name left out is the customer company's name in Znuny (when a
reader is configured) or the id — and stands in for a store id the directory does not have,
so routing still works and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from radiant_ext.i18n import message
from radiant_ext.plugins.models import RuleFired, StoreInfo

__all__ = ["DEFAULT_TIER", "StoreDefaults"]

DEFAULT_TIER = "standard"
"""The tier of a store the directory does not name one for (and of an unknown store)."""


@dataclass(frozen=True)
class StoreDefaults:
    """How the directory completes its entries and treats an unknown store id.

    :param time_zone: zone of an entry without one and of an unknown store (settings'
        ``default_time_zone``).
    :param company_names: returns customer company id → name (Znuny's ``customer_company``),
        asked once, for entries without a name; ``None``: the id is the name.
    """

    time_zone: str = "Europe/Moscow"
    company_names: Callable[[], Mapping[str, str]] | None = None

    def complete(self, stores: Mapping[str, StoreInfo]) -> dict[str, StoreInfo]:
        """Return ``stores`` with time zones and names filled in."""
        unnamed = any(not s.name for s in stores.values())
        names = self.company_names() if unnamed and self.company_names is not None else {}
        out = {}
        for store_id, store in stores.items():
            update: dict[str, object] = {}
            if "time_zone" not in store.model_fields_set:
                update["time_zone"] = self.time_zone
            if not store.name:
                update["name"] = names.get(store_id) or store_id
            out[store_id] = store.model_copy(update=update) if update else store
        return out

    def unknown(self, store_id: str) -> tuple[StoreInfo, RuleFired]:
        """Return the stand-in for ``store_id`` and the note routing reports about it."""
        store = StoreInfo(id=store_id, name=store_id, tier=DEFAULT_TIER,
                          time_zone=self.time_zone)
        note = RuleFired(
            id="unknown-store",
            text=message("Store {store} is not in the store directory: tier {tier}, "
                         "time zone {time_zone}", store=store_id, tier=DEFAULT_TIER,
                         time_zone=self.time_zone),
            effect="",
        )
        return store, note
