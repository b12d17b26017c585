"""A bundle request is one request in the lists: its row names its parts and how many are
done, its parts are not listed beside it, counts and pages hold only what is shown, a search
still finds a part (naming its parent), and a part's page links back to its parent — only
ever with the parts and parents the customer may see.

The store (ticket cache, outbox, bundles) runs on SQLite and on PostgreSQL
(``RADIANT_TEST_POSTGRES_URL``); the pages are served by the portal with the real list and
bundle adapters and the shipped department plugins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.portal import create_app
from radiant_ext.portal.adapters.bundles import StoreBundles
from radiant_ext.portal.adapters.listing import AutoLister, LiveLister
from radiant_ext.portal.bundles import MAX_LISTED_PARTS
from radiant_ext.portal.ports import PortalServices, TicketSummary
from radiant_ext.portal.sessions import SqliteSessionStore
from radiant_ext.store import (
    BundlePartRow,
    BundleRow,
    Outbox,
    OutboxState,
    SyncCursor,
    TicketCache,
    make_session_factory,
)
from tests._store_fixtures import ENGINE_PARAMS, store_engine
from tests.portal.conftest import FakeHelpDesk, StoredTicket, log_in

BASE = datetime(2026, 11, 2, 8, tzinfo=UTC)
PART_ITEMS = ("hr.onboarding", "it.new-workstation", "maintenance.workplace",
              "accounting.payroll-entry")


def _number(ticket_id: int) -> str:
    return f"2026110210{ticket_id:04d}"


class World:
    """The rows of the store and of the fake help desk, built together."""

    def __init__(self) -> None:
        self.cache: list[TicketCache] = []
        self.outbox: list[Outbox] = []
        self.bundles: list[tuple[BundleRow, list[BundlePartRow]]] = []
        self.tickets: dict[int, StoredTicket] = {}

    def ticket(self, ticket_id: int, title: str, login: str, company: str, minute: int,
               closed: bool = False, request_id: str | None = None,
               category: str = "hr.new-employee", filed_for: str = "") -> None:
        created = BASE + timedelta(minutes=minute)
        state, kind = ("closed successful", "closed") if closed else ("open", "open")
        self.cache.append(TicketCache(
            ticket_id=ticket_id, ticket_number=_number(ticket_id), title=title, state=state,
            state_type=kind, customer_user_id=login, customer_id=company, store=company,
            category=category, created=created, request_id=request_id))
        self.tickets[ticket_id] = StoredTicket(TicketSummary(
            ticket_id, _number(ticket_id), title, state, kind, category, company,
            login, created, None))
        if request_id is not None:
            self.outbox.append(_sent(request_id, ticket_id, title, filed_for or login, created))

    def bundle(self, reference: str, parent: int, login: str, company: str, minute: int,
               parts: list[tuple[int | None, str, str, bool]]) -> None:
        """A bundle with its parent ticket and ``parts`` — (ticket id or ``None`` while not
        filed, login, company, closed) — filed a minute apart after it."""
        self.ticket(parent, f"New employee {reference}", login, company, minute,
                    request_id=reference)
        rows = []
        for n, (ticket_id, part_login, part_company, closed) in enumerate(parts, 1):
            request_id = f"{reference}-P{n}"
            title = f"Part {n} of {reference}"
            rows.append(BundlePartRow(
                number=n, request_id=request_id, item=PART_ITEMS[(n - 1) % 4],
                department=PART_ITEMS[(n - 1) % 4].split(".")[0], title=title, body="",
                answers={}, decision={}, customer_id=company))
            if ticket_id is not None:
                self.ticket(ticket_id, title, part_login, part_company, minute + n,
                            closed=closed, request_id=request_id, category=rows[-1].item,
                            filed_for=login)
        self.bundles.append((BundleRow(request_id=reference, item="hr.new-employee",
                                       customer_user=login), rows))

    def store(self, sessions: sessionmaker[Session]) -> None:
        with sessions.begin() as s:
            s.add_all(self.cache)
            s.add_all(self.outbox)
            s.add(SyncCursor(name="ticket-pull", value=BASE))
            for bundle, parts in self.bundles:
                s.add(bundle)
                s.flush()
                for part in parts:
                    part.bundle_id = bundle.id
                s.add_all(parts)


def _sent(request_id: str, ticket_id: int, title: str, login: str,
          created: datetime) -> Outbox:
    return Outbox(request_id=request_id, state=OutboxState.SENT, payload={}, title=title,
                  customer_user=login, ticket_id=ticket_id, ticket_number=_number(ticket_id),
                  created_at=created, next_attempt_at=created)


CLERK, COMPANY = "demo-customer", "store-007"
PLAIN = list(range(201, 210))
"""The clerk's nine requests that are no bundles."""
LISTED_MINE = [101, 110, 120, 131, *PLAIN]
"""What "My requests" lists for the clerk (every state): three bundles, a part of another
company's bundle given to the clerk (its parent is not in the clerk's list) and nine
others."""


