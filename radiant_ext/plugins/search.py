"""Catalog search: rank catalog items for what a person typed, in English or Russian.

One engine serves the portal's search ("till won't print", "касса не пробивает чек") and the
classification of e-mail-born tickets (:func:`radiant_ext.plugins.routing.classify_by_keywords`),
so a phrase finds the same item whichever door it came through.

How a text is read (:func:`terms`): case-folded, ``ё`` read as ``е``, split into words (a
hyphen or an apostrophe splits too), common words of both languages dropped ("the", "won't",
"не", "у нас"), and every word reduced to its Snowball stem — the Russian stemmer for a
Cyrillic word, the English one otherwise ("печатаются" → ``печата``, "printing" → ``print``).

What an item offers (:class:`Document`): its title and help in English *and* Russian (each
text translated through its catalog's gettext domain), its ``keywords`` — the words and phrases
its catalog declares, synonyms included —, its department's title, and its "try this first"
steps and field labels, each with a weight (:data:`WEIGHTS`).

How an item scores for a query (:meth:`SearchIndex.rank`): each query word counts once, for the
best of the item's words it matches — exactly (1), as the start of a longer word, which is how a
word being typed matches ("принт" → ``принтер``: 0.75), or with one typo, two for long words
(0.6) — times that word's weight in the item and how rare the word is among the items (idf).
A keyword phrase whose every word is in the query adds a bonus; the sum is scaled by the share of
the query's known words the item matched, so an item that explains the whole query beats one
that matches a single frequent word.

Limits: a query is read up to :data:`MAX_QUERY_CHARS` characters (an e-mail's quoted history
and signature past that are ignored); words shorter than two letters are ignored.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import snowballstemmer

from radiant_ext.plugins.catalog import CatalogItem

__all__ = [
    "MAX_QUERY_CHARS",
    "WEIGHTS",
    "Document",
    "Hit",
    "SearchIndex",
    "index_for_items",
    "item_document",
    "terms",
]

MAX_QUERY_CHARS = 4000
"""How much of a query is read; the rest (an e-mail's quoted history) is ignored."""

WEIGHTS = {
    "keywords": 3.0,
    "title": 3.0,
    "help": 1.5,
    "department": 1.0,
    "steps": 0.6,
    "labels": 0.4,
}
"""How much a word counts in each part of an item."""

_EXACT, _PREFIX, _TYPO = 1.0, 0.75, 0.6
_PHRASE_BONUS = 1.0
"""A keyword phrase of n words fully in the query adds n × this × the keyword weight."""

_STOP = frozenset("""
a an the is are was were be been am it its it's this that these those there here i me my we us
our you your he she they them their to of in on at for from by with and or but not no nor
don't doesn't didn't won't can't cannot isn't aren't wasn't weren't couldn't wouldn't
do does did has have had having will would can could should may might must just also
so too very please pls hi hello dear thanks thank regards urgent urgently again still
help any some all one what which who why how when where get got work works working worked
и в во не ни на я с со как а то все всё она он оно они так его ее её но да ты к у же вы за бы
по только мне меня мой моя мое моё мои нам нас нами наш наша наше наши был была было были быть
есть вот от из до для при о об обо про это этот эта эти тот та те уже еще ещё очень ли или
если что чтобы чем где когда там тут здесь нет опять снова просто пожалуйста помогите помочь
срочно здравствуйте добрый привет спасибо сегодня вчера тоже также может можно надо нужно
работает работают работал работала работало работали
""".split())
"""Words too common to tell one request from another, in both languages."""

_CYRILLIC = re.compile(r"[а-я]")
_STEMMERS = threading.local()
_LATIN_KEYS = "qwertyuiopasdfghjklzxcvbnm"
_CYRILLIC_KEYS = "йцукенгшщзфывапролдячсмить"
_LAYOUT = str.maketrans(_LATIN_KEYS + _CYRILLIC_KEYS, _CYRILLIC_KEYS + _LATIN_KEYS)
"""The same keys in the English and the Russian layout (letters only)."""


def _stemmer(language: str) -> Any:
    found = getattr(_STEMMERS, language, None)
    if found is None:  # Snowball stemmers keep state while stemming: one per thread
        found = snowballstemmer.stemmer(language)
        setattr(_STEMMERS, language, found)
    return found


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    language = "russian" if _CYRILLIC.search(word) else "english"
    return str(_stemmer(language).stemWord(word))


def _words(text: str) -> list[str]:
    folded = text[:MAX_QUERY_CHARS].casefold().replace("ё", "е").replace("’", "'")
    # "won't" is one stop word; "printer's" is "printer"
    folded = re.sub(r"(\w)'(t|s)\b", lambda m: m.group(1) + ("'t" if m.group(2) == "t" else ""),
                    folded)
    return re.findall(r"[^\W_]+(?:'t)?", folded)


def terms(text: str) -> list[str]:
    """The stems of ``text``'s words, in order, common words left out."""
    return [_stem(w) for w in _words(text) if w not in _STOP and len(w) > 1]


def _surface(text: str) -> list[tuple[str, str]]:
    """``text``'s words as written (case-folded) with their stems, common words left out."""
    return [(w, _stem(w)) for w in _words(text) if w not in _STOP and len(w) > 1]


@dataclass(frozen=True)
class Document:
    """An item as the engine sees it: its id and its texts, by part (keys of :data:`WEIGHTS`).

    ``keywords`` are phrases: a phrase of several words also earns the phrase bonus.
    """

    id: str
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    keywords: tuple[str, ...] = ()

    @classmethod
    def of(cls, id: str, keywords: Iterable[str] = (), **parts: Iterable[str]) -> Document:
        """A document from texts by part: ``Document.of("it.x", title=[en, ru], help=[…])``."""
        unknown = set(parts) - set(WEIGHTS)
        if unknown:
            raise ValueError(f"unknown document parts: {', '.join(sorted(unknown))}")
        return cls(id, tuple((k, tuple(t for t in v if t)) for k, v in parts.items()),
                   tuple(keywords))


def item_document(item: CatalogItem, department_titles: Sequence[str] = (),
                  languages: Sequence[str] = ("en", "ru")) -> Document:
    """The document of a catalog item: its texts in every language of ``languages``."""
    def both(texts: Iterable[str | None]) -> list[str]:
        return [item.translate(t, lang) for t in texts if t for lang in languages]

    labels = [f.label for f in item.fields]
    return Document.of(
        item.id, keywords=item.keywords, title=both([item.title]), help=both([item.help]),
        department=department_titles, steps=both(item.try_first), labels=both(labels))


@dataclass(frozen=True)
class Hit:
    """One ranked item: its id, its score and the keywords of the item the query matched."""

    id: str
    score: float
    matched: tuple[str, ...] = ()


@dataclass
class _Indexed:
    weights: dict[str, float] = field(default_factory=dict)
    phrases: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    words: dict[str, str] = field(default_factory=dict)
    """Each word as written in the item, with its stem (for typos)."""


def _edits_at_most(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` becomes ``b`` with at most ``limit`` edits (a swap of two letters: one)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return False
        previous2, previous = previous, row
    return previous[-1] <= limit


def _similarity(query: str, term: str) -> float:
    """How well a query stem matches an item's stem: exactly, or as a word being typed."""
    if query == term:
        return _EXACT
    if len(query) >= 3 and term.startswith(query):
        return _PREFIX
    return 0.0


class SearchIndex:
    """Documents ready to be ranked; build one per set of items and reuse it."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = list(documents)
        self._docs = [self._index(d) for d in self.documents]
        df: dict[str, int] = defaultdict(int)
        for doc in self._docs:
            for term in doc.weights:
                df[term] += 1
        n = max(len(self._docs), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._sorted = sorted(self._idf)
        self._by_length: dict[int, dict[str, str]] = defaultdict(dict)
        for doc in self._docs:
            for word, term in doc.words.items():
                self._by_length[len(word)][word] = term
        self._matches: dict[str, list[tuple[str, float]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _index(document: Document) -> _Indexed:
        out = _Indexed()

        def add(term: str, weight: float) -> None:
            out.weights[term] = max(out.weights.get(term, 0.0), weight)

        for part, texts in document.parts:
            for text in texts:
                for word, term in _surface(text):
                    add(term, WEIGHTS[part])
                    out.words[word] = term
        for phrase in document.keywords:
            surface = _surface(phrase)
            out.words.update(surface)
            stems = tuple(dict.fromkeys(term for _, term in surface))
            # a word of a longer phrase counts half alone ("till" of "till short"); the whole
            # phrase earns the phrase bonus
            share = 1.0 if len(stems) == 1 else 0.5
            for term in stems:
                add(term, WEIGHTS["keywords"] * share)
            if stems:
                out.phrases.append((phrase, stems))
        return out

    def _vocabulary_matches(self, query: str, word: str = "") -> list[tuple[str, float]]:
        """Every indexed stem ``query`` matches, with how well (cached per query stem).

        A typo is looked for only when the word matches no stem exactly or as a beginning:
        the word as typed is compared with the items' words as written, of about its length
        and sharing its first or second letter (a typo can change a stem: "vacatoin").
        """
        key = f"{query} {word}"
        found = self._matches.get(key)
        if found is not None:
            return found
        found = [(t, _similarity(query, t)) for t in self._with_prefix(query)]
        if not found and len(word) >= 4:
            found = [(t, _TYPO) for t in dict.fromkeys(self._near(word))]
        with self._lock:
            if len(self._matches) > 20000:  # a bound against endless distinct queries
                self._matches.clear()
            self._matches[key] = found
        return found

    def _with_prefix(self, query: str) -> list[str]:
        if len(query) < 3:
            return [query] if query in self._idf else []
        start = bisect.bisect_left(self._sorted, query)
        out = []
        for term in self._sorted[start:]:
            if not term.startswith(query):
                break
            out.append(term)
        return out

    def _near(self, word: str) -> Iterable[str]:
        """Stems of the items' words that ``word`` is with one typo (two for long words)."""
        limit = 2 if len(word) >= 8 else 1
        for length in range(len(word) - limit, len(word) + limit + 1):
            for written, term in self._by_length.get(length, {}).items():
                if (written[0] == word[0] or written[1] == word[1]) \
                        and _edits_at_most(word, written, limit):
                    yield term

    def rank(self, query: str | Sequence[tuple[str, float]], limit: int | None = None,
             ) -> list[Hit]:
        """Items matching ``query``, best first; items that match nothing are left out.

        :param query: the text, or parts of it with their weights (an e-mail's subject 2,
            its body 1): a word counts with the highest weight of the parts it is in.
        :param limit: at most this many hits.
        """
        weighted, known = self._query_terms(query)
        if not known:
            return []
        hits = [h for i, doc in enumerate(self._docs)
                if (h := self._score(self.documents[i].id, doc, weighted, known)) is not None]
        hits.sort(key=lambda h: (-h.score, h.id))
        return hits[:limit] if limit is not None else hits

    def _query_terms(self, query: str | Sequence[tuple[str, float]],
                     ) -> tuple[dict[str, float], dict[str, list[tuple[str, float]]]]:
        """The query's stems with their weights, and the indexed stems each one matches."""
        parts = [(query, 1.0)] if isinstance(query, str) else query
        weighted: dict[str, float] = {}
        known: dict[str, list[tuple[str, float]]] = {}
        for text, weight in parts:
            for word in _words(text):
                if word in _STOP or len(word) < 2:
                    continue
                term, matches = self._term(word)
                weighted[term] = max(weighted.get(term, 0.0), weight)
                if matches:
                    known[term] = matches
        return weighted, known

    def _term(self, word: str) -> tuple[str, list[tuple[str, float]]]:
        """The stem of a query word and the indexed stems it matches; a word typed in the
        other keyboard layout ("ghbynth" for "принтер") is read in the right one when only
        that one matches an item."""
        term = _stem(word)
        matches = self._vocabulary_matches(term, word)
        swapped = word.translate(_LAYOUT)
        if not matches and swapped != word and swapped not in _STOP:
            other = _stem(swapped)
            if found := self._vocabulary_matches(other, swapped):
                return other, found
        return term, matches

    def _score(self, doc_id: str, doc: _Indexed, weighted: dict[str, float],
               known: dict[str, list[tuple[str, float]]]) -> Hit | None:
        score, matched_terms, hit_stems = 0.0, 0, set()
        for query, candidates in known.items():
            best, best_term = 0.0, ""
            for term, similarity in candidates:
                value = doc.weights.get(term, 0.0) * similarity * self._idf[term]
                if value > best:
                    best, best_term = value, term
            if best:
                score += best * weighted[query]
                matched_terms += 1
                hit_stems.add(best_term)
        if not score:
            return None
        phrases = [p for p, stems in doc.phrases if all(s in hit_stems for s in stems)]
        for phrase, stems in doc.phrases:
            if len(stems) > 1 and phrase in phrases:
                score += _PHRASE_BONUS * WEIGHTS["keywords"] * len(stems)
        score *= 0.5 + 0.5 * matched_terms / len(known)
        return Hit(doc_id, round(score, 4), tuple(phrases))


_INDEXES: dict[tuple[object, ...], SearchIndex] = {}
_INDEX_LOCK = threading.Lock()
_MAX_INDEXES = 32
"""Indexes kept for item sets seen recently (each company sees its own set)."""


def _fingerprint(item: CatalogItem) -> tuple[object, ...]:
    return (item.id, item.domain, item.title, item.help, tuple(item.keywords),
            tuple(item.try_first), tuple(f.label for f in item.fields))


def index_for_items(items: Sequence[CatalogItem],
                    department_titles: dict[str, Sequence[str]] | None = None) -> SearchIndex:
    """The index of ``items`` (built once per distinct set of items and kept).

    :param department_titles: each department's title in every language, by department id.
    """
    titles = department_titles or {}
    key = tuple((_fingerprint(i), tuple(titles.get(i.department, ()))) for i in items)
    found = _INDEXES.get(key)
    if found is None:
        found = SearchIndex([item_document(i, titles.get(i.department, ())) for i in items])
        with _INDEX_LOCK:
            if len(_INDEXES) >= _MAX_INDEXES:
                _INDEXES.pop(next(iter(_INDEXES)))
            _INDEXES[key] = found
    return found
