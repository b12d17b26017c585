"""An item's approval declaration: checked like a workflow, and who may decide a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import radiant_ext_accounting
import radiant_ext_hr
from pydantic import ValidationError

from radiant_ext.plugins.approval import (
    Approval,
    NoApproverError,
    resolve_approvers,
    role_text,
)
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.checks import approval_problems, workflow_state_conflicts
from radiant_ext.plugins.models import StoreInfo

VACATION = next(i for i in radiant_ext_hr.catalog.items() if i.id == "hr.vacation-request")
ITEM: dict[str, Any] = {**VACATION.model_dump(by_alias=True, exclude={"approval"}),
                        "id": "hr.leave"}
STORE = StoreInfo(id="store-007", managers=["store-manager", "deputy"])
HEADS = {"hr": ["hr-head"], "accounting": ["cfo"]}


def _item(**approval: Any) -> CatalogItem:
    return CatalogItem.model_validate({**ITEM, "approval": approval})


def test_a_declaration_names_whom_it_needs() -> None:
    with pytest.raises(ValidationError, match="needs department"):
        Approval(by="department-head")
    with pytest.raises(ValidationError, match="needs login"):
        Approval(by="person")
    with pytest.raises(ValidationError, match="takes no login"):
        Approval(by="store-manager", login="anna")
    with pytest.raises(ValidationError, match="must come after remind_after"):
        Approval(by="store-manager", remind_after=8, escalate_after=8)
    with pytest.raises(ValidationError, match="is not a step of the workflow"):
        _item(by="store-manager", then="approved")
    with pytest.raises(ValidationError, match="is a step of the workflow"):
        _item(by="store-manager", state="open")
    item = _item(by="store-manager")
    assert item.approval is not None
    assert item.approval.state == "waiting for approval"
    assert item.approval.next_state(item.process) == "new"  # the workflow's first step


def test_the_approvers_are_resolved_from_the_store_directory() -> None:
    manager = Approval(by="store-manager")
    assert resolve_approvers(manager, store=STORE, heads=HEADS, requester="clerk",
                             department="hr") == ["store-manager", "deputy"]
    # a manager never approves their own request: the deputy does
    assert resolve_approvers(manager, store=STORE, heads=HEADS, requester="Store-Manager",
                             department="hr") == ["deputy"]
    # at the head office (no store) the requester's manager is the head of the department
    assert resolve_approvers(manager, store=None, heads=HEADS, requester="anna",
                             department="hr") == ["hr-head"]
    head = Approval(by="department-head", department="accounting")
    assert resolve_approvers(head, store=STORE, heads=HEADS, requester="clerk",
                             department="hr") == ["cfo"]
    with pytest.raises(NoApproverError) as caught:
        resolve_approvers(manager, store=StoreInfo(id="store-009"), heads=HEADS,
                          requester="clerk", department="hr")
    assert caught.value.reason.get("ru").startswith("У вашего магазина нет руководителя")
    with pytest.raises(NoApproverError):
        resolve_approvers(Approval(by="person", login="anna"), store=None, heads={},
                          requester="anna", department="hr")


def test_roles_in_words_in_both_languages() -> None:
    assert role_text("store-manager", "en") == "the store manager"
    assert role_text("store-manager", "ru") == "руководителя магазина"
    assert role_text("department-head:hr", "ru", "Отдел кадров") == (
        "руководителя отдела «Отдел кадров»")
    assert role_text("person:anna", "ru") == "anna"


def test_shipped_items_declare_approvals_and_their_state_has_one_type() -> None:
    vacation = VACATION
    expenses = next(i for i in radiant_ext_accounting.catalog.items()
                    if i.id == "accounting.expense-reimbursement")
    assert vacation.approval is not None and vacation.approval.by == "store-manager"
    assert expenses.approval is not None and expenses.approval.department == "accounting"
    clash = _item(by="store-manager", state="client testing")  # a pending reminder state
    assert workflow_state_conflicts([vacation, expenses, clash]) == []
    wrong = CatalogItem.model_validate({**ITEM, "id": "hr.other", "workflow": {
        "steps": [{"id": "w", "state": "waiting for approval", "state_type": "open",
                   "label": "W"},
                  {"id": "done", "state": "closed successful", "state_type": "closed",
                   "label": "Done"}],
        "moves": [{"from": "w", "to": "done", "by": "agent"}]}})
    assert workflow_state_conflicts([vacation, wrong]) == [
        "workflow state 'waiting for approval' has different state types: 'open' in "
        "hr.other; 'pending reminder' in hr.vacation-request"]


def test_check_names_an_approval_nobody_could_give() -> None:
    departments = [*radiant_ext_hr.catalog.departments(),
                   *radiant_ext_accounting.catalog.departments()]
    expenses = next(i for i in radiant_ext_accounting.catalog.items()
                    if i.id == "accounting.expense-reimbursement")
    assert approval_problems(departments, [VACATION, expenses]) == []
    legal = _item(by="department-head", department="legal")
    headless = [d.model_copy(update={"heads": []}) for d in departments]
    assert approval_problems(headless, [VACATION, expenses, legal]) == [
        "accounting.expense-reimbursement: approval by the head of 'accounting', which names "
        "no heads: nobody could approve its requests",
        "hr.leave: approval by the head of unknown department 'legal'; departments: "
        "accounting, hr"]


def test_check_names_a_missing_or_mistyped_approval_state(
        make_znuny_db: Callable[..., str]) -> None:
    from radiant_ext.plugins.znuny_meta import read_znuny_names, workflow_problems

    assert workflow_problems([VACATION], read_znuny_names(make_znuny_db())) == []
    missing = read_znuny_names(make_znuny_db(skip={"waiting for approval"}))
    assert workflow_problems([VACATION], missing) == [
        "hr.vacation-request: approval state 'waiting for approval' not in Znuny: create it "
        "with state type 'pending reminder' (the Znuny package RadiantExt does)"]
    typed = read_znuny_names(make_znuny_db(state_types={"waiting for approval": "open"}))
    assert workflow_problems([VACATION], typed) == [
        "hr.vacation-request: approval state 'waiting for approval' has state type 'open' in "
        "Znuny, an approval waits in a 'pending reminder' state"]
