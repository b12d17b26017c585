"""The outbox drain announces each ticket it confirms to the plugins, once; never one the
portal's own first attempt filed (the portal announces those)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, update

from radiant_ext.client import NewArticle, NewTicket
from radiant_ext.store import Outbox, OutboxState, session_scope
from radiant_ext.sync import JobContext, RetryPolicy, drain_outbox, submit_request


class Heard:
    """Plugins stand-in: records ``ticket_created`` calls."""

    def __init__(self) -> None:
        self.created: list[tuple[int, str, Any]] = []

    def ticket_created(self, ticket_id: int, ticket_number: str, *, item: Any = None,
                       decision: Any = None) -> None:
        self.created.append((ticket_id, ticket_number, item))


def _submit(engine: Engine, client: Any, rid: str) -> Any:
    return submit_request(
        engine, client, request_id=rid, category="it.receipt-printer",
        ticket=NewTicket(title="Printer", queue="IT::Stores", state="new", type="Incident",
                         priority="3 normal", customer_user="demo-customer"),
        article=NewArticle(subject="Printer", body="jammed",
                           content_type="text/plain; charset=utf-8"),
        dynamic_fields={"RadiantCategory": "it.receipt-printer"},
        retry=RetryPolicy.backing_off(0.01, 0.02))


def _drain(make_ctx: Callable[..., JobContext], heard: Heard) -> dict[str, int]:
    time.sleep(0.05)  # past the backoff
    return drain_outbox(make_ctx(plugins_factory=lambda: heard))


@pytest.mark.parametrize("fault", ["down", "timeout_after_commit"])
def test_the_drain_announces_what_it_files_or_finds_exactly_once(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], fault: str) -> None:
    heard = Heard()
    znuny.mode = fault
    assert _submit(engine, znuny, "RQ-ANN-1").state == "pending"  # the portal announces nothing
    znuny.mode = "up"
    counts = _drain(make_ctx, heard)
    assert counts["sent" if fault == "down" else "found"] == 1
    (ticket_id,) = znuny.with_key("RQ-ANN-1")
    assert heard.created == [(ticket_id, znuny.tickets[ticket_id]["TicketNumber"],
                              "it.receipt-printer")]
    _drain(make_ctx, heard)
    assert len(heard.created) == 1


def test_a_request_filed_by_the_portals_first_attempt_is_not_announced_by_the_drain(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    heard = Heard()
    assert _submit(engine, znuny, "RQ-ANN-2").state == "sent"
    assert _drain(make_ctx, heard)["sent"] == 0
    assert heard.created == []


def test_a_sender_overtaken_by_the_drain_reports_sending_and_the_drain_announces_once(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    heard = Heard()
    create = znuny.ticket_create

    def slow_create(*args: Any, **kwargs: Any) -> Any:
        # the portal worker stalls past the stale limit: the drain recovers the row meanwhile
        with session_scope(engine) as s:
            s.execute(update(Outbox).values(state=OutboxState.PENDING, maybe_sent=True,
                                            claimed_at=None))
        return create(*args, **kwargs)

    znuny.ticket_create = slow_create
    result = _submit(engine, znuny, "RQ-ANN-3")
    znuny.ticket_create = create
    assert result.state == "sending"  # the portal shows it queued and announces nothing
    assert _drain(make_ctx, heard)["found"] == 1
    assert [t for t, _, _ in heard.created] == znuny.with_key("RQ-ANN-3")


def test_plugins_that_cannot_be_built_do_not_stop_the_drain(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        caplog: pytest.LogCaptureFixture) -> None:
    znuny.mode = "down"
    _submit(engine, znuny, "RQ-ANN-4")
    znuny.mode = "up"

    def broken() -> Any:
        raise RuntimeError("plugin import failed")

    time.sleep(0.05)
    with caplog.at_level(logging.WARNING, logger="radiant_ext.sync.drain"):
        assert drain_outbox(make_ctx(plugins_factory=broken))["sent"] == 1
    assert "was not announced" in caplog.text
    with session_scope(engine) as s:
        assert s.get_one(Outbox, 1).state == OutboxState.SENT
