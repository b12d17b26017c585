"""The catalog search engine: words, stems, both languages, typos, keywords as synonyms."""

from __future__ import annotations

import pytest

from radiant_ext.plugins import load_catalog_text
from radiant_ext.plugins.search import MAX_QUERY_CHARS, Document, SearchIndex, terms


def _index() -> SearchIndex:
    return SearchIndex([
        Document.of("it.till", keywords=["till", "касса", "card terminal"],
                    title=["Cash register down", "Касса не работает"],
                    help=["The till does not take payments."]),
        Document.of("it.receipt", keywords=["receipt", "чек", "не печатает чек"],
                    title=["Receipt printer", "Чековый принтер"],
                    help=["The receipt printer at a till does not print."]),
        Document.of("it.office", keywords=["toner"],
                    title=["Office printer", "Принтер в офисе"]),
        Document.of("hr.leave", keywords=["vacation", "отпуск"],
                    title=["Vacation request", "Заявление на отпуск"]),
    ])


def _ids(query: str, limit: int | None = 3) -> list[str]:
    return [hit.id for hit in _index().rank(query, limit=limit)]


def test_words_are_stemmed_and_common_words_dropped() -> None:
    assert terms("The tills WON'T print receipts!") == ["till", "print", "receipt"]
    assert terms("Ценники не печатаются у нас") == ["ценник", "печата"]
    assert terms("Ёлка, елка") == ["елк", "елк"]


def test_a_query_finds_items_by_any_form_of_their_words_in_either_language() -> None:
    assert _ids("чеки не печатаются")[0] == "it.receipt"
    assert _ids("the till won't print a receipt")[0] == "it.receipt"
    assert _ids("кассы")[0] == "it.till"
    assert _ids("card terminals declining")[0] == "it.till"
    assert _ids("хочу в отпуск") == ["hr.leave"]


def test_typos_words_being_typed_and_the_other_keyboard_layout_still_match() -> None:
    assert _ids("vacatoin")[0] == "hr.leave"
    assert _ids("принт")[:1] != [] and set(_ids("принт")) <= {"it.receipt", "it.office"}
    assert _ids("jngecr")[0] == "hr.leave"  # "отпуск" typed in the English layout
    assert _ids("ещтук")[0] == "it.office"  # "toner" typed in the Russian layout


def test_nothing_matches_a_query_without_catalog_words() -> None:
    assert _ids("hello, how are you") == []
    assert _ids("") == []
    assert _ids("zzzz qqqq") == []


def test_an_item_explaining_the_whole_query_ranks_above_one_matching_a_word() -> None:
    hits = _index().rank("till printer out of receipt paper")
    assert hits[0].id == "it.receipt" and hits[0].score > hits[1].score
    assert "receipt" in hits[0].matched


def test_a_keyword_phrase_counts_only_when_every_word_is_there() -> None:
    hits = {h.id: h for h in _index().rank("card terminal broken")}
    assert hits["it.till"].matched == ("card terminal",)
    hits = {h.id: h for h in _index().rank("card broken")}
    assert hits["it.till"].matched == ()


def test_the_subject_weighs_more_than_the_body() -> None:
    index = _index()
    assert index.rank([("vacation", 2.0), ("toner", 1.0)])[0].id == "hr.leave"
    assert index.rank([("vacation", 1.0), ("toner", 2.0)])[0].id == "it.office"


def test_a_long_text_is_read_up_to_the_limit() -> None:
    text = "x " * MAX_QUERY_CHARS + "vacation"
    assert _ids(text) == []
    assert _ids("vacation " + text) == ["hr.leave"]


def test_limit_and_order_are_stable() -> None:
    assert len(_ids("printer", limit=1)) == 1
    assert _ids("printer", limit=None) == _ids("printer", limit=None)


def test_a_document_names_only_known_parts() -> None:
    with pytest.raises(ValueError, match="unknown document parts: colour"):
        Document.of("x.y", colour=["red"])


def test_an_item_is_found_by_its_russian_title_through_its_catalog_domain(
    base_catalog: str,
) -> None:
    from radiant_ext.plugins.search import item_document

    item = load_catalog_text(base_catalog, "ops.yaml").items[0]
    document = item_document(item, ["Operations"])
    parts = dict(document.parts)
    assert parts["title"] == ("Till", "Till")  # no .po for this catalog: English twice
    assert parts["department"] == ("Operations",)
    assert document.keywords == ("till", "касса")
