"""The adapters behind the ports: catalog over the real plugins, ticket building, scoping of
GI reads, and request lists from the ticket cache."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import Ticket, TicketCreated
from radiant_ext.client.errors import PermissionDeniedError, ZnunyConnectionError
from radiant_ext.plugins import MemoryEnablement, Plugins, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.portal.adapters import (
    AutoLister,
    CacheLister,
    OutboxSubmission,
    PluginCatalog,
    ZnunyTickets,
    build_ticket,
)
from radiant_ext.portal.adapters.keyset import Key, encode
from radiant_ext.portal.ports import (
    Customer,
    ListQuery,
    RequestDraft,
    TicketNotFound,
    TicketPage,
    UpstreamUnavailable,
)
from radiant_ext.store import (
    Outbox,
    OutboxState,
    TicketCache,
    make_engine,
    make_session_factory,
    set_cursor,
    upgrade_database,
)
from tests._recording_plugins import CreatedRecorder
from tests._store_fixtures import ENGINE_PARAMS, store_engine

CONTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "contract"
CLERK = Customer("demo-customer", "store-007", "Dana Clerk", "dana@example.test")
COLLEAGUE = Customer("store-manager", "store-007", "Mark Manager")
FLAGSHIP = Customer("flagship-clerk", "store-001", "Fiona Flagship")
OFFICE = Customer("office-anna", "head-office", "Anna Office")


@pytest.fixture(scope="module")
def catalog() -> PluginCatalog:
    return PluginCatalog(Plugins(make_plugin_manager(load_entrypoints=True,
                                                     catalog_dirs=[DEMO_CATALOG_DIR])))


# -- catalog ------------------------------------------------------------------------------

def test_departments_come_from_the_installed_plugins_in_both_languages(
    catalog: PluginCatalog,
) -> None:
    en = {d.id: d for d in catalog.departments(CLERK, "en")}
    ru = {d.id: d for d in catalog.departments(CLERK, "ru")}
    assert "it" in en and any(i.id == "it.pos-down" for i in en["it"].items)
    assert en["it"].items[0].title != ru["it"].items[0].title
    assert en["it"].description and en["it"].description != ru["it"].description


def test_store_staff_never_choose_the_store(catalog: PluginCatalog) -> None:
    store_items = [i for d in catalog.departments(OFFICE, "en") for i in d.items
                   if any(f.kind == "select" and f.choices and f.choices[0][0].startswith(
                       "store-") for f in i.fields)]
    assert store_items, "head office picks the store from the directory"
    item_id = store_items[0].id
    clerk_view = catalog.item(item_id, CLERK, "en")
    assert clerk_view is not None
    assert not any(f.choices and f.choices[0][0].startswith("store-")
                   for f in clerk_view.fields)


def test_routing_uses_the_customers_own_store_whatever_the_form_says(
    catalog: PluginCatalog,
) -> None:
    item = catalog.item("it.pos-down", CLERK, "en")
    assert item is not None
    fields = {"register": "2", "impact": next(iter(
        f.choices for f in item.fields if f.name == "impact"))[0][0], "store": "store-001"}
    clerk = catalog.route(item, CLERK, fields).decision
    flagship = catalog.route(item, FLAGSHIP, fields).decision
    assert clerk.store_id == "store-007" and flagship.store_id == "store-001"
    assert flagship.priority_level > clerk.priority_level
    assert clerk.deadline > datetime.now(UTC)


def test_repeat_incidents_at_the_store_raise_the_priority() -> None:
    asked: list[tuple[str, str, int]] = []

    def recent(store: str, item: str, days: int) -> int:
        asked.append((store, item, days))
        return 3

    plugins = Plugins(make_plugin_manager(catalog_dirs=[DEMO_CATALOG_DIR]))
    calm, repeated = PluginCatalog(plugins), PluginCatalog(plugins, recent)
    item = calm.item("it.receipt-printer", CLERK, "en")
    assert item is not None
    before = calm.route(item, CLERK, {}).decision
    after = repeated.route(item, CLERK, {}).decision
    assert after.priority_level > before.priority_level
    assert asked and asked[0][:2] == ("store-007", "it.receipt-printer")


def test_plugin_validation_messages_follow_the_language(catalog: PluginCatalog) -> None:
    item = catalog.item("it.pos-down", CLERK, "en")
    assert item is not None
    en = catalog.validate(item, CLERK, {}, "en")
    ru = catalog.validate(item, CLERK, {}, "ru")
    assert en and set(en) == set(ru) and en != ru


def test_unknown_or_invisible_items_are_none(catalog: PluginCatalog) -> None:
    assert catalog.item("it.no-such-item", CLERK, "en") is None


def test_a_company_the_catalogs_do_not_know_is_told_apart(catalog: PluginCatalog) -> None:
    newcomer = Customer("nina", "store-042", "Nina Newcomer")  # not in the store directory
    assert catalog.knows_company(CLERK) and catalog.knows_company(OFFICE)
    assert not catalog.knows_company(newcomer)
    assert not catalog.knows_company(Customer("nobody", ""))
    # Only items open to everyone; the installed catalogs restrict every item.
    assert catalog.departments(newcomer, "en") == []


def test_production_plugins_know_no_store_of_the_demo() -> None:
    production = PluginCatalog(Plugins(make_plugin_manager()))
    assert not production.knows_company(FLAGSHIP)
    assert production.store_names() == {}
    assert production.knows_company(OFFICE)  # items name the head office


def test_switched_off_departments_and_items_are_not_offered() -> None:
    switches = MemoryEnablement({"hr": False}, items={"it.pos-down": "queue IT::Stores gone"})
    catalog = PluginCatalog(Plugins(make_plugin_manager(catalog_dirs=[DEMO_CATALOG_DIR]),
                                    enablement=switches))
    offered = {i.id for d in catalog.departments(CLERK, "en") for i in d.items}
    assert "it.receipt-printer" in offered
    assert "it.pos-down" not in offered and not any(i.startswith("hr.") for i in offered)
    assert catalog.item("it.pos-down", CLERK, "en") is None
    assert catalog.item("hr.vacation-request", CLERK, "en") is None


# -- building the ticket ------------------------------------------------------------------

def test_ticket_takes_customer_and_routing_never_from_the_form(catalog: PluginCatalog) -> None:
    item = catalog.item("it.pos-down", CLERK, "en")
    assert item is not None
    hostile = {"register": "1", "CustomerUser": "flagship-clerk", "priority": "5 very high",
               "queue": "Junk", "owner": "root@localhost"}
    routing = catalog.route(item, CLERK, hostile)
    draft = RequestDraft("RQ-20261123-AAAAAAAA", CLERK, item, item.title, "body", hostile,
                         routing)
    ticket, article, fields = build_ticket(draft)
    sent = ticket.to_znuny()
    assert sent["CustomerUser"] == "demo-customer"
    assert sent["Queue"] == routing.decision.queue != "Junk"
    assert sent["Priority"] == routing.decision.priority
    assert fields["RadiantStore"] == "store-007"
    assert fields["RadiantCategory"] == "it.pos-down"
    assert article.to_znuny()["IsVisibleForCustomer"] == 1


# -- GI reads with the agent account ------------------------------------------------------

def _contract_ticket(name: str) -> dict[str, Any]:
    data = json.loads((CONTRACT / "otrs-ce-6" / name).read_text(encoding="utf-8"))
    ticket: dict[str, Any] = data["response_body"]["Ticket"][0]
    return ticket


class FakeAgentClient:
    """Answers TicketGet from recorded tickets; records updates."""

    def __init__(self, tickets: dict[int, dict[str, Any]]) -> None:
        self.tickets = tickets
        self.updates: list[dict[str, Any]] = []
        self.error: Exception | None = None

    def ticket_get(self, ticket_id: int, **flags: Any) -> Ticket:
        if self.error:
            raise self.error
        if ticket_id not in self.tickets:
            raise PermissionDeniedError("TicketGet: User does not have access to the ticket!")
        return Ticket.model_validate(self.tickets[ticket_id])

    def ticket_update(self, ticket_id: int, **changes: Any) -> None:
        self.updates.append({"ticket_id": ticket_id, **changes})


def _acme(login: str) -> Customer:
    return Customer(login, "acme", login)


@pytest.fixture
def agent() -> FakeAgentClient:
    full = _contract_ticket("039-TicketGet-single-full.json")
    with_note = dict(_contract_ticket("045-TicketGet-customer-own.json"))
    note = dict(with_note["Article"][0], ArticleID=99, IsVisibleForCustomer=0,
                Body="INTERNAL: supplier quote", Attachment=[
                    {"FileID": "1", "Filename": "quote.pdf", "ContentType": "application/pdf",
                     "Content": "JCQk", "FilesizeRaw": "3", "Disposition": "attachment"}])
    with_note["Article"] = [*with_note["Article"], note]
    return FakeAgentClient({8: full, 9: with_note})


def test_internal_articles_never_reach_the_customer(agent: FakeAgentClient) -> None:
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    detail = tickets.get(_acme("cust1"), 9)
    assert [a.article_id for a in detail.articles] == [12]
    assert all("INTERNAL" not in a.body for a in detail.articles)
    with pytest.raises(TicketNotFound):
        tickets.attachment(_acme("cust1"), 9, 99, 1)


def test_colleague_of_the_same_company_may_read(agent: FakeAgentClient) -> None:
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    assert tickets.get(_acme("cust3"), 9).summary.customer_user == "cust1"


def test_other_company_gets_not_found_for_read_reply_close(agent: FakeAgentClient) -> None:
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    stranger = Customer("cust2", "globex")
    for call in (lambda: tickets.get(stranger, 9),
                 lambda: tickets.attachment(stranger, 8, 11, 1),
                 lambda: tickets.reply(stranger, 9, "hi"),
                 lambda: tickets.close(stranger, 9),
                 lambda: tickets.reopen(stranger, 9, "again")):
        with pytest.raises(TicketNotFound):
            call()
    assert agent.updates == []


def test_the_detail_shows_znunys_deadline_once_znuny_counts_one(
        agent: FakeAgentClient) -> None:
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    promised = "2026-11-24 07:00:00"
    agent.tickets[9] = {**agent.tickets[9], "EscalationSolutionTime": "0", "DynamicField": [
        {"Name": "RadiantDeadline", "Value": promised}]}
    before = tickets.get(_acme("cust1"), 9)
    assert before.summary.deadline == datetime(2026, 11, 24, 7, tzinfo=UTC)
    assert before.promised is None
    solution = datetime(2026, 11, 24, 9, tzinfo=UTC)  # the SLA in Znuny says two hours later
    agent.tickets[9]["EscalationSolutionTime"] = str(int(solution.timestamp()))
    after = tickets.get(_acme("cust1"), 9)
    assert after.summary.deadline == solution
    assert after.promised == datetime(2026, 11, 24, 7, tzinfo=UTC)


def test_ids_znuny_denies_are_not_found(agent: FakeAgentClient) -> None:
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    with pytest.raises(TicketNotFound):
        tickets.get(_acme("cust1"), 12345)


def test_public_attachment_downloads_with_its_content(agent: FakeAgentClient) -> None:
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    data = tickets.attachment(_acme("cust1"), 8, 11, 2)
    assert data.filename == "pixel.png" and data.content.startswith(b"\x89PNG")


def test_close_sends_the_closed_state_with_a_customer_article(agent: FakeAgentClient) -> None:
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    tickets.close(_acme("cust1"), 9)
    (update,) = agent.updates
    assert update["ticket"].to_znuny() == {"State": "closed successful"}
    assert update["article"].to_znuny()["SenderType"] == "customer"


def test_znuny_unreachable_is_upstream_unavailable(agent: FakeAgentClient) -> None:
    agent.error = ZnunyConnectionError("connection refused")
    tickets = ZnunyTickets(agent, AutoLister(None, None))  # type: ignore[arg-type]
    with pytest.raises(UpstreamUnavailable):
        tickets.get(_acme("cust1"), 9)


# -- lists from the ticket cache ----------------------------------------------------------

@pytest.fixture
def store(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade_database(engine)
    yield make_session_factory(engine)
    engine.dispose()


def _cache(sessions: sessionmaker[Session], n: int, who: Customer, **kw: Any) -> None:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    with sessions.begin() as s:
        s.add(TicketCache(
            ticket_id=n, ticket_number=kw.get("number", f"2026110{n:05d}"),
            title=kw.get("title", f"T{n}"),
            state=kw.get("state", "open"), state_type=kw.get("state_type", "open"),
            customer_user_id=who.login, customer_id=who.customer_id, store=who.customer_id,
            category=kw.get("category", "it.pos-down"), created=base + timedelta(hours=n),
            promised_deadline=kw.get("deadline"),
        ))


def test_cache_lists_are_scoped_filtered_sorted_and_paged(
    store: sessionmaker[Session],
) -> None:
    for n in range(1, 8):
        _cache(store, n, CLERK)
    _cache(store, 20, COLLEAGUE, category="hr.vacation-request")
    _cache(store, 30, FLAGSHIP)
    _cache(store, 40, CLERK, state="closed successful", state_type="closed")
    lister = CacheLister(store)
    page = lister.list(CLERK, ListQuery(per_page=3))
    assert page.total == 7 and [r.ticket_id for r in page.rows] == [7, 6, 5]
    page2 = lister.list(CLERK, ListQuery(per_page=3, cursor=page.next_cursor or ""))
    page3 = lister.list(CLERK, ListQuery(per_page=3, cursor=page2.next_cursor or ""))
    assert [r.ticket_id for r in page3.rows] == [1] and page3.next_cursor is None
    company = lister.list(CLERK, ListQuery(scope="company", state="all"))
    assert {r.ticket_id for r in company.rows} == {*range(1, 8), 20, 40}
    hr = lister.list(CLERK, ListQuery(scope="company", category="hr.vacation-request"))
    assert [r.ticket_id for r in hr.rows] == [20]
    assert [r.ticket_id for r in lister.list(CLERK, ListQuery(state="closed")).rows] == [40]
    assert lister.list(FLAGSHIP, ListQuery(scope="company")).total == 1


def test_cache_lists_search_titles_and_numbers_in_either_form(
    store: sessionmaker[Session],
) -> None:
    _cache(store, 1, CLERK, title="Receipt printer jams", number="2026120510000012")
    _cache(store, 2, CLERK, title="Printer out of toner", number="2026120510000013")
    _cache(store, 3, CLERK, title="Door 100% stuck", number="2026120510000014")
    _cache(store, 4, FLAGSHIP, title="Receipt printer at the flagship")
    lister = CacheLister(store)

    def found(text: str) -> list[int]:
        return [r.ticket_id for r in lister.list(CLERK, ListQuery(text=text)).rows]

    assert found("printer") == [2, 1]  # never the flagship's: scoping still applies
    assert found("PRINTER jams") == [1]
    assert found("2026 1205 1000 0013") == found("2026120510000013") == [2]
    assert found("0014") == [3]
    assert found("100%") == [3] and found("_") == []  # LIKE wildcards are plain characters
    assert found("scanner") == []


def test_cache_company_view_is_off_for_catch_all_companies(
    store: sessionmaker[Session],
) -> None:
    guest = Customer("guest-customer", "public", company_visible=False)
    _cache(store, 1, guest)
    _cache(store, 2, Customer("other-guest", "public"))
    rows = CacheLister(store).list(guest, ListQuery(scope="company")).rows
    assert [r.ticket_id for r in rows] == [1]


def test_cache_sorts_by_deadline_with_missing_deadlines_last(
    store: sessionmaker[Session],
) -> None:
    soon = datetime(2026, 11, 24, 7, tzinfo=UTC)
    _cache(store, 1, CLERK, deadline=soon + timedelta(hours=5))
    _cache(store, 2, CLERK)
    _cache(store, 3, CLERK, deadline=soon)
    rows = CacheLister(store).list(CLERK, ListQuery(sort="deadline", descending=False)).rows
    assert [r.ticket_id for r in rows] == [3, 1, 2]


class _Live:
    def __init__(self) -> None:
        self.calls = 0

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        self.calls += 1
        return TicketPage([], 0, 1, 25, "live")


def test_lists_come_from_the_cache_once_sync_has_filled_it(
    store: sessionmaker[Session],
) -> None:
    live = _Live()
    auto = AutoLister(store, live)  # type: ignore[arg-type]
    assert auto.list(CLERK, ListQuery()).source == "live"
    with store.begin() as s:
        set_cursor(s, "ticket-pull", datetime.now(UTC))
    assert auto.list(CLERK, ListQuery()).source == "cache"
    assert live.calls == 1


def _outbox(sessions: sessionmaker[Session], ref: str, state: OutboxState,
            ticket_id: int | None = None) -> None:
    with sessions.begin() as s:
        s.add(Outbox(request_id=ref, state=state, payload={}, customer_user=CLERK.login,
                     title=f"request {ref}", category="it.pos-down",
                     ticket_id=ticket_id, ticket_number=f"N{ticket_id}" if ticket_id else None))


def test_just_filed_and_queued_requests_head_the_cached_list(
    store: sessionmaker[Session],
) -> None:
    _cache(store, 1, CLERK)
    _outbox(store, "RQ-20261123-QUEUED01", OutboxState.PENDING)
    _outbox(store, "RQ-20261123-FILED001", OutboxState.SENT, ticket_id=55)
    _outbox(store, "RQ-20261123-CACHED01", OutboxState.SENT, ticket_id=1)
    with store.begin() as s:
        set_cursor(s, "ticket-pull", datetime.now(UTC))
    auto = AutoLister(store, _Live())  # type: ignore[arg-type]
    rows = auto.list(CLERK, ListQuery()).rows
    assert sorted((r.ticket_id, r.ticket_number, r.state) for r in rows) == [
        (0, "RQ-20261123-QUEUED01", "queued"), (1, "2026110" + "00001", "open"),
        (55, "N55", "new"),
    ]
    assert rows[-1].ticket_id == 1  # outbox rows come first
    assert [r.ticket_id for r in rows].count(1) == 1
    assert auto.list(COLLEAGUE, ListQuery()).rows == []
    later = encode("created", True, Key(False, datetime(2026, 11, 1, 2, tzinfo=UTC), 2))
    second = auto.list(CLERK, ListQuery(per_page=1, cursor=later))  # not the first page
    assert [r.ticket_id for r in second.rows] == [1]


def _waiting(sessions: sessionmaker[Session], ref: str, who: Customer, state: OutboxState,
             at: datetime, ticket_id: int | None = None) -> None:
    with sessions.begin() as s:
        s.add(Outbox(request_id=ref, state=state, customer_user=who.login, title=ref,
                     customer_id=who.customer_id,
                     payload={"ticket": {"CustomerID": who.customer_id}},
                     category="it.pos-down", created_at=at, ticket_id=ticket_id,
                     ticket_number=f"N{ticket_id}" if ticket_id else None))


@pytest.fixture(params=ENGINE_PARAMS)
def any_store(request: pytest.FixtureRequest, tmp_path: Path
              ) -> Iterator[sessionmaker[Session]]:
    """The store on SQLite and on PostgreSQL."""
    with store_engine(request.param, tmp_path, suite="portal") as engine:
        yield make_session_factory(engine)


def test_a_companys_waiting_request_shows_behind_a_chain_of_newer_ones(
    any_store: sessionmaker[Session],
) -> None:
    """The list's waiting requests are the company's, chosen in the query: a chain whose
    other stores have more unconfirmed requests than a list adds (PENDING_LIMIT), all newer,
    hides none of the store's own."""
    from radiant_ext.portal.adapters.listing import PENDING_LIMIT

    store, at = any_store, datetime.now(UTC) - timedelta(hours=1)
    _waiting(store, "RQ-OWN-PARKED", CLERK, OutboxState.PARKED, at)
    with store.begin() as s:
        s.add_all(Outbox(request_id=f"RQ-CHAIN-{n:03d}", state=OutboxState.PARKED,
                         customer_user="clerk-elsewhere", title="elsewhere",
                         customer_id="store-099",
                         payload={"ticket": {"CustomerID": "store-099"}},
                         created_at=at + timedelta(minutes=1 + n))
                  for n in range(PENDING_LIMIT + 5))
        set_cursor(s, "ticket-pull", datetime.now(UTC))
    auto = AutoLister(store, _Live())  # type: ignore[arg-type]
    for who in (CLERK, COLLEAGUE):
        rows = auto.list(who, ListQuery(scope="company")).rows
        assert [r.ticket_number for r in rows] == ["RQ-OWN-PARKED"], who
    assert auto.list(COLLEAGUE, ListQuery()).rows == []  # not the colleague's own


