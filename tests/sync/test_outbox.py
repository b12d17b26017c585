"""The outbox: submit first, deliver later, never lose or duplicate a request."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from radiant_ext.client.models import NewArticle, NewTicket
from radiant_ext.store import Outbox, OutboxState, recent_audit, session_scope, utcnow
from radiant_ext.sync import (
    JobContext,
    RetryPolicy,
    SyncError,
    drain_outbox,
    new_request_id,
    outbox_backlog,
    parked_requests,
    pending_requests,
    requeue_parked,
    submit_request,
)
from radiant_ext.sync.errors import ReferenceTakenError


def _submit(engine: Engine, client: Any, request_id: str | None = None,
            customer: str = "demo-customer", company: str | None = None) -> Any:
    rid = request_id or new_request_id()
    return submit_request(
        engine, client, request_id=rid,
        ticket=NewTicket(title=f"Cash register down {rid}", queue="IT::Stores", state="new",
                         priority="4 high", customer_user=customer, customer_id=company),
        article=NewArticle(subject="Cash register down", body="Till 2 shows E17",
                           content_type="text/plain; charset=utf-8"),
        dynamic_fields={"RadiantCategory": "it.pos-down"}, category="it.pos-down",
        retry=RetryPolicy.backing_off(0.01, 0.05))


def _row(engine: Engine, request_id: str) -> Outbox:
    with session_scope(engine) as s:
        row = s.scalar(select(Outbox).where(Outbox.request_id == request_id))
        assert row is not None
        return row


def _drain_until_quiet(ctx: JobContext, runs: int = 10) -> dict[str, int]:
    total: dict[str, int] = {}
    for _ in range(runs):
        time.sleep(0.06)  # past the retry delay
        for key, value in drain_outbox(ctx).items():
            total[key] = total.get(key, 0) + value
        if outbox_backlog(ctx.sessions)["pending"] == 0:
            break
    return total


def test_request_id_is_a_readable_reference() -> None:
    rid = new_request_id()
    assert rid.startswith("RQ-") and len(rid) == len("RQ-20261123-ABCDEFGH")
    assert new_request_id() != rid


def test_submit_files_the_ticket_at_once_when_znuny_is_up(engine: Engine, znuny: Any) -> None:
    result = _submit(engine, znuny, "RQ-1", company="store-007")
    assert result.state == "sent"
    assert result.ticket_number == znuny.tickets[result.ticket_id]["TicketNumber"]
    assert znuny.with_key("RQ-1") == [result.ticket_id]
    assert znuny.tickets[result.ticket_id]["DynamicField"]["RadiantCategory"] == "it.pos-down"
    row = _row(engine, "RQ-1")
    assert (row.state, row.attempts, row.ticket_number) == (
        OutboxState.SENT, 1, result.ticket_number)
    assert row.customer_id == "store-007"  # the company lists choose by it


def test_submit_while_znuny_is_down_returns_the_reference_and_drain_delivers(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    znuny.mode = "down"
    result = _submit(engine, znuny, "RQ-2")
    assert (result.state, result.ticket_number) == ("pending", None)
    assert "ZnunyConnectionError" in (result.error or "")
    with session_scope(engine) as s:
        assert [r.request_id for r in pending_requests(s, "demo-customer")] == ["RQ-2"]
    znuny.mode = "up"
    counts = _drain_until_quiet(make_ctx())
    assert counts["sent"] + counts.get("found", 0) == 1
    assert len(znuny.with_key("RQ-2")) == 1
    assert _row(engine, "RQ-2").state == OutboxState.SENT


def test_the_drain_shows_how_many_requests_wait_and_counts_them_down(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    """The progress the CLI draws: the pending requests as the total, each one done as it is
    filed."""
    znuny.mode = "down"
    for n in range(3):
        assert _submit(engine, znuny, f"RQ-WAIT-{n}").state == "pending"
    znuny.mode = "up"
    seen: list[tuple[str, int, int | None]] = []
    counts = _drain_until_quiet(make_ctx(progress=lambda *a: seen.append(a)))
    assert counts["sent"] + counts.get("found", 0) == 3
    assert seen[0] == ("outbox", 0, 3)
    assert sum(done for task, done, _ in seen if task == "outbox") == 3


@pytest.mark.parametrize("post_search", [True, False], ids=["df-search", "fallback"])
def test_timeout_after_commit_is_found_not_sent_twice(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        post_search: bool) -> None:
    znuny.post_search = post_search
    znuny.mode = "timeout_after_commit"
    result = _submit(engine, znuny, "RQ-3")
    assert result.state == "pending"
    assert len(znuny.with_key("RQ-3")) == 1  # Znuny has it; we do not know
    assert _row(engine, "RQ-3").maybe_sent is True
    znuny.mode = "up"
    counts = _drain_until_quiet(make_ctx())
    assert counts == {"sent": 0, "found": 1, "pending": 0, "parked": 0}
    assert len(znuny.with_key("RQ-3")) == 1
    row = _row(engine, "RQ-3")
    assert row.state == OutboxState.SENT
    assert row.ticket_id == znuny.with_key("RQ-3")[0]
    assert "found by its key" in (row.last_error or "")


@pytest.mark.parametrize("skew_hours", [-24, 24], ids=["znuny-a-day-behind", "znuny-a-day-ahead"])
@pytest.mark.parametrize("post_search", [True, False], ids=["df-search", "fallback"])
def test_a_retry_finds_the_ticket_whatever_znunys_clock_says(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], post_search: bool,
        skew_hours: int) -> None:
    znuny.post_search = post_search
    znuny.skew = timedelta(hours=skew_hours)
    for _ in range(3):  # older tickets of the same customer, some filed through the outbox
        _submit(engine, znuny)
    znuny.add_ticket(CustomerUserID="demo-customer")
    znuny.mode = "timeout_after_commit"
    result = _submit(engine, znuny, "RQ-SKEW")
    assert result.state == "pending"
    znuny.mode = "up"
    counts = _drain_until_quiet(make_ctx())
    assert (counts["found"], counts["sent"]) == (1, 0)
    assert len(znuny.with_key("RQ-SKEW")) == 1
    assert _row(engine, "RQ-SKEW").ticket_id == znuny.with_key("RQ-SKEW")[0]


def test_fallback_lookup_reads_only_tickets_newer_than_the_requests_floor(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    znuny.post_search = False
    for _ in range(5):
        _submit(engine, znuny)
    floor = max(znuny.tickets)
    znuny.mode = "down"  # the attempt never reached Znuny, but we cannot know that
    _submit(engine, znuny, "RQ-NOT-THERE")
    with session_scope(engine) as s:
        s.execute(Outbox.__table__.update().where(Outbox.request_id == "RQ-NOT-THERE")
                  .values(maybe_sent=True))
    assert _row(engine, "RQ-NOT-THERE").ticket_id_floor == floor
    fetched: list[int] = []
    original = znuny.ticket_get_many
    znuny.ticket_get_many = lambda ids, **kw: fetched.extend(ids) or original(ids, **kw)
    znuny.mode = "up"
    counts = _drain_until_quiet(make_ctx())
    assert (counts.get("found", 0), counts["sent"]) == (0, 1)
    assert fetched == []  # the customer's five filed tickets are all at or below the floor
    assert len(znuny.with_key("RQ-NOT-THERE")) == 1


def test_a_key_on_another_customers_ticket_is_not_taken_as_filed(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    victim = _submit(engine, znuny, "RQ-VICTIM", customer="flagship-clerk")
    assert victim.state == "sent"
    znuny.mode = "timeout_after_commit"
    with session_scope(engine) as s:  # a request of another customer carrying the same key
        s.execute(Outbox.__table__.update().where(Outbox.request_id == "RQ-VICTIM")
                  .values(request_id="RQ-VICTIM-OLD"))
    znuny.mode = "down"
    _submit(engine, znuny, "RQ-VICTIM", customer="demo-customer")
    with session_scope(engine) as s:
        s.execute(Outbox.__table__.update().where(Outbox.request_id == "RQ-VICTIM")
                  .values(maybe_sent=True))
    znuny.mode = "up"
    counts = _drain_until_quiet(make_ctx())
    assert (counts.get("found", 0), counts["sent"]) == (0, 1)
    mine = _row(engine, "RQ-VICTIM")
    assert mine.ticket_id != victim.ticket_id
    assert znuny.tickets[mine.ticket_id]["CustomerUserID"] == "demo-customer"


def test_fallback_lookup_tells_apart_requests_of_the_same_customer(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    znuny.post_search = False
    znuny.mode = "timeout_after_commit"
    _submit(engine, znuny, "RQ-A")
    znuny.mode = "down"
    _submit(engine, znuny, "RQ-B")
    znuny.mode = "up"
    counts = _drain_until_quiet(make_ctx())
    assert (counts["found"], counts["sent"]) == (1, 1)
    assert len(znuny.with_key("RQ-A")) == len(znuny.with_key("RQ-B")) == 1
    assert "TicketSearch" in znuny.calls


def test_rejected_request_is_parked_with_the_reason_and_never_dropped(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    znuny.mode = "reject"
    result = _submit(engine, znuny, "RQ-4")
    assert result.state == "parked"
    assert "Queue invalid" in (result.error or "")
    znuny.mode = "up"
    assert drain_outbox(make_ctx())["sent"] == 0  # parked rows are not retried
    with session_scope(engine) as s:
        parked = parked_requests(s)
        assert [(r.request_id, r.customer_user) for r in parked] == [("RQ-4", "demo-customer")]
        assert "InvalidParameterError" in (parked[0].last_error or "")
        assert recent_audit(s, action="outbox.park")[0].subject == "RQ-4"
        requeue_parked(s, "RQ-4", actor="admin")
    assert _drain_until_quiet(make_ctx())["sent"] == 1
    assert len(znuny.with_key("RQ-4")) == 1


def test_requeue_of_an_unknown_request_is_a_typed_error(engine: Engine) -> None:
    with session_scope(engine) as s, pytest.raises(SyncError, match="no parked request"):
        requeue_parked(s, "RQ-nope", actor="admin")


def test_double_submit_sends_once(engine: Engine, znuny: Any) -> None:
    first = _submit(engine, znuny, "RQ-5")
    second = _submit(engine, znuny, "RQ-5")
    assert second == first
    assert znuny.calls.count("TicketCreate") == 1


def test_failed_request_waits_for_its_backoff(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Any) -> None:
    znuny.mode = "down"
    settings.outbox_retry_seconds = 3600
    submit_request(engine, znuny, request_id="RQ-6",
                   ticket=NewTicket(title="x", queue="IT", state="new", priority="3 normal",
                                    customer_user="demo-customer"),
                   retry=RetryPolicy.backing_off(3600, 7200))
    znuny.mode = "up"
    assert drain_outbox(make_ctx()) == {"sent": 0, "found": 0, "pending": 0, "parked": 0}
    assert _row(engine, "RQ-6").next_attempt_at > utcnow() + timedelta(minutes=30)


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy.backing_off(10, 60)
    delays = [policy.delay(n) for n in (1, 2, 3, 4, 5)]
    assert 8 <= delays[0] <= 10 and 16 <= delays[1] <= 20 and 32 <= delays[2] <= 40
    assert all(48 <= d <= 60 for d in delays[3:])


def test_drain_stops_early_when_znuny_is_unreachable(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Any) -> None:
    znuny.mode = "down"
    for n in range(6):
        _submit(engine, znuny, f"RQ-D{n}")
    time.sleep(0.06)
    settings.outbox_retry_seconds = settings.outbox_retry_max_seconds = 60  # not due again soon
    counts = drain_outbox(make_ctx())
    assert counts["pending"] == 3 and counts["deferred"] == 3
    assert outbox_backlog(make_ctx().sessions)["pending"] == 6


def test_stale_sending_row_is_recovered_and_looked_up(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    # A portal worker died after TicketCreate reached Znuny but before it recorded the answer.
    znuny.add_ticket(Title="orphan", CustomerUserID="demo-customer",
                     DynamicField={"RadiantRequestID": "RQ-7"})
    with session_scope(engine) as s:
        s.add(Outbox(request_id="RQ-7", state=OutboxState.SENDING, customer_user="demo-customer",
                     title="orphan", payload={}, claimed_at=utcnow() - timedelta(hours=1)))
    counts = drain_outbox(make_ctx())
    assert (counts["recovered"], counts["found"]) == (1, 1)
    assert _row(engine, "RQ-7").ticket_id == znuny.with_key("RQ-7")[0]
    assert znuny.calls.count("TicketCreate") == 0


def test_a_client_that_cannot_be_built_leaves_no_row_claimed(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    from radiant_ext.client.errors import ZnunyConnectionError

    znuny.mode = "down"
    _submit(engine, znuny, "RQ-8")
    time.sleep(0.06)

    def no_client() -> Any:
        raise ZnunyConnectionError("cannot connect", operation="SessionCreate")

    with pytest.raises(ZnunyConnectionError):
        drain_outbox(make_ctx(client_factory=no_client))
    assert _row(engine, "RQ-8").state == OutboxState.PENDING


def test_the_same_request_from_two_workers_at_once_is_sent_once(engine: Engine,
                                                               znuny: Any) -> None:
    import threading

    results: list[Any] = []
    for n in range(5):
        gate = threading.Barrier(2)

        def click(rid: str = f"RQ-RACE-{n}", gate: threading.Barrier = gate) -> None:
            gate.wait()
            results.append(_submit(engine, znuny, rid))

        workers = [threading.Thread(target=click) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert len(results) == 10
    assert znuny.calls.count("TicketCreate") == 5
    assert all(len(znuny.with_key(f"RQ-RACE-{n}")) == 1 for n in range(5))


def test_another_customers_reference_is_refused_and_nothing_is_told(
        engine: Engine, znuny: Any) -> None:
    _submit(engine, znuny, "RQ-OWNED", customer="flagship-clerk")
    with pytest.raises(ReferenceTakenError):
        _submit(engine, znuny, "RQ-OWNED", customer="demo-customer")
    assert len(znuny.with_key("RQ-OWNED")) == 1
    assert _row(engine, "RQ-OWNED").customer_user == "flagship-clerk"
