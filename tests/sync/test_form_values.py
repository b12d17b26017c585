"""A portal request's form values travel with its outbox row into the ticket cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, update

from radiant_ext.client import NewArticle, NewTicket
from radiant_ext.store import Outbox, TicketCache, session_scope
from radiant_ext.sync import JobContext, submit_request
from radiant_ext.sync.tickets import pull_tickets


def _submit(engine: Engine, znuny: Any, rid: str, form: dict[str, str] | None) -> int:
    result = submit_request(
        engine, znuny, request_id=rid, form_values=form, category="it.pos-down",
        ticket=NewTicket(title="Till down", queue="IT::Stores", state="new", type="Incident",
                         priority="4 high", customer_user="demo-customer"),
        article=NewArticle(subject="Till down", body="Serial number: SN-1",
                           content_type="text/plain; charset=utf-8"),
        dynamic_fields={"RadiantCategory": "it.pos-down"})
    assert result.state == "sent" and result.ticket_id is not None
    return result.ticket_id


def _form(engine: Engine, ticket_id: int) -> Any:
    with session_scope(engine) as s:
        return s.get_one(TicketCache, ticket_id).form_values


def test_the_pull_copies_the_form_values_of_portal_requests(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    filed = _submit(engine, znuny, "RQ-FORM-1", {"serial": "SN-1", "register": "2"})
    bare = _submit(engine, znuny, "RQ-FORM-2", None)
    mail = znuny.add_ticket(Title="from e-mail")
    pull_tickets(make_ctx())
    assert _form(engine, filed) == {"serial": "SN-1", "register": "2"}
    assert _form(engine, bare) is None and _form(engine, mail) is None
    with session_scope(engine) as s:
        assert s.get_one(Outbox, 1).form_values == {"serial": "SN-1", "register": "2"}


def test_a_cached_ticket_gets_form_values_that_arrive_later_and_keeps_them(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Any) -> None:
    ticket_id = _submit(engine, znuny, "RQ-FORM-3", None)
    pull_tickets(make_ctx())
    with session_scope(engine) as s:  # e.g. a request stored before form values were kept
        s.execute(update(Outbox).values(form_values={"serial": "SN-9"}))
    znuny.change(ticket_id, State="open", StateType="open")
    pull_tickets(make_ctx())
    assert _form(engine, ticket_id) == {"serial": "SN-9"}
    with session_scope(engine) as s:
        s.execute(update(Outbox).values(form_values=None))
    znuny.change(ticket_id, State="closed successful", StateType="closed")
    pull_tickets(make_ctx())
    assert _form(engine, ticket_id) == {"serial": "SN-9"}