@pytest.mark.parametrize("analyzed", [False, True])  # the store never runs ANALYZE itself
def test_the_waiting_requests_are_read_through_indexes_not_the_whole_outbox(
    store: sessionmaker[Session], analyzed: bool,
) -> None:
    """Every request ever filed keeps its outbox row: the lists read the unconfirmed ones and
    the ones confirmed lately through the outbox's indexes — SQLite's plan has no scan of the
    outbox, nor a read of the login's whole history — for the own list and the company's,
    with SQLite's statistics and without."""
    from sqlalchemy import event

    from radiant_ext.portal.adapters.listing import _waiting_query

    long_ago = datetime.now(UTC) - timedelta(days=400)
    with store.begin() as s:
        s.add_all(Outbox(request_id=f"RQ-OLD-{n:04d}", state=OutboxState.SENT,
                         customer_user=CLERK.login if n % 40 == 0 else f"clerk-{n % 100}",
                         customer_id=CLERK.customer_id if n % 40 == 0 else f"store-{n % 50}",
                         title="old",
                         payload={"ticket": {"CustomerID": CLERK.customer_id}},
                         created_at=long_ago + timedelta(minutes=n), ticket_id=1000 + n)
                  for n in range(2000))
    _waiting(store, "RQ-NEW-FILED", CLERK, OutboxState.SENT, datetime.now(UTC), ticket_id=99)
    sent: list[tuple[str, Any]] = []
    with store.begin() as s:
        conn = s.connection()
        if analyzed:
            conn.exec_driver_sql("ANALYZE")

        def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                 *_rest: Any) -> None:
            sent.append((statement, parameters))

        event.listen(conn.engine, "before_cursor_execute", seen)
        try:
            for scope in ("mine", "company"):
                for nested in (False, True):
                    query, values = _waiting_query(CLERK, scope, without_parts=nested)
                    ids = list(s.scalars(query, values))
                    # the one filed lately and not cached yet, not the 2,000 confirmed ones
                    assert len(ids) == 1, (scope, nested)
                    statement, parameters = sent[-1]
                    plan = [str(row[-1]) for row in conn.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters)]
                    outbox = [step for step in plan if " outbox " in f"{step} "]
                    # seeks by login or company and state, never the whole history
                    assert outbox and all(
                        step.startswith("SEARCH outbox USING") and "state=?" in step
                        for step in outbox), (scope, nested, plan)
        finally:
            event.remove(conn.engine, "before_cursor_execute", seen)


