"""Request lists: from the local ticket cache when sync fills it, else a live GI search.

The cache is used once the ``ticket-pull`` job has run at least once (its cursor exists);
before that — or without a store — lists are searched live. Live lists filter by state with
TicketSearch and by category or store on the fetched rows (the GI needs a POST route for
dynamic-field searches, which stock route sets lack), so a live list covers the customer's
newest :data:`LIVE_LIMIT` tickets only; the page says so when a customer has more.

The parts of a bundle request are listed with their parent (docs/portal.md, "Bundles"), not
as requests of their own: the cached list leaves out a part still of the customer (the
company) it was filed for, and the waiting requests every part — unless the customer
searches or picks a category (a part is then listed when it matches, and the page names its
parent). A live list shows parts as they come, each with its parent named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, exists, select, union
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement

from radiant_ext.client import ZnunyClient
from radiant_ext.client.errors import ZnunyConnectionError, ZnunyError
from radiant_ext.plugins.fields import STORE_FIELD
from radiant_ext.portal.adapters.convert import summary_of
from radiant_ext.portal.adapters.keyset import (
    COUNT_LIMIT,
    SCAN_LIMIT,
    Arms,
    Found,
    InvalidCursor,
    Key,
    Walk,
    decode,
    encode,
    page_keys,
)
from radiant_ext.portal.numbers import plain_number
from radiant_ext.portal.ports import (
    Customer,
    ListQuery,
    TicketPage,
    TicketSummary,
    UpstreamUnavailable,
)
from radiant_ext.portal.scoping import ticket_visible
from radiant_ext.store import BundlePartRow, Outbox, OutboxState, SyncCursor, TicketCache

__all__ = [
    "LIVE_LIMIT",
    "RECENT_FILED",
    "WHOLE_NUMBER",
    "AutoLister",
    "CacheLister",
    "LiveLister",
    "Lister",
    "pending_in",
    "pending_requests",
    "text_matches",
]

LIVE_LIMIT = 500
WHOLE_NUMBER = 10
"""A search of this many digits or more is a whole ticket number: the cached lists look it
up in the number index (any age, exact) instead of checking it on the walk."""
RECENT_FILED = timedelta(days=2)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CLOSED_TYPES = ("closed", "removed", "merged")
_OPEN_TYPES = ("new", "open", "pending reminder", "pending auto")


class Lister(Protocol):
    """Serves one page of a customer's request list."""

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        """The page ``query`` asks for, scoped to ``customer``."""


def _sort_key(query: ListQuery) -> Callable[[TicketSummary], Any]:
    if query.sort == "deadline":
        return lambda r: (r.deadline is None, r.deadline or _EPOCH)
    if query.sort == "state":
        return lambda r: (r.state, r.created)
    if query.sort == "number":
        return lambda r: r.ticket_number
    return lambda r: r.created


def text_matches(row: TicketSummary, text: str) -> bool:
    """Whether a list row matches a search: the ticket number (grouped or plain, or a part of
    its digits) or every word in the title, ignoring case."""
    if not text:
        return True
    number = plain_number(text)
    if number.isdigit() and number in row.ticket_number:
        return True
    title = row.title.casefold()
    return all(word in title for word in text.casefold().split())


class LiveLister:
    """Lists through TicketSearch + TicketGet with the agent account.

    :param client: the companion's agent client.
    """

    def __init__(self, client: ZnunyClient) -> None:
        self._client = client

    def _ids(self, customer: Customer, query: ListQuery) -> list[int]:
        company = query.scope == "company" and customer.company_visible and customer.customer_id
        scope: dict[str, Any] = (
            {"customer_id": customer.customer_id} if company
            else {"customer_user_login": customer.login}
        )
        if query.state != "all":
            scope["state_type"] = list(_CLOSED_TYPES if query.state == "closed" else _OPEN_TYPES)
        return self._client.ticket_search(
            **scope, sort_by="Age", order_by="Down", limit=LIVE_LIMIT
        )  # newest first: past the limit, the oldest are the ones left out

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        try:
            ids = self._ids(customer, query)
            filtered = bool(query.category or query.store or query.text
                            or query.sort != "created")
            start = (query.page - 1) * query.per_page
            wanted = ids if filtered else sorted(ids, reverse=query.descending)[
                start:start + query.per_page]
            tickets = self._client.ticket_get_many(wanted, dynamic_fields=True)
        except ZnunyConnectionError as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        except ZnunyError as exc:
            raise UpstreamUnavailable(f"TicketSearch failed: {exc}") from exc
        rows = [summary_of(t) for t in tickets
                if ticket_visible(customer, t.customer_user_id, t.customer_id, query.scope)]
        rows = [r for r in rows if (not query.category or r.category == query.category)
                and (not query.store or r.store == query.store)
                and text_matches(r, query.text)]
        rows.sort(key=_sort_key(query), reverse=query.descending)
        capped = LIVE_LIMIT if len(ids) >= LIVE_LIMIT else None
        if not filtered:
            return TicketPage(rows, len(ids), query.page, query.per_page, "live", capped)
        return TicketPage(rows[start:start + query.per_page], len(rows), query.page,
                          query.per_page, "live", capped)


