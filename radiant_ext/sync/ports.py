"""What the outbox and the sync jobs ask of Znuny: one typed port.

:class:`radiant_ext.client.ZnunyClient` implements it; the tests' in-memory Znuny implements
it too, and strict mypy checks both against it, so a fake that drifts from the real client
fails the type check rather than passing tests the real client would fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from radiant_ext.client import (
    HistoryEntry,
    NewTicket,
    Ticket,
    TicketChanges,
    TicketCreated,
    TicketSearchFilter,
    TicketUpdated,
)
from radiant_ext.client.client import ArticleArg, AttachmentsArg, DynamicFieldsArg

__all__ = ["HelpDesk"]


class HelpDesk(Protocol):
    """Znuny's tickets, as the companion's agent account sees them."""

    def ticket_create(self, ticket: NewTicket, article: ArticleArg | None = None,
                      dynamic_fields: DynamicFieldsArg = (),
                      attachments: AttachmentsArg = ()) -> TicketCreated:
        """Create a ticket (``TicketCreate``)."""

    def ticket_get(self, ticket_id: int, *, all_articles: bool = False,
                   dynamic_fields: bool = False, attachments: bool = False,
                   extended: bool = False, article_limit: int | None = None) -> Ticket:
        """Read one ticket (``TicketGet``)."""

    def ticket_get_many(self, ticket_ids: Iterable[int], **flags: Any) -> list[Ticket]:
        """Read many tickets in batches (the flags of :meth:`ticket_get`)."""

    def ticket_search(self, search: TicketSearchFilter | None = None,
                      **filters: Any) -> list[int]:
        """Ticket ids matching the filters (``TicketSearch``)."""

    def ticket_update(self, ticket_id: int | None = None, *, ticket: TicketChanges | None = None,
                      article: ArticleArg | None = None, dynamic_fields: DynamicFieldsArg = (),
                      attachments: AttachmentsArg = ()) -> TicketUpdated:
        """Change a ticket and/or add an article (``TicketUpdate``)."""

    def ticket_history(self, ticket_id: int) -> list[HistoryEntry]:
        """A ticket's history, oldest first (``TicketHistoryGet``)."""

    def close(self) -> None:
        """End the agent's session with Znuny."""
