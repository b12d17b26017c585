"""Approvals: a request of an item that needs a yes before anyone works on it.

An item's :class:`Approval` says who decides — the requester's store manager (``by:
store-manager``, the ``managers`` of the requester's store in the store directory; at the
head office, which is no store, the head of the item's department), the head
of a named department (``by: department-head``, ``department: hr``: that department's
``heads``) or one named portal login (``by: person``, ``login: anna``) — in which Znuny state
the ticket waits (``state``, a ``pending reminder`` state, by default ``waiting for
approval``), the step it goes to once approved (``then``: a step id of the item's workflow,
by default its first step) and the limits of the wait in business hours of the item's
calendar (``remind_after``, ``escalate_after``).

:func:`resolve_approvers` answers who may decide one request, when it is filed; nothing here
calls Znuny. See ``docs/catalogs.md``, "Approvals".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from radiant_ext.errors import RadiantError
from radiant_ext.i18n import Message, message
from radiant_ext.plugins.models import StoreInfo
from radiant_ext.plugins.workflow import BusinessHours, Workflow

__all__ = ["APPROVAL_STATE", "Approval", "ApproverRole", "NoApproverError",
           "approval_reminder", "decision_article", "resolve_approvers", "role_text"]

APPROVAL_STATE = "waiting for approval"
"""The Znuny state a request waits for its approval in, unless the item names another (the
Radiant package adds it, state type ``pending reminder``)."""

ApproverRole = Literal["store-manager", "department-head", "person"]
LOGIN = r"^[^\s]{1,200}$"


class Approval(BaseModel):
    """Who must approve an item's requests, where they wait, and for how long."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: ApproverRole
    department: str | None = Field(None, pattern=r"^[a-z][a-z0-9-]*$",
                                   description="For by: department-head — whose head.")
    login: str | None = Field(None, pattern=LOGIN, description="For by: person — the "
                              "portal login (Znuny customer user) who decides.")
    state: str = Field(APPROVAL_STATE, min_length=1, max_length=200)
    then: str | None = Field(None, description="The workflow step an approved request goes "
                             "to; None: the workflow's first step.")
    remind_after: BusinessHours | None = None
    escalate_after: BusinessHours | None = None

    @model_validator(mode="after")
    def _complete(self) -> Approval:
        if self.by == "department-head" and not self.department:
            raise ValueError("approval by: department-head needs department: <department id>")
        if self.by == "person" and not self.login:
            raise ValueError("approval by: person needs login: <portal login>")
        if self.by != "department-head" and self.department:
            raise ValueError(f"approval by: {self.by} takes no department")
        if self.by != "person" and self.login:
            raise ValueError(f"approval by: {self.by} takes no login")
        if (self.remind_after is not None and self.escalate_after is not None
                and self.escalate_after <= self.remind_after):
            raise ValueError(f"approval: escalate_after ({self.escalate_after:g} h) must come "
                             f"after remind_after ({self.remind_after:g} h)")
        return self

    def check_against(self, flow: Workflow) -> None:
        """Raise :class:`ValueError` when the approval does not fit the item's workflow."""
        if flow.step_for_state(self.state) is not None:
            raise ValueError(f"approval state {self.state!r} is a step of the workflow: the "
                             "wait for approval comes before the workflow")
        if self.then is not None and all(s.id != self.then for s in flow.steps):
            raise ValueError(f"approval then: {self.then!r} is not a step of the workflow; "
                             f"steps: {', '.join(s.id for s in flow.steps)}")

    def next_state(self, flow: Workflow) -> str:
        """The Znuny state an approved request goes to."""
        return flow.step(self.then).state if self.then else flow.first.state


class NoApproverError(RadiantError):
    """Nobody can approve this request now (no manager for the store, no head declared)."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


def resolve_approvers(approval: Approval, *, store: StoreInfo | None,
                      heads: Mapping[str, list[str]], requester: str,
                      department: str) -> list[str]:
    """The portal logins who may decide a request filed now by ``requester``.

    :param store: the requester's store in the store directory (``None``: not at a store —
        the head office — whose manager is the head of the item's ``department``).
    :param heads: department id → logins of its heads.
    :raises NoApproverError: the role has nobody (or only the requester, who never approves
        their own request).
    """
    if approval.by == "store-manager" and store is not None:
        found = list(store.managers)
        reason = message("Your store has no manager in our store directory, so nobody can "
                         "approve this request. Please ask your administrator.")
    elif approval.by in ("department-head", "store-manager"):
        dept = approval.department or department
        found = list(heads.get(dept, []))
        reason = message("The department {department} has no head in our directory, so nobody "
                         "can approve this request. Please ask your administrator.",
                         department=dept)
    else:
        found = [approval.login or ""]
        reason = message("Nobody else can approve this request. Please ask your "
                         "administrator.")  # the named login is the requester
    logins = [x for x in dict.fromkeys(found) if x.casefold() != requester.casefold()]
    if not logins:
        raise NoApproverError(reason if not found else message(
            "Nobody else can approve this request. Please ask your administrator."))
    return logins


def role_text(role: str, language: str, department_title: str = "") -> str:
    """A stored role (``store-manager``, ``department-head:hr``, ``person:anna``) in words,
    in ``language``; ``department_title``: the department's title in that language."""
    kind, _, rest = role.partition(":")
    if kind == "store-manager":
        return message("the store manager").get(language)
    if kind == "department-head":
        return message("the head of {department}",
                       department=department_title or rest).get(language)
    return rest


def decision_article(decision: str, *, name: str, comment: str, title: str,
                     language: str) -> tuple[str, str]:
    """Subject and body of the decision's article, in the requester's ``language``."""
    if decision == "approved":
        return (message("Approved: {title}", title=title).get(language),
                message("Approved by {name}: {comment}", name=name,
                        comment=comment or "—").get(language))
    return (message("Declined: {title}", title=title).get(language),
            message("Declined by {name}: {comment}", name=name, comment=comment).get(language))


def approval_reminder(number: str, filed: str, language: str) -> tuple[str, str]:
    """Subject and body of the reminder mailed to an approver, in ``language``."""
    return (message("Request {number} is waiting for your approval",
                    number=number).get(language),
            message("The request {number}, filed on {filed}, is waiting for your approval. "
                    "Please approve or decline it in the portal, under “Waiting for my "
                    "approval”.", number=number, filed=filed).get(language))