def _world() -> World:
    world = World()
    mine = (CLERK, COMPANY)
    # three of four parts done
    world.bundle("RQ-B1", 101, *mine, 0, [(102, *mine, True), (103, *mine, True),
                                        (104, *mine, True), (105, *mine, False)])
    # eight parts: six filed, two to be filed (one of them waiting in the outbox)
    world.bundle("RQ-B2", 110, *mine, 10, [
        *((111 + n, *mine, False) for n in range(6)), (None, *mine, False),
        (None, *mine, False)])
    world.outbox.append(Outbox(request_id="RQ-B2-P7", state=OutboxState.PENDING, payload={},
                               title="Part 7 of RQ-B2", customer_user=CLERK,
                               created_at=BASE, next_attempt_at=BASE))
    # a part an agent gave to another company's customer: not the clerk's to see
    world.bundle("RQ-B3", 120, *mine, 20, [(121, *mine, False),
                                        (122, "flagship-clerk", "store-001", False)])
    # another company's bundle whose part was given to the clerk
    world.bundle("RQ-B4", 130, "flagship-clerk", "store-001", 30,
                 [(131, *mine, False)])
    for n, ticket_id in enumerate(PLAIN):
        world.ticket(ticket_id, f"Door stuck {n}", *mine, 40 + n, closed=n % 3 == 0)
    world.ticket(301, "Shelf broken", "store-manager", COMPANY, 60)
    return world


@pytest.fixture(params=ENGINE_PARAMS)
def portal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The portal listing from a store with the bundles of :func:`_world` (page size 4)."""
    with store_engine(request.param, tmp_path, suite="portal") as engine:
        sessions = make_session_factory(engine)
        world = _world()
        world.store(sessions)
        desk = FakeHelpDesk()
        desk.tickets = world.tickets
        desk.list = AutoLister(sessions, LiveLister(None)).list  # type: ignore[method-assign,arg-type]
        plugins = Plugins(make_plugin_manager(load_entrypoints=True))
        services = PortalServices(auth=desk, catalog=desk, submissions=desk, tickets=desk,
                                  bundles=StoreBundles(sessions, plugins))
        yield create_app({
            "TESTING": True, "SECRET_KEY": "test-secret", "PORTAL_SERVICES": services,
            "PORTAL_SESSION_STORE": SqliteSessionStore(tmp_path / "sessions.sqlite3"),
            "PORTAL_SESSION_CHECK_SECONDS": 0, "PORTAL_PAGE_SIZE": 4})


def _client(portal: Flask, login: str = CLERK) -> FlaskClient:
    client = portal.test_client()
    assert log_in(client, login).status_code == 302
    return client


_ROW = re.compile(r"<tr[^>]*>\s*<td[^>]*>(.*?)</td>", re.S)


def _rows(html: str) -> dict[int, str]:
    """Each list row's request (its first link) → the row's request cell."""
    rows = {}
    for cell in _ROW.findall(html):
        link = re.search(r'href="/requests/(\d+)"', cell)
        assert link, cell
        rows[int(link.group(1))] = cell
    return rows


def _walk(client: FlaskClient, path: str) -> tuple[list[int], list[str]]:
    """Every row of a list from its first page by "Next page", and each page's html."""
    pages = [client.get(path).get_data(as_text=True)]
    while next_link := re.search(r'rel="next" href="([^"]+)"', pages[-1]):
        assert len(pages) < 20
        pages.append(client.get(next_link.group(1).replace("&amp;", "&")).get_data(
            as_text=True))
    return [i for page in pages for i in _rows(page)], pages


def test_a_bundle_is_one_row_with_its_parts_and_progress(portal: Flask) -> None:
    html = _client(portal).get("/requests?state=all").get_data(as_text=True)
    rows = _rows(html)
    assert list(rows) == [209, 208, 207, 206]  # newest first, no part among them
    ids, _ = _walk(_client(portal), "/requests?state=all&sort=number&order=asc")
    assert ids == LISTED_MINE
    first = _client(portal).get("/requests?state=all&sort=number&order=asc").get_data(
        as_text=True)
    cell = _rows(first)[101]
    assert "3 of 4 parts done" in cell
    for part in (102, 103, 104, 105):  # each part leads to its own page
        assert f'href="/requests/{part}"' in cell
    assert cell.count('class="part part-done"') == 3