class CacheLister:
    """Lists from the ``ticket_cache`` table the sync job keeps current, a page at a time by
    keyset (:mod:`radiant_ext.portal.adapters.keyset`): the cost of a page does not grow
    with the cache, the customer's history or the company's.

    :param sessions: the local store's session factory.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @staticmethod
    def _walk(customer: Customer, query: ListQuery) -> tuple[Walk, Arms | None]:
        """How to walk the list, and the arms to count (``None``: not counted)."""
        scopes = [("list_login", customer.login.lower())]
        if query.scope == "company" and customer.company_visible and customer.customer_id:
            scopes.append(("customer_id", customer.customer_id))
        opens = {"open": [True], "closed": [False]}.get(query.state, [True, False])
        filters = [f for f in (("category", query.category), ("list_store", query.store))
                   if f[1]]
        number = plain_number(query.text)
        whole = number.isdigit() and len(number) >= WHOLE_NUMBER
        text = "" if whole else query.text
        if whole:  # looked up in the number index: at most one row, at any age
            filters.insert(0, ("ticket_number", number))
        indexed = filters[:1] if whole or query.sort == "created" else []
        arms = tuple((scope, ("list_open", state), *indexed)
                     for scope in scopes for state in opens)
        walk = Walk(query.sort, query.descending, arms, tuple(filters[len(indexed):]),
                    tuple(text.casefold().split()),
                    number if number.isdigit() and not whole else "",
                    nest_parts=_nested(query))
        if not whole and (len(filters) > 1 or text):
            return walk, None
        return walk, tuple((scope, ("list_open", state), *filters)
                           for scope in scopes for state in opens)

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        with self._sessions() as s:
            return self.list_in(s, customer, query)

    def list_in(self, s: Session, customer: Customer, query: ListQuery) -> TicketPage:
        """:meth:`list` in the open session ``s`` (one connection for a page's queries)."""
        return self.page_in(s, customer, query)[0]

    def page_in(self, s: Session, customer: Customer, query: ListQuery,
                also: tuple[Any, dict[str, Any]] | None = None,
                ) -> tuple[TicketPage, Sequence[int] | None]:
        """:meth:`list_in`, and the ids another query ``also`` selects, read in the page's
        round trip (:func:`~radiant_ext.portal.adapters.keyset.page_keys`)."""
        walk, counts = self._walk(customer, query)
        cursor, error = None, ""
        if query.cursor:
            try:
                cursor = decode(query.cursor, query.sort, query.descending)
            except InvalidCursor as exc:
                error = str(exc)
        backward = query.backward and cursor is not None
        found = page_keys(s, walk, cursor, backward, query.per_page, counts, also)
        also_ids = found.also
        if backward and found.more is None and len(found.keys) < query.per_page:
            cursor, backward = None, False  # back at the start: the full first page
            found = page_keys(s, walk, None, False, query.per_page, counts)
        total = found.total or 0
        keys = found.keys[::-1] if backward else found.keys
        rows = [_row(found.rows[k.ticket_id]) for k in keys]
        after, before = self._links(walk, keys, found, cursor, backward)
        return TicketPage(
            rows, min(total, COUNT_LIMIT), 1, query.per_page, "cache", keyset=True,
            counted=counts is not None, more_than=COUNT_LIMIT if total > COUNT_LIMIT else None,
            scan_limit=SCAN_LIMIT if found.limited else None, cursor_error=error,
            next_cursor=after, prev_cursor=before), also_ids

    @staticmethod
    def _links(walk: Walk, keys: Sequence[Key], found: Found, cursor: Key | None,
               backward: bool) -> tuple[str | None, str | None]:
        """The cursors of the next and the previous page."""
        def token(key: Key | None) -> str | None:
            return encode(walk.sort, walk.descending, key) if key is not None else None
        if backward:  # found.more: where the walk back goes on, if it does
            return token(keys[-1] if keys else found.more), token(found.more)
        return token(found.more), (token(keys[0] if keys else found.more or cursor)
                                   if cursor else None)


def _row(t: Any) -> TicketSummary:
    """A list row of a cached ticket (a ``TicketCache`` or a row of its list columns)."""
    return TicketSummary(
        ticket_id=t.ticket_id, ticket_number=t.ticket_number, title=t.title, state=t.state,
        state_type=t.state_type, category=t.category or "",
        store=t.store or t.customer_id or "", customer_user=t.customer_user_id or "",
        created=t.created or _EPOCH, deadline=t.promised_deadline, priority=t.priority or "",
    )


class AutoLister:
    """The cache once sync has filled it (``ticket-pull`` cursor set), live search before.

    :param sessions: the local store's session factory, or ``None`` without a store.
    :param live: the live lister.
    :param cursor: name of the sync cursor that marks the cache as filled.
    """

    def __init__(self, sessions: sessionmaker[Session] | None, live: LiveLister,
                 cursor: str = "ticket-pull") -> None:
        self._cache = CacheLister(sessions) if sessions is not None else None
        self._sessions = sessions
        self._live = live
        self._cursor = cursor
        self._ready = False

    def cache_ready(self) -> bool:
        """Whether the sync job has filled the cache at least once (once it has, the answer
        is kept: a filled cache stays filled, and a list page saves a query)."""
        if self._sessions is None:
            return False
        if not self._ready:
            with self._sessions() as s:
                self._ready = s.scalar(select(SyncCursor.value).where(
                    SyncCursor.name == self._cursor)) is not None
        return self._ready

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        if self._cache is not None and self.cache_ready():
            assert self._sessions is not None
            with self._sessions() as s:  # the page and the waiting requests: one query
                if query.state == "closed":
                    return self._cache.list_in(s, customer, query)
                page, ids = self._cache.page_in(s, customer, query, _waiting_query(
                    customer, query.scope, without_parts=_nested(query)))
                return _with_waiting(page, _waiting_rows(s, ids or [], customer, query.scope),
                                     query)
        try:
            page = self._live.list(customer, query)
        except UpstreamUnavailable:
            if self._sessions is None:
                raise
            page = TicketPage([], 0, query.page, query.per_page, "unavailable")
        if self._sessions is None or query.state == "closed":
            return page
        with self._sessions() as s:
            return _with_waiting(page, pending_in(s, customer, query.scope,
                                                  without_parts=_nested(query)), query)


def _nested(query: ListQuery) -> bool:
    """Whether the list shows the parts of bundle requests with their parent only: not when
    the customer searches or picks a category (a part is then found on its own)."""
    return not (query.text or query.category)


def _with_waiting(page: TicketPage, pending: list[TicketSummary],
                  query: ListQuery) -> TicketPage:
    """``page`` with the outbox's waiting requests ``pending`` that match the list (the
    closed list adds none): counted on every page, shown on the first one."""
    waiting = [r for r in pending
               if (not query.category or r.category == query.category)
               and (not query.store or r.store == query.store)
               and text_matches(r, query.text)]
    shown = {r.ticket_id for r in page.rows if r.ticket_id}
    waiting = [r for r in waiting if not r.ticket_id or r.ticket_id not in shown]
    if not waiting:
        return page
    rows = [*waiting, *page.rows] if page.first else list(page.rows)
    return replace(page, rows=rows, total=page.total + len(waiting))


PENDING_LIMIT = 200
"""Most waiting requests one list adds (a backlog larger than this is an outage to fix)."""


def pending_requests(
    sessions: sessionmaker[Session], customer: Customer, scope: str = "mine", *,
    filed_uncached: bool = False,
) -> list[TicketSummary]:
    """Requests in the outbox that a list would otherwise miss, newest first.

    ``scope`` ``mine``: the customer's own; ``company``: also those of colleagues of the same
    customer company, where the customer may see the company's requests. Requests Znuny has
    not confirmed yet carry ticket id 0, their reference as the number and the state
    ``queued``. With ``filed_uncached``, requests filed in the last :data:`RECENT_FILED` that
    are not in the ticket cache are added as ``new`` tickets.
    """
    with sessions() as s:
        return pending_in(s, customer, scope, filed_uncached=filed_uncached)


def pending_in(s: Session, customer: Customer, scope: str = "mine", *,
               filed_uncached: bool = False, without_parts: bool = False,
               ) -> list[TicketSummary]:
    """:func:`pending_requests` in the open session ``s`` (``without_parts``: not the parts
    of bundle requests, which their parent's page lists)."""
    query, values = _waiting_query(customer, scope, filed_uncached=filed_uncached,
                                   without_parts=without_parts)
    return _waiting_rows(s, list(s.scalars(query, values)), customer, scope)


def _company_scope(customer: Customer, scope: str) -> bool:
    return bool(scope == "company" and customer.company_visible and customer.customer_id)


UNCONFIRMED = tuple(s for s in OutboxState if s != OutboxState.SENT)
"""The outbox states of a request Znuny has not confirmed."""


@lru_cache(maxsize=16)
def _waiting_select(company: bool, uncached: bool, without_parts: bool = False) -> Any:
    """The ids of the outbox rows a list adds, newest first (parameters ``wait_login``, and
    ``wait_company`` when ``company``; ``wait_since`` with ``uncached``; with
    ``without_parts``, no part of a bundle request): built once per shape.

    Every arm is a seek per state in an index of the login's or the company's rows by state
    and filing time (``ix_outbox_login_state``, ``ix_outbox_company_state``) — the unconfirmed
    rows, and the confirmed ones filed since ``wait_since`` — and none reads the years of
    confirmed rows the outbox keeps, so a list page costs the same at a thousand requests and
    at a million. The company's rows are chosen in the query, so the :data:`PENDING_LIMIT`
    newest are the company's, not the chain's."""
    conditions: list[ColumnElement[bool]] = [Outbox.state.in_(UNCONFIRMED)]
    if uncached:
        # NOT EXISTS: a lookup by primary key per outbox row (PostgreSQL would hash the
        # whole cache's ids for a NOT IN).
        missing = ~exists().where(TicketCache.ticket_id == Outbox.ticket_id)
        recent = Outbox.created_at >= bindparam("wait_since", type_=Outbox.created_at.type)
        conditions.append(and_(Outbox.state == OutboxState.SENT, recent, missing))
    whose: list[ColumnElement[bool]] = [Outbox.customer_user == bindparam("wait_login")]
    if company:
        whose.append(Outbox.customer_id == bindparam("wait_company"))
    no_part = ([~exists().where(BundlePartRow.request_id == Outbox.request_id)]
               if without_parts else [])
    wheres = [[who, condition, *no_part] for condition in conditions for who in whose]
    if len(wheres) == 1:
        return select(Outbox.id).where(*wheres[0]).order_by(Outbox.created_at.desc()).limit(
            PENDING_LIMIT)
    # UNION: a login's row filed for its own company is found by both arms, listed once
    both = union(*(select(Outbox.id, Outbox.created_at).where(*where)
                   for where in wheres)).subquery("waiting")
    return select(both.c.id).order_by(both.c.created_at.desc()).limit(PENDING_LIMIT)


def _waiting_query(customer: Customer, scope: str, *, filed_uncached: bool = True,
                   without_parts: bool = False) -> tuple[Any, dict[str, Any]]:
    """The query of the ids of ``customer``'s waiting requests in ``scope`` and its
    parameters (with ``filed_uncached``, also those filed lately that the cache lacks;
    with ``without_parts``, no part of a bundle request)."""
    company = _company_scope(customer, scope)
    values: dict[str, Any] = {"wait_login": customer.login}
    if company:
        values["wait_company"] = customer.customer_id
    if filed_uncached:
        values["wait_since"] = datetime.now(UTC) - RECENT_FILED
    return _waiting_select(company, filed_uncached, without_parts), values


def _waiting_rows(s: Session, ids: Sequence[int], customer: Customer,
                  scope: str) -> list[TicketSummary]:
    """The waiting requests with these outbox ids that ``customer`` sees, newest first."""
    if not ids:
        return []
    company = _company_scope(customer, scope)
    rows = s.scalars(select(Outbox).where(Outbox.id.in_(ids))
                     .order_by(Outbox.created_at.desc())).all()
    return [_outbox_row(r) for r in rows
            if r.customer_user == customer.login
            or (company and r.customer_id == customer.customer_id)]


def _store_of(row: Outbox) -> str:
    fields = (row.payload or {}).get("dynamic_fields") or {}
    return str(fields.get(STORE_FIELD) or row.customer_id or "")


def _outbox_row(row: Outbox) -> TicketSummary:
    filed = row.state == OutboxState.SENT and row.ticket_id is not None
    return TicketSummary(
        ticket_id=int(row.ticket_id or 0) if filed else 0,
        ticket_number=(row.ticket_number or row.request_id) if filed else row.request_id,
        title=row.title, state="new" if filed else "queued", state_type="new",
        category=row.category or "", store=_store_of(row), customer_user=row.customer_user,
        created=row.created_at, deadline=row.promised_deadline,
        priority=str(((row.payload or {}).get("ticket") or {}).get("Priority") or ""),
    )
