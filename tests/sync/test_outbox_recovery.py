"""A request left ``sending`` by a crashed process is filed within a minute, exactly once;
a sender that is merely slow keeps its request."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from radiant_ext.client.models import NewArticle, NewTicket
from radiant_ext.store import Outbox, OutboxState, session_scope, utcnow
from radiant_ext.sync import JobContext, RetryPolicy, drain_outbox, submit_request
from radiant_ext.sync import drain as drain_module
from radiant_ext.sync import outbox as outbox_module
from radiant_ext.sync.outbox import attempt, store_request

# The outbox-drain job runs every 20 s (radiant_ext/sync/jobs.py): a row whose heartbeat is
# 31 s old when a run starts was left 31 s + at most one interval ago, well within a minute.
RECOVERED_BY = timedelta(seconds=31)

CRASHING_SENDER = textwrap.dedent("""
    import os, sys
    from radiant_ext.client.models import NewTicket
    from radiant_ext.store import make_engine
    from radiant_ext.sync import submit_request

    class Crash:
        def ticket_create(self, *args, **kwargs):
            os._exit(9)  # the process dies while TicketCreate is on the wire

    submit_request(make_engine(sys.argv[1]), Crash(), request_id="RQ-CRASH",
                   ticket=NewTicket(title="Till 2 down", queue="IT::Stores", state="new",
                                    priority="4 high", customer_user="demo-customer"))
