"""Find tickets an earlier, unconfirmed ``TicketCreate`` may already have made.

Znuny has no idempotency key, so every request carries its own in the ``RadiantRequestID``
dynamic field. Before re-sending a request whose earlier attempt may have reached Znuny
(timeout after send, connection dropped, unreadable answer) the drain asks Znuny whether a
ticket with that key exists:

1. **Dynamic-field search** — ``TicketSearch`` with ``DynamicField_RadiantRequestID`` equal to
   the key. It needs a JSON body, so only route sets with a POST search route can do it
   (contract znuny 043/044; a GET query ignores the condition, otrs-ce-6 093).
2. **Fallback** for GET-only route sets: ``TicketSearch`` by ``CustomerUserLogin``, newest
   first, then ``TicketGet`` with ``DynamicFields=1`` on the candidates, comparing
   ``RadiantRequestID``. No clock takes part: every request carries a *ticket-id floor*, the
   highest Znuny ticket id the store knew when the request was stored (outbox rows already
   filed, tickets already pulled). Znuny numbers tickets from one increasing sequence and the
   request had not been sent yet, so any ticket it made has a larger id; only the customer's
   tickets above the floor are candidates. Candidates are shared between the requests of one
   customer, so a backlog costs one search per customer, and tickets the outbox already
   matched to other requests are not fetched again.

Both ways only ever return a ticket of the request's own customer, so a reference copied from
another customer cannot claim that customer's ticket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from radiant_ext.client.errors import RouteNotConfiguredError
from radiant_ext.sync.ports import HelpDesk

__all__ = ["REQUEST_ID_FIELD", "FoundTicket", "LookupQuery", "find_existing_tickets"]

REQUEST_ID_FIELD = "RadiantRequestID"
SEARCH_LIMIT = 10_000
"""Most candidate ids one fallback search asks for (the customer's newest tickets first)."""
FETCH_CHUNK = 100


@dataclass(frozen=True)
class LookupQuery:
    """One request to look up: its key, requester and ticket-id floor.

    :ivar floor: every ticket this request can have made has a larger ticket id (0: unknown).
    """

    request_id: str
    customer_user: str
    floor: int = 0


@dataclass(frozen=True)
class FoundTicket:
    """A ticket that carries a request's key."""

    ticket_id: int
    ticket_number: str


def _by_dynamic_field(client: HelpDesk, query: LookupQuery) -> FoundTicket | None:
    ids = client.ticket_search(
        dynamic_fields={REQUEST_ID_FIELD: query.request_id},
        customer_user_login=query.customer_user, sort_by="Age", order_by="Up", limit=10,
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


def _by_customer(client: HelpDesk, queries: Sequence[LookupQuery],
                 exclude: Collection[int]) -> dict[str, FoundTicket]:
    found: dict[str, FoundTicket] = {}
    groups: dict[str, list[LookupQuery]] = defaultdict(list)
    for query in queries:
        groups[query.customer_user].append(query)
    for customer, group in groups.items():
        floor = min(q.floor for q in group)
        wanted = {q.request_id for q in group}
        ids = client.ticket_search(customer_user_login=customer, sort_by="Age",
                                   order_by="Down", limit=SEARCH_LIMIT)
        candidates = sorted({int(i) for i in ids} - set(exclude), reverse=True)
        candidates = [i for i in candidates if i > floor]
        for start in range(0, len(candidates), FETCH_CHUNK):
            chunk = candidates[start:start + FETCH_CHUNK]
            for ticket in sorted(client.ticket_get_many(chunk, dynamic_fields=True),
                                 key=lambda t: int(t.ticket_id)):
                key = _key_of(ticket)
                if key in wanted and (key not in found
                                      or int(ticket.ticket_id) < found[key].ticket_id):
                    found[key] = FoundTicket(int(ticket.ticket_id), str(ticket.ticket_number))
            if wanted <= found.keys():
                break
    return found


def find_existing_tickets(client: HelpDesk, queries: Iterable[LookupQuery],
                          exclude: Collection[int] = ()) -> dict[str, FoundTicket]:
    """Return the tickets that already carry the given requests' keys, by request id.

    Uses the dynamic-field search when the route set has a POST search route, the customer's
    tickets above the requests' ticket-id floor otherwise; neither depends on Znuny's clock
    agreeing with ours. If several tickets carry one key the oldest one seen wins.

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
            found.update(_by_customer(client, pending[index:], set(exclude)))
            return found
        if hit is not None:
            found[query.request_id] = hit
    return found
