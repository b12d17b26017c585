"""The portal's catalog search: the customer's own catalog ranked by the plugins' search engine.

Only the items the customer is offered
(:func:`~radiant_ext.portal.catalog.views.offered_departments`) are ranked, each with its texts
in both languages (the catalog views in the page's language and in the other one), so "касса"
finds the till on the English page too.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from radiant_ext.i18n import LANGUAGES
from radiant_ext.plugins.search import Document, SearchIndex
from radiant_ext.portal.ports import CatalogItemView, DepartmentView

__all__ = ["MAX_QUERY", "Match", "other_languages", "rank", "search_index"]

MAX_QUERY = 200
"""Characters of a search read (the rest is ignored)."""


@dataclass(frozen=True)
class Match:
    """One ranked item with its department."""

    item: CatalogItemView
    department: DepartmentView
    score: float


def _document(views: Sequence[CatalogItemView], department_titles: Sequence[str]) -> Document:
    """One item's document from its views in several languages."""
    first = views[0]
    return Document.of(
        first.id, keywords=first.keywords,
        title=[v.title for v in views], help=[t for v in views for t in (v.summary, v.help)],
        department=department_titles, steps=[t for v in views for t in v.try_first],
        labels=[f.label for v in views for f in v.fields])


def search_index(departments: Sequence[DepartmentView],
                 translated: Sequence[Sequence[DepartmentView]] = ()) -> SearchIndex:
    """The index of the offered items; ``translated`` holds the same catalog in other
    languages (an item or department missing from ``departments`` is never added)."""
    views: dict[str, list[CatalogItemView]] = {
        i.id: [i] for d in departments for i in d.items}
    titles: dict[str, list[str]] = {d.id: [d.title] for d in departments}
    for other in translated:
        for dept in other:
            if dept.id in titles:
                titles[dept.id].append(dept.title)
            for item in dept.items:
                if item.id in views:
                    views[item.id].append(item)
    documents = tuple(_document(v, titles.get(v[0].department, ())) for v in views.values())
    found = _INDEXES.get(documents)
    if found is None:
        found = SearchIndex(documents)
        with _LOCK:
            if len(_INDEXES) >= _MAX_INDEXES:
                _INDEXES.pop(next(iter(_INDEXES)))
            _INDEXES[documents] = found
    return found


_INDEXES: dict[tuple[Document, ...], SearchIndex] = {}
_LOCK = threading.Lock()
_MAX_INDEXES = 64
"""Indexes kept for the catalogs seen recently (one per language and set of offered items)."""


def rank(departments: Sequence[DepartmentView], query: str, *, limit: int | None = 10,
         translated: Sequence[Sequence[DepartmentView]] = ()) -> list[Match]:
    """The offered items matching ``query``, best first, at most ``limit``."""
    where = {i.id: (i, d) for d in departments for i in d.items}
    hits = search_index(departments, translated).rank(query[:MAX_QUERY], limit=limit)
    return [Match(*where[h.id], h.score) for h in hits if h.id in where]


def other_languages(language: str) -> list[str]:
    """The languages besides ``language`` whose texts a search also reads."""
    return [lang for lang in LANGUAGES if lang != language]
