"""Requests waiting for approval in the store: an approver finds only their own, a decision is
claimed once, a claim Znuny did not take is given back — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from radiant_ext.store import ApprovalRequest, Outbox, OutboxState, session_scope
from radiant_ext.store.approvals import (
    approval_for_ticket,
    approver_keys,
    claim_decision,
    mark_moved_on,
    release_decision,
    waiting_approvals,
)

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _request(engine: Engine, n: int, approvers: list[str], ticket_id: int | None = None,
             outbox: bool = True) -> int:
    with session_scope(engine) as s:
        if outbox:
            s.add(Outbox(request_id=f"RQ-{n}", state=OutboxState.SENT, payload={},
                         customer_user="clerk", title="Vacation", ticket_id=ticket_id,
                         ticket_number=f"2026{n:08d}" if ticket_id else None))
        row = ApprovalRequest(
            request_id=f"RQ-{n}", item="hr.vacation-request", requester="clerk",
            role="store-manager", approvers=approvers, approver_keys=approver_keys(approvers),
            waiting_state="waiting for approval", filed_at=NOW + timedelta(minutes=n))
        s.add(row)
        s.flush()
        return row.id


def test_an_approver_finds_only_what_they_may_decide(engine: Engine) -> None:
    first = _request(engine, 1, ["Marina"], ticket_id=501)
    _request(engine, 2, ["a_b"])  # "_" and "%" are letters of a login, not patterns
    _request(engine, 3, ["marina"], outbox=False)  # never reached the outbox: not listed
    with session_scope(engine) as s:
        assert [r.id for r in waiting_approvals(s, "MARINA")] == [first]
        assert waiting_approvals(s, "axb") == [] and waiting_approvals(s, "%") == []
        assert waiting_approvals(s, "clerk") == []  # the requester decides nothing
        found = approval_for_ticket(s, 501)
        assert found is not None and found.ticket_number == "202600000001"


def test_a_decision_is_claimed_once_and_given_back_when_znuny_did_not_take_it(
        engine: Engine) -> None:
    row_id = _request(engine, 1, ["marina"], ticket_id=501)
    with session_scope(engine) as s:
        assert claim_decision(s, row_id, decision="approved", login="marina", comment="ok",
                              now=NOW)
    with session_scope(engine) as s:
        assert not claim_decision(s, row_id, decision="declined", login="marina",
                                  comment="no", now=NOW)
        assert waiting_approvals(s, "marina") == []
        release_decision(s, row_id, "marina")
    with session_scope(engine) as s:
        assert [r.id for r in waiting_approvals(s, "marina")] == [row_id]
        mark_moved_on(s, row_id, "open", NOW)
    with session_scope(engine) as s:
        row = s.get_one(ApprovalRequest, row_id)
        assert (row.decision, row.comment, row.decided_by) == ("moved-on", "open", None)