# -- the ticket_created hook -------------------------------------------------------------

WAIT_FOR_ZNUNY = 10.0
"""These tests are about what Znuny's answer does; the portal's default does not wait for it
(tests of that: test_the_confirmation_does_not_wait_for_a_slow_znuny)."""


class CountingZnuny:
    """TicketCreate only: answers with growing ids, or fails like an unreachable Znuny."""

    def __init__(self) -> None:
        self.created = 0
        self.down = False

    def ticket_create(self, ticket: Any, article: Any = None, **_: Any) -> TicketCreated:
        if self.down:
            raise ZnunyConnectionError("connection refused", operation="TicketCreate")
        self.created += 1
        return TicketCreated(ticket_id=700 + self.created,
                             ticket_number=f"202611230000{self.created:02d}", article_id=1)


@pytest.fixture
def recorder() -> CreatedRecorder:
    return CreatedRecorder()


@pytest.fixture
def recorded_plugins(recorder: CreatedRecorder) -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=True, plugins=[recorder],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def _draft(plugins: Plugins, request_id: str) -> RequestDraft:
    catalog = PluginCatalog(plugins)
    item = catalog.item("it.receipt-printer", CLERK, "en")
    assert item is not None
    fields = {"register": "2"}
    return RequestDraft(request_id, CLERK, item, item.title, "blank receipts", fields,
                        catalog.route(item, CLERK, fields))


