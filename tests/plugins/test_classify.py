"""The built-in keyword classifier: whole words, case-folded, patterns compiled once."""

from __future__ import annotations

from radiant_ext.plugins import CatalogItem, EmailTicket, load_catalog_text
from radiant_ext.plugins.routing import classify_by_keywords, keyword_pattern


def _items(base_catalog: str) -> list[CatalogItem]:
    return load_catalog_text(base_catalog, "ops.yaml").items


def test_patterns_are_compiled_once_per_keyword(base_catalog: str) -> None:
    items = _items(base_catalog)
    mail = EmailTicket(ticket_id=1, title="Till frozen", body="the till shows an error")
    keyword_pattern.cache_clear()
    first = classify_by_keywords(mail, items)
    keywords = {k for item in items for k in item.keywords}
    assert keyword_pattern.cache_info().currsize == len(keywords)
    for _ in range(3):
        assert classify_by_keywords(mail, items) == first
    info = keyword_pattern.cache_info()
    assert info.misses == len(keywords) and info.hits == 3 * len(keywords)
    assert first is not None and first.item_id == "ops.till" and first.score == 3


def test_keywords_match_whole_words_in_any_case(base_catalog: str) -> None:
    items = _items(base_catalog)
    found = classify_by_keywords(
        EmailTicket(ticket_id=1, title="КАССА", body="Tills? No: the TILL. Papers aside."), items)
    assert found is not None and (found.item_id, found.score) == ("ops.till", 3)
    assert found.matched == ["till", "касса"]
    assert classify_by_keywords(
        EmailTicket(ticket_id=2, title="", body="tilled paperwork"), items) is None