""")


def _row(engine: Engine, request_id: str) -> Outbox:
    with session_scope(engine) as s:
        row = s.scalar(select(Outbox).where(Outbox.request_id == request_id))
        assert row is not None
        return row


def test_a_request_whose_sender_process_crashed_is_filed_within_a_minute_exactly_once(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    crashed = subprocess.run([sys.executable, "-c", CRASHING_SENDER,
                              engine.url.render_as_string(hide_password=False)],
                             capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 9, crashed.stderr
    assert _row(engine, "RQ-CRASH").state == OutboxState.SENDING

    # Right after the crash the row's heartbeat is fresh: nobody takes it yet.
    assert "recovered" not in drain_outbox(make_ctx())
    counts = drain_outbox(make_ctx(now=lambda: utcnow() + RECOVERED_BY))
    assert counts["recovered"] == 1 and counts["sent"] == 1
    # Looked up first (the crashed attempt may have reached Znuny), then filed once.
    assert znuny.calls.index("TicketSearch") < znuny.calls.index("TicketCreate")
    assert len(znuny.with_key("RQ-CRASH")) == 1
    row = _row(engine, "RQ-CRASH")
    assert row.state == OutboxState.SENT and row.ticket_id == znuny.with_key("RQ-CRASH")[0]
    assert drain_outbox(make_ctx(now=lambda: utcnow() + 2 * RECOVERED_BY))["sent"] == 0


def test_a_crash_after_znuny_filed_the_request_is_found_not_filed_again(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext]) -> None:
    # The crashed sender's TicketCreate reached Znuny; its last heartbeat was 31 s ago.
    znuny.add_ticket(Title="Till 2 down", CustomerUserID="demo-customer",
                     DynamicField={"RadiantRequestID": "RQ-CRASH2"})
    beat = utcnow() - RECOVERED_BY
    with session_scope(engine) as s:
        s.add(Outbox(request_id="RQ-CRASH2", state=OutboxState.SENDING,
                     customer_user="demo-customer", title="Till 2 down", payload={},
                     claimed_at=beat, heartbeat_at=beat))
    counts = drain_outbox(make_ctx())
    assert (counts["recovered"], counts["found"], counts["sent"]) == (1, 1, 0)
    assert znuny.calls.count("TicketCreate") == 0
    assert _row(engine, "RQ-CRASH2").ticket_id == znuny.with_key("RQ-CRASH2")[0]


class SlowZnuny:
    """Znuny whose ``TicketCreate`` takes as long as the test wants."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.release = threading.Event()
        self.started = threading.Event()

    def ticket_create(self, *args: Any, **kwargs: Any) -> Any:
        self.started.set()
        assert self.release.wait(30)
        return self.inner.ticket_create(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_slow_live_senders_request_is_not_taken_over(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Shrunk to keep the test short: heartbeats every 50 ms, stale after 0.5 s.
    monkeypatch.setattr(outbox_module, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(drain_module, "STALE_HEARTBEAT_SECONDS", 0.5)
    settings.znuny_timeout = 0.1
    slow = SlowZnuny(znuny)
    results: list[Any] = []
    sender = threading.Thread(target=lambda: results.append(submit_request(
        engine, slow, request_id="RQ-SLOW",
        ticket=NewTicket(title="Till 2 down", queue="IT::Stores", state="new",
                         priority="4 high", customer_user="demo-customer"),
        article=NewArticle(subject="Till 2 down", body="E17",
                           content_type="text/plain; charset=utf-8"),
        retry=RetryPolicy.backing_off(0.01, 0.05))))
    sender.start()
    try:
        assert slow.started.wait(10)
        time.sleep(1.5)  # three times the stale limit since the claim
        claimed = _row(engine, "RQ-SLOW")
        assert claimed.claimed_at is not None and claimed.heartbeat_at is not None
        assert claimed.heartbeat_at > claimed.claimed_at + timedelta(seconds=1)
        counts = drain_outbox(make_ctx(client_factory=lambda: znuny))
        assert "recovered" not in counts and counts["sent"] == 0
        assert _row(engine, "RQ-SLOW").state == OutboxState.SENDING
    finally:
        slow.release.set()
        sender.join(30)
    assert results[0].state == "sent"
    assert znuny.calls.count("TicketCreate") == 1 and len(znuny.with_key("RQ-SLOW")) == 1
    row = _row(engine, "RQ-SLOW")
    assert (row.state, row.heartbeat_at) == (OutboxState.SENT, None)


def _store(engine: Engine, request_id: str) -> Any:
    from radiant_ext.store import make_session_factory

    sessions = make_session_factory(engine)
    row_id = store_request(
        sessions, request_id=request_id,
        ticket=NewTicket(title="Till 2 down", queue="IT::Stores", state="new",
                         priority="4 high", customer_user="demo-customer"))
    assert isinstance(row_id, int)
    return sessions, row_id


def test_a_request_waiting_for_a_free_sender_thread_is_not_taken_over(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The portal stores a request, then its attempt waits for one of the sender threads
    # (a burst of submissions): the stored row is this live process's the whole time.
    monkeypatch.setattr(outbox_module, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(drain_module, "STALE_HEARTBEAT_SECONDS", 0.5)
    settings.znuny_timeout = 0.1
    sessions, row_id = _store(engine, "RQ-QUEUED")
    time.sleep(1.5)
    counts = drain_outbox(make_ctx())
    assert "recovered" not in counts and znuny.calls.count("TicketCreate") == 0
    result = attempt(sessions, znuny, row_id, RetryPolicy.backing_off(0.01, 0.05),
                     lookup_first=False)
    assert result.state == "sent" and len(znuny.with_key("RQ-QUEUED")) == 1


def test_a_first_attempt_that_comes_after_the_drain_took_the_request_over_sends_nothing(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext], settings: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The request waited for a sender longer than the hold: the drain took it over and filed it.
    monkeypatch.setattr(outbox_module, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(outbox_module, "HOLD_SECONDS", 0.2)
    monkeypatch.setattr(drain_module, "STALE_HEARTBEAT_SECONDS", 0.5)
    settings.znuny_timeout = 0.1
    sessions, row_id = _store(engine, "RQ-LATE")
    time.sleep(1.5)
    counts = drain_outbox(make_ctx())
    assert counts["recovered"] == 1 and counts["sent"] == 1
    late = attempt(sessions, znuny, row_id, RetryPolicy.backing_off(0.01, 0.05), lookup_first=False)
    assert late.state == "sending" and late.ticket_id is None  # not announced twice either
    assert znuny.calls.count("TicketCreate") == 1 and len(znuny.with_key("RQ-LATE")) == 1
    assert _row(engine, "RQ-LATE").state == OutboxState.SENT
