"""The bundle-parts job on SQLite and PostgreSQL: parts are filed once their parent is in
Znuny, each exactly once whatever Znuny does, and the parent is closed once every part is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from radiant_ext.store import (
    ApprovalRequest,
    BundlePartRow,
    BundleRow,
    Outbox,
    OutboxState,
    TicketCache,
    session_scope,
)
from radiant_ext.store.bundles import closable_bundles
from radiant_ext.sync import JobContext
from radiant_ext.sync.bundles import PARENT_FIELD, run_bundles
from radiant_ext.sync.drain import drain_outbox
from tests.sync.conftest import FakeZnuny

DEADLINE = datetime(2027, 1, 11, 15, 0, tzinfo=UTC)


def _bundle(engine: Engine, znuny: FakeZnuny, *, parent_filed: bool = True) -> int:
    """A parent request with two parts (IT, maintenance); its ticket id when filed, else 0."""
    parent_id = znuny.add_ticket(Title="New employee", Queue="HR") if parent_filed else 0
    number = znuny.tickets[parent_id]["TicketNumber"] if parent_filed else None
    with session_scope(engine) as s:
        s.add(Outbox(request_id="RQ-1", payload={}, customer_user="office-anna",
                     title="New employee", ticket_id=parent_id or None, ticket_number=number,
                     state=OutboxState.SENT if parent_filed else OutboxState.PENDING))
        bundle = BundleRow(request_id="RQ-1", item="hr.new-employee",
                           customer_user="office-anna", sender='"Anna" <anna@example.com>')
        s.add(bundle)
        s.flush()
        for n, (item, queue) in enumerate([("it.new-workstation", "IT"),
                                           ("maintenance.workplace", "Maintenance")], 1):
            s.add(BundlePartRow(
                bundle_id=bundle.id, number=n, request_id=f"RQ-1-P{n}", item=item,
                department=item.split(".")[0], title=f"Part {n}: Ivan", body="Employee: Ivan",
                answers={"employee": "Ivan"}, customer_id="head-office",
                decision={"type": "Service Request", "queue": queue, "priority": "2 low",
                          "owner": "agent", "deadline": DEADLINE.isoformat(),
                          "dynamic_fields": {"RadiantCategory": item}}))
    return parent_id


def _parts(znuny: FakeZnuny) -> dict[str, list[int]]:
    return {key: znuny.with_key(key) for key in ("RQ-1-P1", "RQ-1-P2")}


def test_parts_are_filed_once_the_parent_is_in_znuny_and_only_once(
        make_ctx: Callable[..., JobContext], engine: Engine, znuny: FakeZnuny) -> None:
    _bundle(engine, znuny, parent_filed=False)
    assert run_bundles(make_ctx())["filed"] == 0
    with session_scope(engine) as s:
        parent_id = znuny.add_ticket(Title="New employee", Queue="HR")
        row = s.scalars(select(Outbox).where(Outbox.request_id == "RQ-1")).one()
        row.state, row.ticket_id = OutboxState.SENT, parent_id
        row.ticket_number = znuny.tickets[parent_id]["TicketNumber"]
    assert run_bundles(make_ctx())["filed"] == 2
    assert run_bundles(make_ctx())["filed"] == 0
    parts = _parts(znuny)
    assert all(len(ids) == 1 for ids in parts.values())
    first = znuny.tickets[parts["RQ-1-P1"][0]]
    assert first["Queue"] == "IT" and first["CustomerUserID"] == "office-anna"
    assert first["DynamicField"][PARENT_FIELD] == znuny.tickets[parent_id]["TicketNumber"]
    with session_scope(engine) as s:
        payload = s.scalar(select(Outbox.payload).where(Outbox.request_id == "RQ-1-P1"))
        assert payload is not None
        number = znuny.tickets[parent_id]["TicketNumber"]
        assert payload["article"]["Body"] == f"Part 1 of 2 of request {number}.\n\nEmployee: Ivan"
        assert payload["article"]["From"] == '"Anna" <anna@example.com>'
        deadline = s.scalar(select(Outbox.promised_deadline).where(
            Outbox.request_id == "RQ-1-P2"))
        assert deadline == DEADLINE


def test_znuny_down_leaves_the_parts_to_the_drain_which_files_each_once(
        make_ctx: Callable[..., JobContext], engine: Engine, znuny: FakeZnuny) -> None:
    _bundle(engine, znuny)
    znuny.mode = "down"
    assert run_bundles(make_ctx())["queued"] == 2
    assert run_bundles(make_ctx())["queued"] == 0  # already in the outbox: not stored again
    znuny.mode = "up"
    later = datetime.now(UTC) + timedelta(hours=1)
    for _ in range(2):
        drain_outbox(make_ctx(now=lambda: later))
        run_bundles(make_ctx())
    assert all(len(ids) == 1 for ids in _parts(znuny).values())


def _close_parts(engine: Engine, znuny: FakeZnuny, *keys: str) -> None:
    with session_scope(engine) as s:
        for key in keys:
            [ticket_id] = znuny.with_key(key)
            s.merge(TicketCache(ticket_id=ticket_id,
                                ticket_number=znuny.tickets[ticket_id]["TicketNumber"],
                                state="closed successful", state_type="closed"))


def test_the_parent_is_closed_once_when_every_part_is(
        make_ctx: Callable[..., JobContext], engine: Engine, znuny: FakeZnuny) -> None:
    parent_id = _bundle(engine, znuny)
    run_bundles(make_ctx())
    _close_parts(engine, znuny, "RQ-1-P1")
    assert run_bundles(make_ctx())["closed"] == 0
    _close_parts(engine, znuny, "RQ-1-P2")
    znuny.mode = "down"
    assert run_bundles(make_ctx())["failed"] == 1  # given back: tried again
    znuny.mode = "up"
    assert run_bundles(make_ctx())["closed"] == 1
    assert znuny.tickets[parent_id]["State"] == "closed successful"
    assert "All parts of this request are done" in str(znuny.articles[parent_id][-1])
    articles = len(znuny.articles[parent_id])
    assert run_bundles(make_ctx())["closed"] == 0
    assert len(znuny.articles[parent_id]) == articles


def test_a_bundle_that_never_completes_holds_up_no_other(
        make_ctx: Callable[..., JobContext], engine: Engine, znuny: FakeZnuny) -> None:
    with session_scope(engine) as s:  # an older bundle whose part is never filed (declined)
        s.add(Outbox(request_id="RQ-0", payload={}, customer_user="office-anna", title="Old",
                     ticket_id=znuny.add_ticket(), ticket_number="1", state=OutboxState.SENT))
        old = BundleRow(request_id="RQ-0", item="hr.new-employee", customer_user="office-anna")
        s.add(old)
        s.flush()
        s.add(BundlePartRow(bundle_id=old.id, number=1, request_id="RQ-0-P1", item="it.x",
                            department="it", title="x", body="", decision={}))
        s.add(ApprovalRequest(request_id="RQ-0", item="hr.new-employee",
                              requester="office-anna", role="person:hr-head",
                              approvers=["hr-head"], approver_keys="|hr-head|",
                              waiting_state="waiting for approval", decision="declined"))
    parent_id = _bundle(engine, znuny)
    run_bundles(make_ctx())
    _close_parts(engine, znuny, "RQ-1-P1", "RQ-1-P2")
    with session_scope(engine) as s:
        assert [t for _, t, _, _ in closable_bundles(s, limit=1)] == [parent_id]
