""":class:`~radiant_ext.portal.bundles.BundlePort` on the local store and the plugins.

Filing a bundle records it and its parts — each routed now as its part item (queue,
priority, owner, deadline) with the answers the bundle passes on — in one transaction
before the outbox stores the parent, so no parent is in Znuny without its parts recorded.
The parts are filed by the ``bundle-parts`` sync job (:mod:`radiant_ext.sync.bundles`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.i18n import gettext
from radiant_ext.plugins import Plugins, RequestContext
from radiant_ext.plugins.bundle import BundlePart, part_answers, part_title
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.errors import PluginError
from radiant_ext.portal.adapters.submission import _sender
from radiant_ext.portal.bundles import PartUnavailable, PartView
from radiant_ext.portal.ports import RequestDraft
from radiant_ext.store import BundlePartRow, BundleRow, Outbox
from radiant_ext.store.bundles import (
    PartStatus,
    bundle_of_ticket,
    part_request_id,
    part_statuses,
)

__all__ = ["StoreBundles", "part_body"]


def part_body(item: CatalogItem, answers: dict[str, str], language: str) -> str:
    """The part ticket's answers, one line per field of the part item in ``language``."""
    lines = []
    for spec in item.fields:
        if spec.id in answers:
            lines.append(f"{item.translate(spec.label, language)}: {answers[spec.id]}")
    return "\n".join(lines)


class StoreBundles:
    """Bundles recorded in the local store, their parts routed by ``plugins``."""

    def __init__(self, sessions: sessionmaker[Session], plugins: Plugins) -> None:
        self._sessions = sessions
        self._plugins = plugins

    def file(self, draft: RequestDraft) -> bool:
        try:
            bundle_item = self._plugins.item(draft.item.id)
        except PluginError:
            return False
        if bundle_item.bundle is None:
            return False
        now = datetime.now(UTC)
        parts = [self._part(draft, bundle_item, n, part, now)
                 for n, part in enumerate(bundle_item.bundle.parts, 1)]
        bundle = BundleRow(request_id=draft.request_id, item=bundle_item.id,
                           customer_user=draft.customer.login, sender=_sender(draft),
                           language=draft.language)
        try:
            with self._sessions.begin() as session:
                self._record(session, bundle, parts)
        except IntegrityError:  # the same reference sent at the same moment elsewhere
            pass
        return True

    @staticmethod
    def _record(session: Session, bundle: BundleRow, parts: list[BundlePartRow]) -> None:
        """Add the bundle and its parts. Sent again before its parent reached the outbox (the
        form came back with an error, then was corrected), its parts are replaced by these;
        sent again after (a double click), the first ones stand."""
        existing = session.scalar(select(BundleRow).where(
            BundleRow.request_id == bundle.request_id))
        if existing is not None:
            if session.scalar(select(Outbox.id).where(
                    Outbox.request_id == bundle.request_id)) is not None:
                return
            session.execute(delete(BundlePartRow).where(
                BundlePartRow.bundle_id == existing.id))
            bundle = existing
        else:
            session.add(bundle)
            session.flush()
        for row in parts:
            row.bundle_id = bundle.id
        session.add_all(parts)

    def _part(self, draft: RequestDraft, bundle_item: CatalogItem, number: int,
              part: BundlePart, now: datetime) -> BundlePartRow:
        try:
            item = self._plugins.item(part.item)
        except PluginError as exc:
            raise PartUnavailable(self._department_title(part.item.split(".", 1)[0],
                                                         draft.language)) from exc
        answers = part_answers(part, draft.fields)
        company = draft.customer.customer_id or None
        store = company if company and self._plugins.store(company) else None
        request_id = part_request_id(draft.request_id, number)
        decision = self._plugins.route(item, RequestContext(
            store_id=store, fields=answers, submitted_at=now,
            customer_user=draft.customer.login, customer_company=company,
            request_id=request_id))
        title = part_title(part, draft.fields,
                           bundle_item.translate(part.title, draft.language))
        return BundlePartRow(
            number=number, request_id=request_id, item=item.id, department=item.department,
            title=title, body=part_body(item, answers, draft.language), answers=answers,
            decision={"type": decision.type, "queue": decision.queue,
                      "service": decision.service, "sla": decision.sla,
                      "priority": decision.priority, "owner": decision.owner,
                      "deadline": decision.deadline.isoformat(),
                      "dynamic_fields": decision.dynamic_fields()},
            customer_id=company)

    def _department_title(self, department: str, language: str) -> str:
        """The department's title in ``language`` (its id when no plugin registers it)."""
        found = next((d for d in self._plugins.departments(include_disabled=True)
                      if d.id == department), None)
        return found.translate(found.title, language) if found else department

    def parts(self, ticket_id: int, language: str) -> Sequence[PartView] | None:
        with self._sessions() as session:
            bundle = bundle_of_ticket(session, ticket_id)
            if bundle is None:
                return None
            statuses = part_statuses(session, bundle.id)
        # the department switches are read once per page, not once per part
        titles = {d.id: d.translate(d.title, language)
                  for d in self._plugins.departments(include_disabled=True)}
        return [self._view(s, language, titles) for s in statuses]

    def _view(self, status: PartStatus, language: str, titles: dict[str, str]) -> PartView:
        part = status.part
        state = status.state or ""
        try:
            item = self._plugins.item(part.item, include_disabled=True)
        except PluginError:
            item = None
        step = item.process.step_for_state(state) if item is not None and state else None
        if item is not None and step is not None:
            state = gettext(item.process.domain, language, step.label)
        return PartView(title=part.title, department=titles.get(part.department,
                                                                part.department),
                        state=state, ticket_number=status.ticket_number,
                        closed=status.closed, ticket_id=status.ticket_id)
