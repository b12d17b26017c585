"""Keyset paging over TicketSearch, which has ``Limit`` but no offset.

Strategy (documented in docs/client.md): sort oldest first by creation time (``SortBy=Age``)
or last change (``SortBy=Changed``), ``OrderBy=Up``, ``Limit=page_size``. The next page asks
for tickets at or after the timestamp of the previous page's last ticket (one TicketGet per
page tells it), because Znuny's ``…NewerDate`` filters are inclusive and tickets share
seconds; IDs already yielded are dropped. If a whole page falls into one second the boundary
cannot move, so the limit doubles until the page gets past that second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from radiant_ext.client._base import format_znuny_datetime
from radiant_ext.client.search import TicketSearchFilter

if TYPE_CHECKING:
    from radiant_ext.client.client import ZnunyClient

__all__ = ["iter_search"]

_KEYS = {
    "created": ("Age", "ticket_create_time_newer_date", "created"),
    "changed": ("Changed", "ticket_last_change_time_newer_date", "changed"),
}


def _as_text(value: datetime | str | None) -> str | None:
    return format_znuny_datetime(value) if isinstance(value, datetime) else value


def iter_search(
    client: ZnunyClient,
    query: TicketSearchFilter,
    *,
    page_size: int,
    key: Literal["created", "changed"],
) -> Iterator[int]:
    """Yield every ticket ID matching ``query``; ``query.limit`` caps the total."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    if query.sort_by is not None or query.order_by is not None:
        raise ValueError("iter_ticket_search sorts by itself; leave sort_by/order_by unset")
    sort_by, boundary_field, attribute = _KEYS[key]
    boundary = _as_text(getattr(query, boundary_field))
    total = query.limit
    seen: set[int] = set()
    limit = page_size
    while True:
        page = query.model_copy(
            update={"sort_by": sort_by, "order_by": "Up", "limit": limit, boundary_field: boundary}
        )
        ids = client.ticket_search(page)
        for ticket_id in ids:
            if ticket_id in seen:
                continue
            seen.add(ticket_id)
            yield ticket_id
            if total is not None and len(seen) >= total:
                return
        if len(ids) < limit:
            return
        stamp = getattr(client.ticket_get(ids[-1]), attribute)
        next_boundary = _as_text(stamp)
        if next_boundary is None:
            raise ValueError(f"ticket {ids[-1]} has no {attribute} time to page on")
        limit = limit * 2 if next_boundary == boundary else page_size
        boundary = next_boundary
