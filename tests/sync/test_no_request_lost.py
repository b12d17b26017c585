"""No request is ever lost or filed twice, whatever Znuny does meanwhile.

1,000 requests are submitted by several portal workers while the sandbox is stopped,
restarted, made to answer HTTP 500, made to time out after committing the ticket, stopped and
restarted again; an ``outbox-drain`` loop runs beside them the whole time, as
``radiant-ext sync`` would. At the end every request exists exactly once in Znuny and every
outbox row names that ticket. The lookups use the default route set (GET-only search), so the
customer + create-time fallback is what keeps retries from duplicating.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, select

from radiant_ext.client import NewArticle, NewTicket
from radiant_ext.config import Settings
from radiant_ext.store import Outbox, OutboxState, session_scope
from radiant_ext.sync import (
    JobBusyError,
    JobContext,
    RetryPolicy,
    drain_outbox,
    outbox_backlog,
    run_job,
    submit_request,
)

pytestmark = pytest.mark.slow

N = int(os.environ.get("RADIANT_FAULT_TEST_REQUESTS", "1000"))
CUSTOMERS = ["demo-customer", "flagship-clerk", "store-manager", "office-anna", "guest-customer"]
CLIENT_TIMEOUT = 1.0
COMMIT_DELAY = 1.5  # the sandbox answers this long after committing: past the client timeout


class Portal:
    """Portal workers submitting requests concurrently, as gunicorn workers would."""

    def __init__(self, engine: Engine, sandbox: Any) -> None:
        self.engine = engine
        self.client = sandbox.client(timeout=CLIENT_TIMEOUT)
        self.submitted: list[str] = []
        self.states: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _submit(self, n: int) -> None:
        rid = f"RQ-FAULT-{n:05d}"
        customer = CUSTOMERS[n % len(CUSTOMERS)]
        result = submit_request(
            self.engine, self.client, request_id=rid,
            ticket=NewTicket(title=f"Price-tag printer offline #{n}", queue="IT::Stores",
                             state="new", priority="3 normal", type="Incident",
                             customer_user=customer),
            article=NewArticle(subject=f"Request {rid}", body="The printer shows E04.",
                               content_type="text/plain; charset=utf-8",
                               communication_channel="Internal"),
            dynamic_fields={"RadiantCategory": "it.price-tag-printer"},
            retry=RetryPolicy.backing_off(0.2, 2.0))
        with self._lock:
            self.submitted.append(rid)
            self.states[result.state] += 1

    def submit(self, numbers: range, workers: int = 8) -> None:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(self._submit, numbers))


class Drainer(threading.Thread):
    """The scheduler's ``outbox-drain`` job, run in a loop beside the portal."""

    def __init__(self, engine: Engine, settings: Settings, sandbox: Any) -> None:
        super().__init__(daemon=True)
        self.make_ctx: Callable[[], JobContext] = lambda: JobContext(
            settings=settings, engine=engine,
            client_factory=lambda: sandbox.client(timeout=CLIENT_TIMEOUT))
        self.halt = threading.Event()
        self.totals: Counter[str] = Counter()
        self.runs = 0

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                run = run_job(self.make_ctx(), "outbox-drain", drain_outbox)
                self.totals.update(run.counts)
                self.runs += 1
            except JobBusyError:
                pass
            self.halt.wait(0.2)


def _znuny_keys(sandbox: Any) -> dict[str, list[int]]:
    """Every RadiantRequestID in Znuny → the ids of the tickets carrying it."""
    client = sandbox.client(timeout=30)
    ids = client.ticket_search(limit=N * 10)
    keys: dict[str, list[int]] = {}
    for ticket in client.ticket_get_many(ids, dynamic_fields=True):
        key = ticket.dynamic_fields.get("RadiantRequestID")
        if key:
            keys.setdefault(str(key), []).append(int(ticket.ticket_id))
    return keys


def _wait_for_empty_outbox(engine: Engine, drainer: Drainer, seconds: float) -> None:
    from radiant_ext.store import make_session_factory

    sessions = make_session_factory(engine)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        backlog = outbox_backlog(sessions)
        if backlog["pending"] == 0 and backlog["sending"] == 0:
            return
        time.sleep(0.3)
    pytest.fail(f"outbox not drained in {seconds}s: {outbox_backlog(sessions)}; "
                f"drain totals {dict(drainer.totals)}")


def test_every_request_is_filed_exactly_once(engine: Engine, sandbox: Any,
                                             tmp_path: Any) -> None:
    started = time.monotonic()
    settings = Settings(data_dir=tmp_path, outbox_retry_seconds=0.2,
                        outbox_retry_max_seconds=2.0, znuny_timeout=CLIENT_TIMEOUT)
    portal = Portal(engine, sandbox)
    drainer = Drainer(engine, settings, sandbox)
    drainer.start()
    fifth = N // 5
    phases = [range(0, fifth), range(fifth, 2 * fifth), range(2 * fifth, 3 * fifth),
              range(3 * fifth, 4 * fifth), range(4 * fifth, N)]
    marks: list[tuple[str, float]] = []

    def mark(label: str) -> None:
        marks.append((label, time.monotonic()))

    try:
        sandbox.stop()                                     # 1. Znuny is down
        portal.submit(phases[0])
        mark("down")
        sandbox.start()                                    # 2. back up
        portal.submit(phases[1])
        mark("up")
        sandbox.faults("error500")                         # 3. answers 500
        portal.submit(phases[2])
        mark("500s")
        sandbox.faults("timeout_after_commit", delay=COMMIT_DELAY)  # 4. commits, answers late
        portal.submit(phases[3], workers=24)
        mark("timeouts")
        sandbox.faults("none")
        sandbox.stop()                                     # 5. down again, then restarted
        portal.submit(phases[4][: len(phases[4]) // 2])
        sandbox.start()
        portal.submit(phases[4][len(phases[4]) // 2:])
        mark("restart")
        _wait_for_empty_outbox(engine, drainer, seconds=150)
        mark("drained")
    finally:
        drainer.halt.set()
        drainer.join()
        sandbox.start()
        sandbox.faults("none")

    keys = _znuny_keys(sandbox)
    submitted = set(portal.submitted)
    filed = {k for k in keys if k in submitted}
    duplicates = sum(len(ids) - 1 for k, ids in keys.items() if k in submitted)
    lost = len(submitted - filed)
    steps, last = [], started
    for label, when in marks:
        steps.append(f"{label} {when - last:.1f}s")
        last = when
    print(f"\nsubmitted {len(portal.submitted)}, filed {len(filed)}, duplicates {duplicates}, "
          f"lost {lost}")
    print(f"first attempts: {dict(portal.states)}; drain runs {drainer.runs}, totals "
          f"{dict(drainer.totals)}; phases: {', '.join(steps)}; "
          f"total {time.monotonic() - started:.1f}s")
    assert len(portal.submitted) == N
    assert (len(filed), duplicates, lost) == (N, 0, 0)
    assert portal.states["pending"] > 0 and drainer.totals["found"] > 0, \
        "the faults must have forced retries and key lookups"
    with session_scope(engine) as s:
        rows = list(s.scalars(select(Outbox)))
    assert {r.state for r in rows} == {OutboxState.SENT}
    assert all(keys[r.request_id] == [r.ticket_id] for r in rows), \
        "every outbox row must name the ticket that carries its key"
