"""Request lists from the ticket cache, page by page (keyset): every row once, in order, in
every sort, filter and scope, forwards and back; counts and searches stop at their limits;
a bad page link shows the first page; nobody sees another company's tickets.

Each data test runs on SQLite and on PostgreSQL (``RADIANT_TEST_POSTGRES_URL``). The
expected lists come from a plain Python model of the same rows (visibility by
:func:`~radiant_ext.portal.scoping.ticket_visible`, search by ``text_matches``).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.portal.adapters import keyset, listing
from radiant_ext.portal.adapters.listing import CacheLister, text_matches
from radiant_ext.portal.ports import Customer, ListQuery, TicketPage, TicketSummary
from radiant_ext.portal.scoping import ticket_visible
from radiant_ext.store import TicketCache, make_session_factory
from tests._store_fixtures import ENGINE_PARAMS, store_engine

CLERK = Customer("Demo-Customer", "store-007")  # logins compare case-insensitively
OFFICE = Customer("office-anna", "head-office")
GUEST = Customer("guest-customer", "public", company_visible=False)
CLOSED = {"closed", "removed", "merged"}
BASE = datetime(2026, 11, 1, 8, tzinfo=UTC)
PEOPLE = [("demo-customer", "store-007"), ("store-manager", "store-007"),
          ("office-anna", "head-office"), ("flagship-clerk", "store-001"),
          ("guest-customer", "public"), ("other-guest", "public"),
          ("DEMO-CUSTOMER", "store-001")]  # the clerk's own ticket filed at another company
STATES = [("new", "new"), ("open", "open"), ("closed successful", "closed"),
          ("merged", "merged"), ("pending reminder", "pending reminder")]


@pytest.fixture(params=ENGINE_PARAMS, scope="module")
def cache(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """A migrated store holding 120 tickets with many ties in every sort key (read only)."""
    with store_engine(request.param, tmp_path_factory.mktemp("cache"),
                      suite="portal") as engine:
        sessions = make_session_factory(engine)
        with sessions.begin() as s:
            s.add_all(_ticket(n) for n in range(1, 121))
        yield sessions


def _ticket(n: int) -> TicketCache:
    login, company = PEOPLE[n % len(PEOPLE)]
    state, kind = STATES[n % len(STATES)]
    store = None if n % 11 == 0 else ("store-012" if company == "head-office" and n % 2
                                      else company)
    return TicketCache(
        ticket_id=n, ticket_number=f"20261101{n % 9:08d}",  # numbers tie too
        title=("Receipt printer jams" if n % 3 == 0 else "Door stuck") + f" #{n}",
        state=state, state_type=kind, customer_user_id=login, customer_id=company,
        store=store, category=("it.pos-down", "hr.vacation-request", "it.scanner")[n % 3],
        created=None if n % 17 == 0 else BASE + timedelta(hours=n % 6),  # six values
        promised_deadline=None if n % 4 == 0 else BASE + timedelta(days=n % 5),
    )


def _expected(s: Session, customer: Customer, query: ListQuery) -> list[int]:
    """The list as a plain Python model of the same rules."""
    rows = [t for t in s.query(TicketCache).all()
            if ticket_visible(customer, t.customer_user_id, t.customer_id, query.scope)]
    summary = {t.ticket_id: listing._row(t) for t in rows}
    rows = [t for t in rows
            if (query.state == "all" or (t.state_type in CLOSED) == (query.state == "closed"))
            and (not query.category or t.category == query.category)
            and (not query.store or summary[t.ticket_id].store == query.store)
            and text_matches(summary[t.ticket_id], query.text)]
    def value(t: TicketCache) -> Any:
        if query.sort == "created":  # unknown: 1970, as the list shows it
            return t.created or datetime(1970, 1, 1, tzinfo=UTC)
        return getattr(t, {"deadline": "promised_deadline", "state": "state",
                           "number": "ticket_number"}[query.sort])

    valued = sorted((t for t in rows if value(t) is not None),
                    key=lambda t: (value(t), t.ticket_id), reverse=query.descending)
    empty = sorted((t for t in rows if value(t) is None),
                   key=lambda t: t.ticket_id, reverse=query.descending)
    return [t.ticket_id for t in valued + empty]  # no deadline: last in both directions


def _walk(lister: CacheLister, customer: Customer, query: ListQuery) -> list[list[int]]:
    """Every page from the first by "Next page", checking each "Previous page" on the way."""
    pages: list[TicketPage] = [lister.list(customer, query)]
    while pages[-1].next_cursor:
        assert len(pages) < 200, "the walk never ends"
        pages.append(lister.list(customer, ListQuery(**{
            **query.__dict__, "cursor": pages[-1].next_cursor})))
    assert pages[0].prev_cursor is None
    for before, page in zip(pages, pages[1:], strict=False):
        assert page.prev_cursor, "a later page leads back"
        back = lister.list(customer, ListQuery(**{
            **query.__dict__, "cursor": page.prev_cursor, "backward": True}))
        assert [r.ticket_id for r in back.rows] == [r.ticket_id for r in before.rows]
    return [[r.ticket_id for r in p.rows] for p in pages]


SORTS = [(sort, descending) for sort in ("created", "deadline", "state", "number")
         for descending in (True, False)]


@pytest.mark.parametrize(("sort", "descending"), SORTS)
def test_every_sort_pages_forward_and_back_without_gaps_or_repeats(
    cache: sessionmaker[Session], sort: Any, descending: bool,
) -> None:
    lister = CacheLister(cache)
    for scope, who in (("mine", CLERK), ("company", CLERK), ("company", OFFICE)):
        query = ListQuery(scope=scope, state="all", sort=sort, descending=descending,
                          per_page=4)
        pages = _walk(lister, who, query)
        with cache() as s:
            assert sum(pages, []) == _expected(s, who, query), (scope, who.login)
        assert all(len(p) == 4 for p in pages[:-1]) and pages[-1]


@pytest.mark.parametrize("filters", [
    {"state": "open"}, {"state": "closed"}, {"category": "it.scanner"},
    {"store": "store-012"}, {"store": "store-007"}, {"text": "printer"},
    {"text": "printer", "state": "open", "category": "it.pos-down"},
    {"category": "hr.vacation-request", "store": "store-007"},
    {"text": "0000000 3"}, {"text": "2026 1101 0000 0004"},
    {"text": "2026-1101-0000-0004", "sort": "state", "category": "it.pos-down"},
    {"category": "it.scanner", "sort": "deadline"},
    {"store": "store-012", "sort": "state", "descending": False},
])
def test_filters_page_like_the_model(cache: sessionmaker[Session], filters: Any) -> None:
    lister = CacheLister(cache)
    for who in (CLERK, OFFICE):
        query = ListQuery(**{"scope": "company", "state": "all", "per_page": 3, **filters})
        with cache() as s:
            expected = _expected(s, who, query)
        assert sum(_walk(lister, who, query), []) == expected
        first = lister.list(who, query)
        if not query.text and not (query.category and query.store):
            assert first.counted and first.total == len(expected)


def test_a_customer_never_sees_another_companys_tickets(cache: sessionmaker[Session]) -> None:
    lister = CacheLister(cache)
    seen = {r.ticket_id: r for r in _rows(lister, CLERK, ListQuery(scope="company"))}
    with cache() as s:
        for ticket_id in seen:
            t = s.get(TicketCache, ticket_id)
            assert t is not None and (t.customer_id == "store-007"
                                      or (t.customer_user_id or "").lower() == "demo-customer")
    own = _rows(lister, CLERK, ListQuery(scope="mine", state="all"))
    assert {r.customer_user.lower() for r in own} == {"demo-customer"}
    assert {r.store for r in own} >= {"store-001"}  # their own, wherever it was filed
    guest = _rows(lister, GUEST, ListQuery(scope="company", state="all"))
    assert {r.customer_user for r in guest} == {"guest-customer"}  # not other-guest's


def _rows(lister: CacheLister, who: Customer, query: ListQuery) -> list[TicketSummary]:
    pages = [lister.list(who, query)]
    while pages[-1].next_cursor:
        pages.append(lister.list(who, ListQuery(**{**query.__dict__,
                                                   "cursor": pages[-1].next_cursor})))
    return [r for p in pages for r in p.rows]


def test_a_search_looks_through_a_bounded_number_of_rows_per_page(
    cache: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keyset, "SCAN_LIMIT", 5)
    monkeypatch.setattr(listing, "SCAN_LIMIT", 5)
    lister = CacheLister(cache)
    query = ListQuery(scope="company", state="all", text="printer", per_page=3)
    first = lister.list(OFFICE, query)
    assert first.scan_limit == 5 and len(first.rows) < 3 and first.next_cursor
    assert not first.counted
    with cache() as s:
        assert sum(_walk(lister, OFFICE, query), []) == _expected(s, OFFICE, query)


def test_a_whole_number_is_found_at_any_age(
    cache: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keyset, "SCAN_LIMIT", 5)
    lister = CacheLister(cache)
    query = ListQuery(scope="company", state="all", text="2026 1101 0000 0001")
    page = lister.list(OFFICE, query)  # far beyond the first five rows of the walk
    with cache() as s:
        expected = _expected(s, OFFICE, query)
    assert expected and [r.ticket_id for r in page.rows] == expected
    assert page.scan_limit is None and page.counted and page.total == len(expected)


def test_counts_stop_at_the_limit(cache: sessionmaker[Session],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyset, "COUNT_LIMIT", 10)
    monkeypatch.setattr(listing, "COUNT_LIMIT", 10)
    lister = CacheLister(cache)
    big = lister.list(OFFICE, ListQuery(scope="company", state="all"))
    assert big.more_than == 10 and big.total == 10
    small = lister.list(OFFICE, ListQuery(scope="company", state="open", category="it.scanner"))
    with cache() as s:
        expected = _expected(s, OFFICE, ListQuery(scope="company", state="open",
                                                  category="it.scanner"))
    assert small.more_than is None and small.total == len(expected) < 10


def _token(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize("cursor", [
    "not base64 !", _token("a string"), _token(["created", "d", 0, "2026-11-01"]),
    _token(["number", "d", 0, "1", 5]),  # another sort's link
    _token(["created", "a", 0, "2026-11-01T08:00:00+00:00", 5]),  # another direction
    _token(["created", "d", 0, "yesterday", 5]), _token(["created", "d", 0, None, 5]),
    _token(["created", "d", 2, "2026-11-01T08:00:00", 5]),
    _token(["created", "d", 0, "2026-11-01T08:00:00", 2**63]),
    _token(["created", "d", 0, "2026-11-01T08:00:00", "5"]),
])
def test_a_bad_page_link_shows_the_first_page(cache: sessionmaker[Session],
                                              cursor: str) -> None:
    lister = CacheLister(cache)
    query = ListQuery(scope="company", state="all", per_page=5)
    first = lister.list(CLERK, query)
    page = lister.list(CLERK, ListQuery(**{**query.__dict__, "cursor": cursor}))
    assert page.cursor_error and page.prev_cursor is None
    assert [r.ticket_id for r in page.rows] == [r.ticket_id for r in first.rows]
    backward = lister.list(CLERK, ListQuery(**{**query.__dict__, "cursor": cursor,
                                               "backward": True}))
    assert [r.ticket_id for r in backward.rows] == [r.ticket_id for r in first.rows]


# -- the list page ----------------------------------------------------------------------

@pytest.fixture
def cached_client(app: Flask, desk: Any, customer_client: FlaskClient,
                  tmp_path: Path) -> Iterator[FlaskClient]:
    """The portal with ``demo-customer`` logged in, listing from a real ticket cache."""
    with store_engine("sqlite", tmp_path, suite="portal") as engine:
        sessions = make_session_factory(engine)
        with sessions.begin() as s:
            s.add_all(_ticket(n) for n in range(1, 121))
        desk.list = CacheLister(sessions).list
        app.config["PORTAL_PAGE_SIZE"] = 4
        yield customer_client


def _links(html: str) -> dict[str, str]:
    return {rel: href.replace("&amp;", "&")
            for rel, href in re.findall(r'rel="(prev|next)" href="([^"]+)"', html)}


def test_the_page_walks_by_next_and_previous_links(cached_client: FlaskClient) -> None:
    first = cached_client.get("/requests/company?state=all&sort=deadline").get_data(
        as_text=True)
    ids = re.findall(r'href="/requests/(\d+)"', first)
    assert len(ids) == 4 and "prev" not in _links(first)
    assert re.search(r"<p>\d+ requests</p>", first)
    second = cached_client.get(_links(first)["next"]).get_data(as_text=True)
    assert "sort=deadline" in _links(first)["next"]  # filters and sort ride along
    assert not set(re.findall(r'href="/requests/(\d+)"', second)) & set(ids)
    back = cached_client.get(_links(second)["prev"]).get_data(as_text=True)
    assert re.findall(r'href="/requests/(\d+)"', back) == ids


def test_a_damaged_link_is_the_first_page_with_a_note(cached_client: FlaskClient) -> None:
    first = cached_client.get("/requests?state=all").get_data(as_text=True)
    response = cached_client.get("/requests?state=all&after=%00%ff" + "x" * 5000)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That page link no longer fits this list" in html
    assert re.findall(r'href="/requests/(\d+)"', html) == re.findall(
        r'href="/requests/(\d+)"', first)
    cached_client.set_cookie("radiant_lang", "ru")
    ru = cached_client.get("/requests?state=all&before=junk").get_data(as_text=True)
    assert "Ссылка на страницу не подходит к этому списку" in ru


def test_a_count_past_the_limit_reads_more_than(cached_client: FlaskClient,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "COUNT_LIMIT", 10)
    monkeypatch.setattr(keyset, "COUNT_LIMIT", 10)
    html = cached_client.get("/requests/company?state=all").get_data(as_text=True)
    assert "More than 10 requests" in html


def test_a_search_that_stops_says_so(cached_client: FlaskClient,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "SCAN_LIMIT", 5)
    monkeypatch.setattr(keyset, "SCAN_LIMIT", 5)
    html = cached_client.get("/requests/company?state=all&q=printer").get_data(as_text=True)
    assert "This page looked through 5 requests" in html and 'rel="next"' in html
    assert " requests</p>" not in html  # a search is not counted
