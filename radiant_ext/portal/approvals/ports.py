"""What the approval pages need from the companion (:class:`ApprovalPort`) and what they show.

The adapter (:mod:`radiant_ext.portal.adapters.approvals`) keeps the requests in the local
store and decides them in Znuny with the companion's agent account: an approver is a portal
customer, who cannot see another customer's ticket in Znuny.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from radiant_ext.portal.ports import PortalError, RequestDraft

__all__ = ["AlreadyDecided", "ApprovalPort", "ApprovalView", "Decision", "NotFiledYet",
           "NotYours", "StateMovedOn"]

Decision = Literal["approved", "declined"]


class NotYours(PortalError):
    """No such request waits for this approver (404: exactly like one that does not exist)."""


class AlreadyDecided(PortalError):
    """The request was decided before (``decision`` by ``by``)."""

    def __init__(self, decision: str, by: str) -> None:
        super().__init__(f"already {decision} by {by}")
        self.decision, self.by = decision, by


class StateMovedOn(PortalError):
    """The ticket left its waiting state in Znuny meanwhile (``state``): nothing changed."""

    def __init__(self, state: str) -> None:
        super().__init__(f"the ticket is in state {state!r} now")
        self.state = state


class NotFiledYet(PortalError):
    """Znuny has not taken the ticket yet (the outbox still sends it): decide later."""


@dataclass(frozen=True)
class ApprovalView:
    """A request waiting for approval, as its approver (or its requester) sees it."""

    id: int
    ticket_id: int | None
    ticket_number: str | None
    item: str
    requester: str
    store: str
    filed_at: datetime
    time_zone: str
    answers: Sequence[tuple[str, str]]
    waiting_for: str
    """Who decides, in words (``the store manager``)."""
    decision: str | None = None
    decided_by: str | None = None
    comment: str | None = None


class ApprovalPort(Protocol):
    """Requests that wait for approval."""

    def file(self, draft: RequestDraft) -> None:
        """Record that ``draft`` waits for approval, with its approvers resolved now.
        Call before the draft is submitted; submitting the same reference again is fine.

        :raises radiant_ext.plugins.approval.NoApproverError: nobody can approve it.
        """

    def waiting(self, login: str, language: str) -> list[ApprovalView]:
        """The undecided requests ``login`` may decide, oldest first."""

    def has_waiting(self, login: str) -> bool:
        """Whether ``login`` has anything to decide (the menu shows the page then)."""

    def decide(self, login: str, name: str, approval_id: int, decision: Decision,
               comment: str, now: datetime) -> ApprovalView:
        """Decide request ``approval_id`` as ``login`` (shown as ``name``) and move its
        ticket on in Znuny (approved) or close it (declined), once.

        :raises NotYours: ``login`` may not decide it, or there is no such request.
        :raises AlreadyDecided: it was decided before; nothing changed.
        :raises StateMovedOn: the ticket left the waiting state in Znuny; nothing changed.
        :raises NotFiledYet: Znuny has not taken the ticket yet; nothing changed.
        :raises radiant_ext.portal.ports.UpstreamUnavailable: Znuny cannot be reached.
        """

    def for_ticket(self, ticket_id: int, language: str) -> ApprovalView | None:
        """The approval of a ticket (for its requester's page); ``None``: it needed none."""
