"""Built-in plugins: the rule engine, form checks and keyword classification
(``radiant_ext.builtin``), and catalogs and store directories from ``catalog_dirs``
(``catalog-dirs``). There is no built-in store directory: the demo's is a catalog directory
of its own (:mod:`radiant_ext.plugins.demo`).

They are ordinary plugins; routing and classification are ``trylast`` so a department plugin
that returns a result overrides them without special cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from radiant_ext.plugins.catalog import CatalogFile, CatalogItem, Department
from radiant_ext.plugins.hookspecs import hookimpl
from radiant_ext.plugins.models import (
    Classification,
    EmailTicket,
    FieldError,
    RequestContext,
    RoutingDecision,
    StoreInfo,
)
from radiant_ext.plugins.routing import classify_by_keywords, route_by_rules
from radiant_ext.plugins.validation import validate_fields

__all__ = ["BUILTIN_NAME", "CATALOG_DIRS_NAME", "BuiltinPlugin", "CatalogFilesPlugin"]

BUILTIN_NAME = "radiant_ext.builtin"
CATALOG_DIRS_NAME = "catalog-dirs"


class BuiltinPlugin:
    """Fallback behaviour for routing, validation and classification.

    :param store_ids: returns the ids of every store in the merged directory.
    """

    def __init__(self, store_ids: Callable[[], Sequence[str]]) -> None:
        self._store_ids = store_ids

    @hookimpl(trylast=True)
    def radiant_route_request(
        self, item: CatalogItem, request: RequestContext, store: StoreInfo | None
    ) -> RoutingDecision | None:
        return route_by_rules(item, request, store, decided_by=BUILTIN_NAME)

    @hookimpl(trylast=True)
    def radiant_validate_fields(
        self, item: CatalogItem, fields: Mapping[str, Any], store: StoreInfo | None
    ) -> Sequence[FieldError]:
        zone = ZoneInfo(store.time_zone if store else item.deadline.calendar.time_zone)
        today = datetime.now(UTC).astimezone(zone).date()
        return validate_fields(item, fields, today=today, store_ids=self._store_ids())

    @hookimpl(trylast=True)
    def radiant_classify_ticket(
        self, ticket: EmailTicket, items: Sequence[CatalogItem]
    ) -> Classification | None:
        return classify_by_keywords(ticket, items, decided_by=BUILTIN_NAME)


class CatalogFilesPlugin:
    """Serves departments, items and stores from already-loaded catalog files.

    Used for ``catalog_dirs`` and by department plugins (see :class:`CatalogPackage`).
    """

    def __init__(self, files: Sequence[CatalogFile]) -> None:
        self.files = list(files)

    @hookimpl
    def radiant_departments(self) -> Sequence[Department]:
        return [f.department for f in self.files if f.department is not None]

    @hookimpl
    def radiant_catalog_items(self) -> Sequence[CatalogItem]:
        return [item for f in self.files for item in f.items]

    @hookimpl
    def radiant_stores(self) -> Sequence[StoreInfo]:
        return [store for f in self.files for store in f.stores]
