"""The built-in e-mail classifier: the catalog search's ranking, keywords required, ties refused."""

from __future__ import annotations

from radiant_ext.plugins import CatalogItem, EmailTicket, load_catalog_text
from radiant_ext.plugins.routing import classify_by_keywords
from radiant_ext.plugins.search import index_for_items


def _items(base_catalog: str) -> list[CatalogItem]:
    return load_catalog_text(base_catalog, "ops.yaml").items


def test_the_index_is_built_once_per_set_of_items(base_catalog: str) -> None:
    items = _items(base_catalog)
    mail = EmailTicket(ticket_id=1, title="Till frozen", body="the till shows an error")
    first = classify_by_keywords(mail, items)
    index = index_for_items(items)
    for _ in range(3):
        assert classify_by_keywords(mail, items) == first
        assert index_for_items(_items(base_catalog)) is index  # equal items: the same index
    assert index_for_items(items[:1]) is not index
    assert first is not None and first.item_id == "ops.till" and first.matched == ["till"]


def test_keywords_match_in_any_case_and_form(base_catalog: str) -> None:
    items = _items(base_catalog)
    found = classify_by_keywords(
        EmailTicket(ticket_id=1, title="КАССЫ", body="Tills? No: the TILL. Papers aside."),
        items)
    assert found is not None and found.item_id == "ops.till"
    assert found.matched == ["till", "касса"]
    assert classify_by_keywords(
        EmailTicket(ticket_id=2, title="", body="paperwork for the accountant"), items) is None


def test_the_subject_outweighs_the_body(base_catalog: str) -> None:
    items = _items(base_catalog)
    found = classify_by_keywords(
        EmailTicket(ticket_id=1, title="Paper", body="next to the till"), items)
    assert found is not None and found.item_id == "ops.paper"
    found = classify_by_keywords(
        EmailTicket(ticket_id=2, title="Till", body="out of paper"), items)
    assert found is not None and found.item_id == "ops.till"


def test_a_typo_in_a_keyword_still_classifies(base_catalog: str) -> None:
    items = _items(base_catalog)
    found = classify_by_keywords(EmailTicket(ticket_id=1, title="", body="no bumaga, бумгаа"),
                                 items)
    assert found is not None and found.item_id == "ops.paper"
