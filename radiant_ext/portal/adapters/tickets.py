"""Customer-scoped tickets over the GI with the companion's agent account.

Reads use the agent account, not the customer's session: the agent sees the ``Radiant*``
dynamic fields and works the same on every server, and a customer session is bound to the
address it was created from (contract otrs-ce-6 110). Because Znuny does not scope agent
reads to a customer, every read here passes :func:`~radiant_ext.portal.scoping.ticket_visible`
and every article :func:`~radiant_ext.portal.scoping.article_visible`. A ticket that fails the
check is reported exactly like a missing one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from radiant_ext.client import (
    NewArticle,
    NewAttachment,
    PendingTime,
    Ticket,
    TicketChanges,
    ZnunyClient,
)
from radiant_ext.client.errors import (
    HTTPStatusError,
    NotFoundError,
    PermissionDeniedError,
    ZnunyConnectionError,
    ZnunyError,
)
from radiant_ext.portal.adapters.convert import article_view, summary_of
from radiant_ext.portal.adapters.listing import Lister
from radiant_ext.portal.ports import (
    AttachmentData,
    Customer,
    ListQuery,
    StateChanged,
    TicketDetail,
    TicketMove,
    TicketNotFound,
    TicketPage,
    UpstreamUnavailable,
)
from radiant_ext.portal.scoping import ticket_visible

__all__ = ["ZnunyTickets"]

log = logging.getLogger(__name__)

CLOSED_STATE = "closed successful"
REOPENED_STATE = "open"


class ZnunyTickets:
    """:class:`~radiant_ext.portal.ports.TicketPort` over the GI (lists through a :class:`Lister`).

    :param client: the companion's agent client.
    :param lister: serves the request lists (ticket cache or live search).
    :param agent_name: turns the owner's login into a display name.
    :param changed: called with the ticket as Znuny has it after the customer changed it
        (reply, close, reopen, move), so the lists show the new state at once (the ticket
        cache).
    :param state_since: when the ticket (id) entered the state (name) it is in, as the
        ticket cache knows it (``None``: it does not know that state of the ticket); the
        ticket's last change in Znuny is taken then.
    :param expect_move: called with the customer, the ticket id and the move just before a
        requester's move is sent, so the workflow guard lets that change through as the
        requester's (the agent account makes it in Znuny); when it fails, nothing is sent.
    """

    def __init__(
        self, client: ZnunyClient, lister: Lister,
        agent_name: Callable[[str], str] = lambda login: login,
        changed: Callable[[Ticket], None] | None = None,
        state_since: Callable[[int, str], datetime | None] | None = None,
        expect_move: Callable[[Customer, int, TicketMove], None] | None = None,
    ) -> None:
        self._client = client
        self._lister = lister
        self._agent_name = agent_name
        self._changed = changed
        self._state_since = state_since
        self._expect_move = expect_move

    def list(self, customer: Customer, query: ListQuery) -> TicketPage:
        return self._lister.list(customer, query)

    def _fetch(self, customer: Customer, ticket_id: int, *, contents: bool = False) -> Ticket:
        try:
            ticket = self._client.ticket_get(
                ticket_id, all_articles=True, dynamic_fields=True, attachments=True,
                attachment_contents=contents,
            )
        except (NotFoundError, PermissionDeniedError) as exc:
            raise TicketNotFound(str(ticket_id)) from exc
        except (ZnunyConnectionError, HTTPStatusError) as exc:  # no answer, or Znuny's 5xx
            raise UpstreamUnavailable(str(exc)) from exc
        if not ticket_visible(customer, ticket.customer_user_id, ticket.customer_id):
            raise TicketNotFound(str(ticket_id))
        return ticket

    def get(self, customer: Customer, ticket_id: int) -> TicketDetail:
        ticket = self._fetch(customer, ticket_id)
        articles = [v for a in ticket.articles if (v := article_view(a)) is not None]
        closed_at = ticket.changed if ticket.state_type == "closed" else None
        owner = self._agent_name(ticket.owner) if ticket.owner else ""
        summary = summary_of(ticket)
        since = self._since(ticket)
        escalation = ticket.escalation_solution_time or 0
        if escalation > 0:  # Znuny counts its SLA now: its deadline is the one that holds
            znuny = datetime.fromtimestamp(escalation, UTC)
            return TicketDetail(replace(summary, deadline=znuny), owner, closed_at, articles,
                                promised=summary.deadline, state_since=since)
        return TicketDetail(summary, owner, closed_at, articles, state_since=since)

    def _since(self, ticket: Ticket) -> datetime | None:
        """When ``ticket`` entered its state: the cache's time for that state, else its last
        change (what the next pull records for a state it has not seen)."""
        try:
            known = self._state_since(ticket.ticket_id, ticket.state) if self._state_since \
                else None
        except Exception:  # noqa: BLE001 - the page shows the last change instead
            log.warning("state time of ticket %s not read", ticket.ticket_id, exc_info=True)
            known = None
        return known or ticket.changed or ticket.created

    def attachment(
        self, customer: Customer, ticket_id: int, article_id: int, file_id: int
    ) -> AttachmentData:
        ticket = self._fetch(customer, ticket_id, contents=True)
        for article in ticket.articles:
            if article.article_id != article_id or article_view(article) is None:
                continue
            for file in article.attachments:
                if file.file_id == file_id:
                    return AttachmentData(file.filename, file.content_type, file.content)
        raise TicketNotFound(f"{ticket_id}/{article_id}/{file_id}")

    def _article(self, customer: Customer, subject: str, body: str) -> NewArticle:
        name = (customer.full_name or customer.login).replace('"', "'")
        sender = f'"{name}" <{customer.email}>' if customer.email else name
        return NewArticle(
            subject=subject, body=body, content_type="text/plain; charset=utf-8",
            communication_channel="Internal", sender_type="customer",
            is_visible_for_customer=True, from_=sender,
        )

    def _update(
        self, ticket_id: int, article: NewArticle, ticket: TicketChanges | None = None,
        attachments: Sequence[NewAttachment] = (),
    ) -> None:
        try:
            self._client.ticket_update(
                ticket_id, ticket=ticket, article=article, attachments=list(attachments)
            )
        except ZnunyConnectionError as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        except ZnunyError as exc:
            raise UpstreamUnavailable(f"TicketUpdate failed: {exc}") from exc
        if self._changed is None:
            return
        try:  # the change is made; a failed refresh only leaves the list to the next pull
            self._changed(self._client.ticket_get(ticket_id, dynamic_fields=True))
        except Exception:  # noqa: BLE001
            log.warning("ticket %s changed; the list shows it after the next pull", ticket_id,
                        exc_info=True)

    def reply(
        self, customer: Customer, ticket_id: int, body: str,
        attachments: Sequence[AttachmentData] = (),
    ) -> None:
        ticket = self._fetch(customer, ticket_id)
        files = [NewAttachment.from_bytes(a.content, a.filename, a.content_type)
                 for a in attachments]
        self._update(ticket_id, self._article(customer, f"Re: {ticket.title}", body),
                     attachments=files)

    def close(self, customer: Customer, ticket_id: int) -> None:
        ticket = self._fetch(customer, ticket_id)
        self._update(
            ticket_id,
            self._article(customer, f"Closed: {ticket.title}",
                          "Closed by the requester in the portal."),
            ticket=TicketChanges(state=CLOSED_STATE),
        )

    def reopen(self, customer: Customer, ticket_id: int, body: str) -> None:
        ticket = self._fetch(customer, ticket_id)
        self._update(
            ticket_id, self._article(customer, f"Reopened: {ticket.title}", body),
            ticket=TicketChanges(state=REOPENED_STATE),
        )

    def move(self, customer: Customer, ticket_id: int, move: TicketMove) -> None:
        ticket = self._fetch(customer, ticket_id)
        if ticket.state != move.from_state:
            raise StateChanged(ticket.state)
        pending = PendingTime.at(move.pending_until) if move.pending_until else None
        if self._expect_move is not None:
            try:
                self._expect_move(customer, ticket_id, move)
            except Exception as exc:  # the guard would put the move back: make none
                raise UpstreamUnavailable(f"the move could not be recorded: {exc}") from exc
        self._update(
            ticket_id, self._article(customer, f"{move.subject}: {ticket.title}", move.body),
            ticket=TicketChanges(state=move.to_state, pending_time=pending),
        )
