""":class:`~radiant_ext.portal.approvals.ports.ApprovalPort` on the local store, the plugins
and the companion's agent client.

Filing records the request (``approval_request``) with its approvers resolved from the store
directory at that moment, before the outbox stores the ticket: a request is never in Znuny
waiting for an approver nobody recorded. A decision is claimed in the store first (once,
whatever the number of submits), then the ticket is read from Znuny — still in its waiting
state? — and changed with the decision's article; when Znuny refuses or cannot be reached,
the claim is given back and nothing changed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import NewArticle, TicketChanges
from radiant_ext.client.errors import (
    HTTPStatusError,
    NotFoundError,
    ZnunyConnectionError,
    ZnunyError,
)
from radiant_ext.plugins import Plugins
from radiant_ext.plugins.approval import (
    Approval,
    decision_article,
    resolve_approvers,
    role_text,
)
from radiant_ext.plugins.catalog import CatalogItem, ChoiceField
from radiant_ext.portal.approvals.ports import (
    AlreadyDecided,
    ApprovalView,
    Decision,
    NotFiledYet,
    NotYours,
    StateMovedOn,
)
from radiant_ext.portal.ports import RequestDraft, UpstreamUnavailable
from radiant_ext.store import ApprovalRequest, record_audit
from radiant_ext.store.approvals import (
    approval_for_ticket,
    approver_keys,
    claim_decision,
    fill_ticket_ids,
    mark_moved_on,
    may_decide,
    release_decision,
    waiting_approvals,
)
from radiant_ext.sync.ports import HelpDesk

__all__ = ["APPROVED_PENDING_MINUTES", "DECLINED_STATE", "StoreApprovals"]

log = logging.getLogger(__name__)

DECLINED_STATE = "closed unsuccessful"
"""Where a declined request goes (Znuny's stock state)."""
APPROVED_PENDING_MINUTES = 72 * 60
"""The pending time an approved request gets when the step after approval is a pending one
(Znuny needs one; as for the requester's moves)."""


class StoreApprovals:
    """Approvals kept in the store, decided in Znuny through the agent client."""

    def __init__(self, sessions: sessionmaker[Session], client: HelpDesk,
                 plugins: Plugins, default_time_zone: str = "Europe/Moscow") -> None:
        self._sessions, self._client, self._plugins = sessions, client, plugins
        self._zone = default_time_zone

    # -- filing --------------------------------------------------------------------------
    def file(self, draft: RequestDraft) -> None:
        item = self._plugins.item(draft.item.id, include_disabled=True)
        if item.approval is None:
            return
        decision = draft.routing.decision
        store_id = decision.store_id if decision is not None else None
        store = self._plugins.store(store_id) if store_id else None
        heads = {d.id: list(d.heads)
                 for d in self._plugins.departments(include_disabled=True)}
        approvers = resolve_approvers(item.approval, store=store, heads=heads,
                                      requester=draft.customer.login,
                                      department=item.department)
        row = ApprovalRequest(
            request_id=draft.request_id, item=item.id, requester=draft.customer.login,
            requester_name=draft.customer.full_name or draft.customer.login,
            store=store_id, title=draft.title[:255], answers=dict(draft.fields),
            role=_role(item.approval, item.department, store is not None),
            approvers=approvers, approver_keys=approver_keys(approvers)[:4000],
            waiting_state=item.approval.state,
            language=draft.language[:8])
        try:
            with self._sessions.begin() as s:
                s.add(row)
        except IntegrityError:  # the same request submitted again (a double click)
            pass

    # -- the approver's page ---------------------------------------------------------------
    def waiting(self, login: str, language: str) -> list[ApprovalView]:
        with self._sessions.begin() as s:
            return [self._view(r, language) for r in waiting_approvals(s, login)]

    def has_waiting(self, login: str) -> bool:
        with self._sessions() as s:
            return bool(waiting_approvals(s, login, limit=1))

    def for_ticket(self, ticket_id: int, language: str) -> ApprovalView | None:
        with self._sessions.begin() as s:
            row = approval_for_ticket(s, ticket_id)
            return self._view(row, language) if row is not None else None

    # -- deciding --------------------------------------------------------------------------
    def decide(self, login: str, name: str, approval_id: int, decision: Decision,
               comment: str, now: datetime) -> ApprovalView:
        with self._sessions.begin() as s:
            row = s.get(ApprovalRequest, approval_id)
            if row is None or not may_decide(row, login):
                raise NotYours(str(approval_id))
            fill_ticket_ids(s, [row])
            if row.decision == "moved-on":
                raise StateMovedOn(row.comment or "")
            if row.decision is not None:
                raise AlreadyDecided(row.decision, row.decided_by or "")
            if row.ticket_id is None:
                raise NotFiledYet(row.request_id)
            if not claim_decision(s, row.id, decision=decision, login=login,
                                  comment=comment, now=now):
                raise AlreadyDecided(decision, "")
            ticket_id, item_id, waiting = row.ticket_id, row.item, row.waiting_state
            language = row.language
        try:
            self._apply(ticket_id, item_id, waiting, decision,
                        (name, comment, language))
        except StateMovedOn as exc:  # no decision to make any more: off the page
            with self._sessions.begin() as s:
                release_decision(s, approval_id, login)
                mark_moved_on(s, approval_id, exc.state, now)
            raise
        except BaseException:
            with self._sessions.begin() as s:
                release_decision(s, approval_id, login)
            raise
        with self._sessions.begin() as s:
            done = s.get(ApprovalRequest, approval_id)
            assert done is not None
            record_audit(s, actor=login, action=f"approval.{decision}",
                         subject=done.ticket_number or str(ticket_id),
                         details={"item": item_id, "comment": comment[:500]})
            view = self._view(done, "en")
        self._plugins.ticket_updated(ticket_id, view.ticket_number or "",
                                     {"approval": decision, "approver": login})
        return view

    def _apply(self, ticket_id: int, item_id: str, waiting: str, decision: Decision,
               said: tuple[str, str, str]) -> None:
        """Check the ticket still waits, then change it in Znuny (module docstring);
        ``said``: the approver's name, their comment, the requester's language."""
        try:
            ticket = self._client.ticket_get(ticket_id)
            if ticket.state != waiting:
                raise StateMovedOn(ticket.state)
            changes, article = self._change(item_id, decision, said, ticket.title)
            self._client.ticket_update(ticket_id, ticket=changes, article=article)
        except NotFoundError as exc:
            raise StateMovedOn("") from exc
        except (ZnunyConnectionError, HTTPStatusError) as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        except ZnunyError as exc:
            raise UpstreamUnavailable(f"TicketUpdate failed: {exc}") from exc

    def _change(self, item_id: str, decision: Decision, said: tuple[str, str, str],
                title: str) -> tuple[TicketChanges, NewArticle]:
        """The ticket's new state and the decision's article (customer-visible, in the
        requester's language)."""
        name, comment, language = said
        if decision == "approved":
            item = self._plugins.item(item_id, include_disabled=True)
            assert item.approval is not None
            state = item.approval.next_state(item.process)
            step = item.process.step_for_state(state)
            pending = step is not None and step.state_type.startswith("pending")
            changes = TicketChanges(state=state, pending_time=APPROVED_PENDING_MINUTES
                                    if pending else None)
        else:
            changes = TicketChanges(state=DECLINED_STATE)
        subject, body = decision_article(decision, name=name, comment=comment, title=title,
                                         language=language)
        article = NewArticle(subject=subject[:255], body=body,
                             content_type="text/plain; charset=utf-8",
                             communication_channel="Internal", is_visible_for_customer=True,
                             sender_type="agent")
        return changes, article

    # -- showing ---------------------------------------------------------------------------
    def _view(self, row: ApprovalRequest, language: str) -> ApprovalView:
        item = self._item(row.item)
        store = self._plugins.store(row.store) if row.store else None
        return ApprovalView(
            id=row.id, ticket_id=row.ticket_id, ticket_number=row.ticket_number,
            item=item.translate(item.title, language) if item else row.item,
            requester=row.requester_name or row.requester,
            store=store.name if store else (row.store or ""),
            filed_at=row.filed_at,
            time_zone=str(store.time_zone) if store else self._zone,
            answers=_answers(item, row.answers or {}, language),
            waiting_for=role_text(row.role, language,
                                  self._department(row.role.partition(":")[2], language)),
            decision=row.decision, decided_by=row.decided_by, comment=row.comment)

    def _item(self, item_id: str) -> CatalogItem | None:
        try:
            return self._plugins.item(item_id, include_disabled=True)
        except Exception:  # noqa: BLE001 - an item removed since: its id stands in
            return None

    def _department(self, department_id: str, language: str) -> str:
        found = next((d for d in self._plugins.departments(include_disabled=True)
                      if d.id == department_id), None)
        return found.translate(found.title, language) if found else department_id


def _role(approval: Approval, department: str, at_store: bool) -> str:
    """The stored role: who decides, as the requester is told."""
    if approval.by == "person":
        return f"person:{approval.login}"
    if approval.by == "store-manager" and at_store:
        return "store-manager"
    return f"department-head:{approval.department or department}"


def _answers(item: CatalogItem | None, answers: dict[str, object],
             language: str) -> list[tuple[str, str]]:
    """The form's answers as label → shown value, in ``language``."""
    out = []
    for key, value in answers.items():
        spec = item.field(key) if item else None
        if spec is None or item is None:
            out.append((key, str(value)))
            continue
        shown = str(value)
        if isinstance(spec, ChoiceField):
            shown = next((item.translate(o.label, language) for o in spec.options
                          if o.value == value), shown)
        out.append((item.translate(spec.label, language), shown))
    return out

