"""The same operations against a real Znuny (``pytest -m live``).

Needs ``RADIANT_ZNUNY_URL``, ``RADIANT_ZNUNY_USER`` and ``RADIANT_ZNUNY_PASSWORD`` (an agent
with rw on the queue; ``scripts/znuny-server env`` prints them). Without them the tests skip,
naming what is missing; with ``RADIANT_LIVE_REQUIRED=1`` they fail (``tests/_live.py``).
Optional: ``RADIANT_ZNUNY_ROUTE_SET`` (default ``auto``: asked of the server),
``RADIANT_ZNUNY_WEBSERVICE``, ``RADIANT_LIVE_QUEUE`` (default ``IT``), ``RADIANT_LIVE_CUSTOMER``
(a customer user login, default ``demo-customer``) and ``RADIANT_LIVE_TYPE`` (default
``Unclassified``, the type every Znuny and OTRS 6 ships as ``Ticket::Type::Default``: Znuny
requires a type once ``Ticket::Type`` is on, and accepts a valid one when it is off). The tests
create one ticket and leave it closed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from radiant_ext.client import (
    NewArticle,
    NewAttachment,
    NewTicket,
    TicketChanges,
    ZnunyClient,
)
from radiant_ext.client import errors as e
from radiant_ext.config import load_settings
from tests._live import CLIENT_VARIABLES, need_env

pytestmark = pytest.mark.live

DEFAULT_TYPE = "Unclassified"
"""Znuny's ``Ticket::Type::Default``: a stock server has it, with ``Ticket::Type`` on or off."""


@pytest.fixture(scope="module")
def live() -> Iterator[ZnunyClient]:
    need_env(*CLIENT_VARIABLES)
    client = ZnunyClient.from_settings(load_settings())
    yield client
    client.close()


@pytest.fixture(scope="module")
def created(live: ZnunyClient) -> tuple[int, str, str]:
    marker = f"radiant-live-{uuid.uuid4().hex[:8]}"
    result = live.ticket_create(
        NewTicket(title=f"Client live test {marker}",
                  queue=os.environ.get("RADIANT_LIVE_QUEUE", "IT"), state="new",
                  priority="3 normal", type=os.environ.get("RADIANT_LIVE_TYPE", DEFAULT_TYPE),
                  customer_user=os.environ.get("RADIANT_LIVE_CUSTOMER", "demo-customer")),
        NewArticle(subject=marker, body="created by the radiant_ext client live tests",
                   content_type="text/plain; charset=utf-8", communication_channel="Internal",
                   is_visible_for_customer=False, sender_type="agent"),
        attachments=[NewAttachment.from_bytes(b"live\n", "live.txt", "text/plain")],
    )
    assert result.ticket_id > 0 and result.article_id
    return result.ticket_id, result.ticket_number, marker


def test_session_is_created_and_described(live: ZnunyClient) -> None:
    sid = live.session_create()
    info = live.session_get(sid)
    assert info.user_login == os.environ["RADIANT_ZNUNY_USER"] and not info.is_customer


def test_created_ticket_reads_back_with_article_and_attachment(
    live: ZnunyClient, created: tuple[int, str, str]
) -> None:
    ticket_id, number, marker = created
    ticket = live.ticket_get(ticket_id, all_articles=True, attachments=True)
    assert ticket.ticket_number == number
    assert ticket.articles[0].subject == marker
    assert [a.content for a in ticket.articles[0].attachments] == [b"live\n"]
    assert live.ticket_get_by_number(number).ticket_id == ticket_id


def test_search_batch_get_and_paging_find_the_ticket(
    live: ZnunyClient, created: tuple[int, str, str]
) -> None:
    ticket_id, number, _ = created
    assert live.ticket_search(ticket_number=number) == [ticket_id]
    assert ticket_id in [t.ticket_id for t in live.ticket_get_many([ticket_id, ticket_id])]
    # pages of two over this module's tickets of the last hour (not every ticket of a busy
    # shared server)
    recent = list(live.iter_ticket_search(ticket_create_time_newer_minutes=60, page_size=2,
                                          title="Client live test %"))
    assert ticket_id in recent and len(recent) == len(set(recent))


def test_update_and_history(live: ZnunyClient, created: tuple[int, str, str]) -> None:
    ticket_id, _, _ = created
    updated = live.ticket_update(
        ticket_id, ticket=TicketChanges(state="closed successful"),
        article=NewArticle(subject="closing", body="done", content_type="text/plain; charset=utf-8",
                           communication_channel="Internal"))
    assert updated.ticket_id == ticket_id and updated.article_id
    assert live.ticket_get(ticket_id).state_type == "closed"
    assert "StateUpdate" in {h.history_type for h in live.ticket_history(ticket_id)}


def test_unknown_ticket_and_bad_session(live: ZnunyClient) -> None:
    with pytest.raises(e.PermissionDeniedError):
        live.ticket_get(2_000_000_000)
    settings = load_settings()
    stale = ZnunyClient.from_settings(settings, session_id="x" * 32)
    assert isinstance(stale.ticket_search(limit=1), list)  # renewed transparently
    assert stale.session_id != "x" * 32
    stale.close()
