"""Find tickets an earlier, unconfirmed ``TicketCreate`` may already have made.

Znuny has no idempotency key, so every request carries its own in the ``RadiantRequestID``
dynamic field. Before re-sending a request whose earlier attempt may have reached Znuny
(timeout after send, connection dropped, unreadable answer) the drain asks Znuny whether a
ticket with that key exists:

1. **Dynamic-field search** — ``TicketSearch`` with ``DynamicField_RadiantRequestID`` equal to
   the key. It needs a JSON body, so only route sets with a POST search route can do it
   (contract znuny 043/044; a GET query ignores the condition, otrs-ce-6 093).
2. **Fallback** for GET-only route sets: ``TicketSearch`` by ``CustomerUserLogin`` and
   ``TicketCreateTimeNewerDate`` (first attempt minus a clock-skew margin), then ``TicketGet``
   with ``DynamicFields=1`` on the candidates, comparing ``RadiantRequestID``. Candidates are
   shared between the requests of one customer, so a backlog costs one search per customer,
   and tickets the outbox already matched to other requests are not fetched again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from radiant_ext.client.errors import RouteNotConfiguredError

__all__ = ["REQUEST_ID_FIELD", "FoundTicket", "LookupQuery", "find_existing_tickets"]

REQUEST_ID_FIELD = "RadiantRequestID"
CLOCK_SKEW = timedelta(hours=1)
"""Margin before the first attempt for the create-time window (Znuny's clock may differ)."""
SEARCH_LIMIT = 10_000


@dataclass(frozen=True)
class LookupQuery:
    """One request to look up: its key, requester and when it was first attempted."""

    request_id: str
    customer_user: str
    since: datetime


@dataclass(frozen=True)
class FoundTicket:
    """A ticket that carries a request's key."""

    ticket_id: int
    ticket_number: str


def _by_dynamic_field(client: Any, query: LookupQuery) -> FoundTicket | None:
    ids = client.ticket_search(
        dynamic_fields={REQUEST_ID_FIELD: query.request_id}, sort_by="Age", order_by="Up",
        limit=10,
    )
    if not ids:
        return None
    ticket = client.ticket_get(int(ids[0]))
    return FoundTicket(int(ticket.ticket_id), str(ticket.ticket_number))


def _key_of(ticket: Any) -> str | None:
    value = (getattr(ticket, "dynamic_fields", None) or {}).get(REQUEST_ID_FIELD)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _by_customer_window(client: Any, queries: Sequence[LookupQuery],
                        exclude: Collection[int]) -> dict[str, FoundTicket]:
    found: dict[str, FoundTicket] = {}
    groups: dict[str, list[LookupQuery]] = defaultdict(list)
    for query in queries:
        groups[query.customer_user].append(query)
    for customer, group in groups.items():
        since = min(q.since for q in group) - CLOCK_SKEW
        ids = client.ticket_search(customer_user_login=customer,
                                   ticket_create_time_newer_date=since, limit=SEARCH_LIMIT)
        wanted = {q.request_id for q in group}
        candidates = [int(i) for i in ids if int(i) not in exclude]
        tickets = client.ticket_get_many(candidates, dynamic_fields=True) if candidates else []
        for ticket in sorted(tickets, key=lambda t: int(t.ticket_id)):
            key = _key_of(ticket)
            if key in wanted and key not in found:
                found[key] = FoundTicket(int(ticket.ticket_id), str(ticket.ticket_number))
    return found


def find_existing_tickets(client: Any, queries: Iterable[LookupQuery],
                          exclude: Collection[int] = ()) -> dict[str, FoundTicket]:
    """Return the tickets that already carry the given requests' keys, by request id.

    Uses the dynamic-field search when the route set has a POST search route, the customer
    and create-time fallback otherwise. If several tickets carry one key the oldest wins.

    :param client: a :class:`radiant_ext.client.ZnunyClient`.
    :param queries: the requests to look up.
    :param exclude: ticket ids known to belong to other requests (the fallback skips them).
    :raises radiant_ext.client.errors.ZnunyError: when Znuny cannot be asked.
    """
    pending = list(queries)
    found: dict[str, FoundTicket] = {}
    for index, query in enumerate(pending):
        try:
            hit = _by_dynamic_field(client, query)
        except RouteNotConfiguredError:
            found.update(_by_customer_window(client, pending[index:], set(exclude)))
            return found
        if hit is not None:
            found[query.request_id] = hit
    return found