def test_counts_and_pages_hold_only_what_is_shown(portal: Flask) -> None:
    client = _client(portal)
    ids, pages = _walk(client, "/requests?state=all")
    assert sorted(ids) == sorted(LISTED_MINE) and len(ids) == len(set(ids))
    assert len(pages) == 4  # thirteen requests at four a page
    assert all("<p>13 requests</p>" in page for page in pages)
    assert "RQ-B2-P7" not in pages[0]  # a part waiting to be filed is no request of its own
    for before, page in zip(pages, pages[1:], strict=False):  # and back, page by page
        back = re.search(r'rel="prev" href="([^"]+)"', page)
        assert back
        again = client.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert list(_rows(again)) == list(_rows(before))
    opened, _ = _walk(client, "/requests?state=open")
    assert "<p>10 requests</p>" in client.get("/requests?state=open").get_data(as_text=True)
    assert sorted(opened) == sorted([101, 110, 120, 131, *(i for n, i in enumerate(PLAIN)
                                                            if n % 3)])
    company, company_pages = _walk(_client(portal, "store-manager"),
                                   "/requests/company?state=all")
    assert sorted(company) == sorted([*LISTED_MINE, 301])
    assert "<p>14 requests</p>" in company_pages[0]


def test_a_category_lists_the_parts_of_its_item_naming_their_parent(portal: Flask) -> None:
    client = _client(portal)
    closed, pages = _walk(client, "/requests?state=closed")  # the bundle is not done yet
    assert sorted(closed) == [i for n, i in enumerate(PLAIN) if n % 3 == 0]
    assert "<p>3 requests</p>" in pages[0]
    category = client.get("/requests?state=all&category=it.new-workstation").get_data(
        as_text=True)  # a part's own category finds it
    assert set(_rows(category)) == {103, 112, 116}
    assert 'Part of request <a href="/requests/110">' in _rows(category)[112]


def test_a_long_bundle_names_the_first_parts_and_counts_the_rest(portal: Flask) -> None:
    html = _client(portal).get("/requests?state=all&sort=number&order=asc").get_data(
        as_text=True)
    cell = _rows(html)[110]
    assert "0 of 8 parts done" in cell
    assert cell.count('<li class="part') == MAX_LISTED_PARTS
    assert "and 2 more parts" in cell and 'href="/requests/110#parts"' in cell
    page = _client(portal).get("/requests/110").get_data(as_text=True)
    assert page.count("to be filed") == 2 and "0 of 8 parts done" in page


def test_a_search_finds_a_part_and_names_its_parent(portal: Flask) -> None:
    client = _client(portal)
    for search in (_number(104), _number(104)[-4:], "Part 3 of RQ-B1"):
        html = client.get(f"/requests?state=all&q={search}").get_data(as_text=True)
        rows = _rows(html)
        assert list(rows) == [104], search
        assert 'Part of request <a href="/requests/101">' in rows[104]
    found, pages = _walk(client, "/requests?state=all&q=RQ-B1")
    assert sorted(found) == [101, 102, 103, 104, 105]  # the parent and every part
    assert "3 of 4 parts done" in pages[-1]


def test_a_parts_page_links_back_to_its_parent(portal: Flask) -> None:
    client = _client(portal)
    page = client.get("/requests/105").get_data(as_text=True)
    assert re.search(r'Part of request <a href="/requests/101#parts">.{0,300}?'
                     r"</span></span> New employee RQ-B1</a>", page, re.S)
    assert 'href="/requests/101"' in page  # in the breadcrumb too
    parent = client.get("/requests/101").get_data(as_text=True)
    assert "Part of request" not in parent and "3 of 4 parts done" in parent
    client.set_cookie("radiant_lang", "ru")
    assert "Часть заявки" in client.get("/requests/105").get_data(as_text=True)


def test_nobody_sees_a_part_or_parent_that_is_not_theirs(portal: Flask) -> None:
    clerk = _client(portal)
    html = clerk.get("/requests?state=all&sort=number&order=asc").get_data(as_text=True)
    cell = _rows(html)[120]
    assert "0 of 1 part done" in cell and "/requests/122" not in cell
    assert "Part 2 of RQ-B3" not in clerk.get("/requests/120").get_data(as_text=True)
    # the part given to the clerk: listed, its parent neither named nor linked
    assert "Part of request" not in _rows(html)[131] and "New employee RQ-B4" not in html
    assert "Part of request" not in clerk.get("/requests/131").get_data(as_text=True)
    assert clerk.get("/requests/130").status_code == 404
    # the other company sees its parent with only the part still its own
    flagship = _client(portal, "flagship-clerk")
    mine = flagship.get("/requests?state=all").get_data(as_text=True)
    assert set(_rows(mine)) == {130, 122}  # 122: a part of a bundle it cannot see
    assert "parts done" not in mine and "part done" not in mine
    assert "/requests/131" not in mine and "Part of request" not in mine


def test_russian_plural_forms(portal: Flask) -> None:
    client = _client(portal)
    client.set_cookie("radiant_lang", "ru")
    html = client.get("/requests?state=all&sort=number&order=asc").get_data(as_text=True)
    rows = _rows(html)
    assert "Готово 3 из 4 частей" in rows[101]
    assert "Готово 0 из 8 частей" in rows[110] and "и ещё 2 части" in rows[110]
    assert "Готово 0 из 1 части" in rows[120]

