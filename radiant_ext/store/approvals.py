"""Requests waiting for approval (``approval_request``): record, list, claim a decision.

Every function takes an open session; the caller owns the transaction. A decision is
claimed with one conditional UPDATE (``decision IS NULL``), so two submits of the same
decision — a double tap, two browser tabs, two portal hosts — record it once; a claim whose
change Znuny then refuses is given back with :func:`release_decision`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from radiant_ext.store.models import ApprovalRequest, Outbox

__all__ = [
    "approval_for_ticket",
    "approver_keys",
    "claim_decision",
    "fill_ticket_ids",
    "may_decide",
    "mark_moved_on",
    "release_decision",
    "waiting_approvals",
]


def fill_ticket_ids(session: Session, rows: list[ApprovalRequest]) -> None:
    """Give rows whose ticket Znuny has filed meanwhile its id and number (from the outbox)."""
    missing = {r.request_id: r for r in rows if r.ticket_id is None}
    if not missing:
        return
    for request_id, ticket_id, number in session.execute(
            select(Outbox.request_id, Outbox.ticket_id, Outbox.ticket_number).where(
                Outbox.request_id.in_(list(missing)), Outbox.ticket_id.is_not(None))):
        missing[request_id].ticket_id, missing[request_id].ticket_number = ticket_id, number


def waiting_approvals(session: Session, login: str | None = None,
                      limit: int = 200) -> list[ApprovalRequest]:
    """Undecided requests (of approver ``login`` only, when given), oldest first, at most
    ``limit``; rows whose request never reached the outbox are left out."""
    query = (select(ApprovalRequest)
             .join(Outbox, (Outbox.request_id == ApprovalRequest.request_id)
                   & (Outbox.customer_user == ApprovalRequest.requester))
             .where(ApprovalRequest.decision.is_(None))
             .order_by(ApprovalRequest.filed_at, ApprovalRequest.id).limit(limit))
    if login is not None:
        query = query.where(ApprovalRequest.approver_keys.contains(
            approver_keys([login]), autoescape=True))
    rows = [r for r in session.scalars(query) if login is None or may_decide(r, login)]
    fill_ticket_ids(session, rows)
    return rows


def approver_keys(logins: list[str]) -> str:
    """The ``approver_keys`` of ``logins``: ``|a|b|``, case-folded."""
    return "|" + "|".join(x.casefold() for x in logins) + "|"


def may_decide(row: ApprovalRequest, login: str) -> bool:
    """Whether ``login`` is one of the row's approvers (never the requester)."""
    who = login.casefold()
    return who != row.requester.casefold() and any(a.casefold() == who for a in row.approvers)


def approval_for_ticket(session: Session, ticket_id: int) -> ApprovalRequest | None:
    """The approval of ticket ``ticket_id`` (looked up through the outbox when the row has
    no ticket id yet), ``None`` when its request needed none."""
    row = session.scalar(select(ApprovalRequest).where(ApprovalRequest.ticket_id == ticket_id))
    if row is not None:
        return row
    request_id = session.scalar(select(Outbox.request_id).where(Outbox.ticket_id == ticket_id))
    if request_id is None:
        return None
    row = session.scalar(select(ApprovalRequest).where(
        ApprovalRequest.request_id == request_id))
    if row is not None:
        fill_ticket_ids(session, [row])
    return row


def claim_decision(session: Session, row_id: int, *, decision: str, login: str,
                   comment: str, now: datetime) -> bool:
    """Record ``decision`` on an undecided row; ``False`` when it was decided before."""
    done = session.execute(
        update(ApprovalRequest).where(ApprovalRequest.id == row_id,
                                      ApprovalRequest.decision.is_(None))
        .values(decision=decision, decided_by=login, comment=comment, decided_at=now)
        .execution_options(synchronize_session=False))
    return bool(getattr(done, "rowcount", 0))


def release_decision(session: Session, row_id: int, login: str) -> None:
    """Give back a claim of ``login`` that Znuny did not take (the row waits again)."""
    session.execute(
        update(ApprovalRequest).where(ApprovalRequest.id == row_id,
                                      ApprovalRequest.decided_by == login)
        .values(decision=None, decided_by=None, comment=None, decided_at=None)
        .execution_options(synchronize_session=False))


def mark_moved_on(session: Session, row_id: int, state: str, now: datetime) -> None:
    """Record that the ticket left its waiting state in Znuny (now in ``state``) without a
    decision here: the request leaves the approver's page and gets no more reminders."""
    session.execute(
        update(ApprovalRequest).where(ApprovalRequest.id == row_id,
                                      ApprovalRequest.decision.is_(None))
        .values(decision="moved-on", comment=state[:200], decided_at=now)
        .execution_options(synchronize_session=False))
