""":class:`~radiant_ext.portal.bundles.BundlePort` on the local store and the plugins.

Filing a bundle records it and its parts — each routed now as its part item (queue,
priority, owner, deadline) with the answers the bundle passes on — in one transaction
before the outbox stores the parent, so no parent is in Znuny without its parts recorded.
The parts are filed by the ``bundle-parts`` sync job (:mod:`radiant_ext.sync.bundles`).

For the pages, a part's ticket is found through the outbox (its request id is the part's),
its state in the ticket cache; whether the viewer may see it is decided by its customer as
the cache has it (the bundle's requester and company until it is pulled).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from radiant_ext.i18n import gettext
from radiant_ext.plugins import Plugins, RequestContext
from radiant_ext.plugins.bundle import BundlePart, part_answers, part_title
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.errors import PluginError
from radiant_ext.portal.adapters.submission import _sender
from radiant_ext.portal.bundles import (
    BundleProgress,
    ListedBundles,
    ParentLink,
    PartUnavailable,
    PartView,
)
from radiant_ext.portal.ports import Customer, RequestDraft
from radiant_ext.portal.scoping import ticket_visible
from radiant_ext.store import BundlePartRow, BundleRow, Outbox, TicketCache
from radiant_ext.store.bundles import PartStatus, part_request_id

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

    def parts(self, ticket_id: int, language: str,
              customer: Customer | None = None) -> Sequence[PartView] | None:
        with self._sessions() as session:
            found = _parts_of_parents(session, [ticket_id])
        if ticket_id not in found:
            return None
        return self._views(found[ticket_id], language, customer, self._titles(language))

    def listed(self, customer: Customer, ticket_ids: Sequence[int],
               language: str) -> ListedBundles:
        ids = sorted({i for i in ticket_ids if i})
        if not ids:
            return ListedBundles()
        with self._sessions() as session:
            found = _parts_of_parents(session, ids)
            parents = _parents_of_parts(session, ids)
        titles = self._titles(language) if found else {}
        progress = {parent: BundleProgress(tuple(self._views(rows, language, customer,
                                                             titles)))
                    for parent, rows in found.items()}
        return ListedBundles(progress, {
            part: ParentLink(row.parent_id, row.parent_number or "",
                             row.cached_title or row.title)
            for part, row in parents.items()
            if ticket_visible(customer, row.cached_user or row.customer_user,
                              row.cached_company or row.customer_id)})

    def _titles(self, language: str) -> dict[str, str]:
        """Department id → title in ``language`` (read once per page, not once per part)."""
        return {d.id: d.translate(d.title, language)
                for d in self._plugins.departments(include_disabled=True)}

    def _views(self, rows: Sequence[Any], language: str, customer: Customer | None,
               titles: dict[str, str]) -> list[PartView]:
        """The parts ``rows`` (of :func:`_parts_of_parents`) as the page shows them; with
        ``customer``, only those they may see."""
        return [self._view(PartStatus(r.BundlePartRow, r.ticket_id, r.ticket_number, r.state,
                                      r.state_type), language, titles)
                for r in rows
                if customer is None or ticket_visible(
                    customer, r.cached_user or r.customer_user,
                    r.cached_company or r.BundlePartRow.customer_id)]

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


def _parts_statement() -> Executable:
    """The query of :func:`_parts_of_parents`, for the expanding parameter ``ids``."""
    parent_box = aliased(Outbox, name="parent_box")
    return (select(parent_box.ticket_id.label("parent_id"), BundlePartRow,
                   BundleRow.customer_user, Outbox.ticket_id, Outbox.ticket_number,
                   TicketCache.state, TicketCache.state_type,
                   TicketCache.customer_user_id.label("cached_user"),
                   TicketCache.customer_id.label("cached_company"))
            .select_from(parent_box)
            .join(BundleRow, BundleRow.request_id == parent_box.request_id)
            .join(BundlePartRow, BundlePartRow.bundle_id == BundleRow.id)
            .outerjoin(Outbox, Outbox.request_id == BundlePartRow.request_id)
            .outerjoin(TicketCache, TicketCache.ticket_id == Outbox.ticket_id)
            .where(parent_box.ticket_id.in_(bindparam("ids", expanding=True)))
            .order_by(parent_box.ticket_id, BundlePartRow.number))


def _parents_statement() -> Executable:
    """The query of :func:`_parents_of_parts`, for the expanding parameter ``ids``."""
    part_box, parent_box = aliased(Outbox, name="part_box"), aliased(Outbox, name="parent_box")
    return (select(part_box.ticket_id.label("part_id"), parent_box.ticket_id.label("parent_id"),
                   parent_box.ticket_number.label("parent_number"), parent_box.title,
                   TicketCache.title.label("cached_title"),
                   TicketCache.customer_user_id.label("cached_user"),
                   TicketCache.customer_id.label("cached_company"),
                   BundleRow.customer_user, BundlePartRow.customer_id)
            .select_from(part_box)
            .join(BundlePartRow, BundlePartRow.request_id == part_box.request_id)
            .join(BundleRow, BundleRow.id == BundlePartRow.bundle_id)
            .join(parent_box, parent_box.request_id == BundleRow.request_id)
            .outerjoin(TicketCache, TicketCache.ticket_id == parent_box.ticket_id)
            .where(part_box.ticket_id.in_(bindparam("ids", expanding=True)),
                   parent_box.ticket_id.is_not(None)))


_PARTS = _parts_statement()
_PARENTS = _parents_statement()
"""Built once: building the aliased entities' columns costs about a millisecond a page."""


def _parts_of_parents(session: Session, ticket_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Parent ticket id → its parts in order, for those of ``ticket_ids`` that are bundle
    requests: each part's row, its ticket (id, number) once filed, and its state and customer
    (``cached_user``, ``cached_company``) once pulled; ``customer_user`` is the bundle's."""
    found: dict[int, list[Any]] = {}
    for row in session.execute(_PARTS, {"ids": list(ticket_ids)}):
        found.setdefault(int(row.parent_id), []).append(row)
    return found


def _parents_of_parts(session: Session, ticket_ids: Sequence[int]) -> dict[int, Any]:
    """Part ticket id → its parent (``parent_id``, ``parent_number``, the title the outbox
    and the cache have, the customer the cache and the bundle have), for those of
    ``ticket_ids`` that are parts of a filed parent."""
    rows = session.execute(_PARENTS, {"ids": list(ticket_ids)})
    return {int(row.part_id): row for row in rows}