def test_ticket_created_fires_once_when_a_double_submit_files_one_ticket(
    store: sessionmaker[Session], recorder: CreatedRecorder, recorded_plugins: Plugins
) -> None:
    znuny = CountingZnuny()
    submission = OutboxSubmission(store, znuny, ticket_created=recorded_plugins.ticket_created,
                                  wait_seconds=WAIT_FOR_ZNUNY)
    draft = _draft(recorded_plugins, "RQ-20261123-DOUBLE01")
    first, again = submission.submit(draft), submission.submit(draft)
    assert first.status == again.status == "filed"
    assert first.ticket_number == again.ticket_number and znuny.created == 1
    assert recorder.calls == [(701, "20261123000001", "it.receipt-printer",
                               "it.receipt-printer")]


def test_ticket_created_waits_for_znuny_when_the_request_is_only_queued(
    store: sessionmaker[Session], recorder: CreatedRecorder, recorded_plugins: Plugins
) -> None:
    znuny = CountingZnuny()
    znuny.down = True
    submission = OutboxSubmission(store, znuny, ticket_created=recorded_plugins.ticket_created,
                                  wait_seconds=WAIT_FOR_ZNUNY)
    draft = _draft(recorded_plugins, "RQ-20261123-QUEUED01")
    assert submission.submit(draft).status == "queued"
    znuny.down = False
    assert submission.submit(draft).status == "queued"  # the outbox drain files it later
    assert recorder.calls == [] and znuny.created == 0


def test_a_submission_keeps_its_form_values_for_the_asset_report(
    store: sessionmaker[Session], recorded_plugins: Plugins
) -> None:
    submission = OutboxSubmission(store, CountingZnuny(), wait_seconds=WAIT_FOR_ZNUNY)
    submission.submit(_draft(recorded_plugins, "RQ-20261123-FORMVAL1"))
    with store() as session:
        row = session.query(Outbox).filter_by(request_id="RQ-20261123-FORMVAL1").one()
    assert row.form_values == {"register": "2"}


class BlockedZnuny(CountingZnuny):
    """TicketCreate that does not answer until released (Znuny calling the webhook back)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def ticket_create(self, ticket: Any, article: Any = None, **kw: Any) -> TicketCreated:
        assert self.release.wait(10)
        return super().ticket_create(ticket, article, **kw)


def test_the_confirmation_does_not_wait_for_a_slow_znuny(
    store: sessionmaker[Session], recorder: CreatedRecorder, recorded_plugins: Plugins
) -> None:
    znuny = BlockedZnuny()
    submission = OutboxSubmission(store, znuny, ticket_created=recorded_plugins.ticket_created,
                                  wait_seconds=0.2)
    draft = _draft(recorded_plugins, "RQ-20261123-SLOWZNNY")
    started = time.monotonic()
    receipt = submission.submit(draft)
    assert time.monotonic() - started < 2
    assert (receipt.status, receipt.ticket_number, receipt.unreachable) == ("queued", None, False)
    customer = draft.customer
    assert submission.receipt("RQ-20261123-SLOWZNNY", customer).status == "queued"
    znuny.release.set()
    submission.close()  # waits for the sender thread
    filed = submission.receipt("RQ-20261123-SLOWZNNY", customer)
    assert filed is not None and (filed.status, filed.ticket_number) == ("filed", "20261123000001")
    assert len(recorder.calls) == 1 and znuny.created == 1
    other = Customer(login="someone-else", customer_id="store-001")
    assert submission.receipt("RQ-20261123-SLOWZNNY", other) is None


def test_a_refused_connection_is_told_as_unreachable(
    store: sessionmaker[Session], recorded_plugins: Plugins
) -> None:
    class Refusing(CountingZnuny):
        def ticket_create(self, ticket: Any, article: Any = None, **_: Any) -> TicketCreated:
            exc = ZnunyConnectionError("connection refused", operation="TicketCreate")
            exc.maybe_committed = False
            raise exc

    submission = OutboxSubmission(store, Refusing(), wait_seconds=WAIT_FOR_ZNUNY)
    draft = _draft(recorded_plugins, "RQ-20261123-REFUSED1")
    receipt = submission.submit(draft)
    assert (receipt.status, receipt.unreachable) == ("queued", True)
    later = submission.receipt("RQ-20261123-REFUSED1", draft.customer)
    assert later is not None and later.unreachable


def test_a_failed_first_attempt_waits_the_configured_retry_delay(
    store: sessionmaker[Session], recorded_plugins: Plugins
) -> None:
    from radiant_ext.sync.outbox import RetryPolicy

    znuny = CountingZnuny()
    znuny.down = True
    submission = OutboxSubmission(store, znuny, retry=RetryPolicy.backing_off(600, 600),
                                  wait_seconds=WAIT_FOR_ZNUNY)
    submission.submit(_draft(recorded_plugins, "RQ-20261123-RETRYCFG"))
    with store() as session:
        row = session.query(Outbox).filter_by(request_id="RQ-20261123-RETRYCFG").one()
    wait = (row.next_attempt_at - row.last_attempt_at).total_seconds()
    assert 480 <= wait <= 600  # 600 s with up to 20 % jitter, not the default 15 s


# -- workflows ----------------------------------------------------------------------------

def test_an_items_workflow_also_when_retired_or_unknown(catalog: PluginCatalog) -> None:
    from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW

    defect = catalog.workflow("it.software-defect")
    assert defect.step_for_state("client testing") is not None
    assert catalog.workflow("it.pos-down") == DEFAULT_WORKFLOW  # declares none
    assert catalog.workflow("it.retired-long-ago") == DEFAULT_WORKFLOW


def test_the_state_time_comes_from_the_cache_only_for_the_state_it_holds(
    store: sessionmaker[Session]
) -> None:
    from radiant_ext.portal.adapters import state_times

    who = Customer("cust1", "acme")
    _cache(store, 7, who, state="client testing", state_type="pending reminder")
    entered = datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    with store.begin() as s:
        row = s.get(TicketCache, 7)
        assert row is not None
        row.state_since = entered
    since = state_times(store)
    assert since(7, "client testing") == entered
    assert since(7, "open") is None  # moved on since the cache saw it
    assert since(8, "open") is None
