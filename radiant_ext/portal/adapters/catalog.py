"""The catalog port over :class:`radiant_ext.plugins.Plugins`.

The store a request concerns is a routing input (a flagship store outranks the others), so a
customer of a store can never choose it: their own company is used, and a store field is not
shown. Only customers of other companies (head office, say) pick a store from the directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from radiant_ext.plugins import (
    AttachmentField,
    CatalogItem,
    ChoiceField,
    DateField,
    DepartmentDisabledError,
    ItemDisabledError,
    NumberField,
    Plugins,
    RequestContext,
    SerialNumberField,
    StoreField,
    TextField,
    UnknownItemError,
    Viewer,
)
from radiant_ext.plugins.catalog import DEPARTMENT_ICONS
from radiant_ext.plugins.models import RecentIncidents
from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW, Workflow
from radiant_ext.portal.ports import (
    CatalogItemView,
    Customer,
    DepartmentView,
    FieldView,
    RoutingPreview,
)

__all__ = ["PluginCatalog"]


class PluginCatalog:
    """:class:`~radiant_ext.portal.ports.CatalogPort` backed by the plugin wrapper.

    :param plugins: the typed plugin wrapper. It applies department switches and hides items
        the catalog check disabled (they name a queue, service or SLA Znuny lacks), so such an
        item is never offered as a form that cannot be filed.
    :param recent_incidents: answers repeat-incident rules (from the ticket cache), as the
        webhook's router does, so both paths route a request the same way.
    """

    def __init__(
        self, plugins: Plugins, recent_incidents: RecentIncidents | None = None
    ) -> None:
        self.plugins = plugins
        self._recent = recent_incidents

    def _viewer(self, customer: Customer) -> Viewer:
        return Viewer(company=customer.customer_id or None, login=customer.login)

    def _own_store(self, customer: Customer) -> str | None:
        found = self.plugins.store(customer.customer_id) if customer.customer_id else None
        return found.id if found else None

    def departments(self, customer: Customer, language: str) -> list[DepartmentView]:
        items = self.plugins.catalog_items(viewer=self._viewer(customer))
        views = []
        for dept in self.plugins.departments():
            mine = [self._view(i, customer, language) for i in items if i.department == dept.id]
            if mine:
                about = dept.translate(dept.description, language) if dept.description else ""
                summary = dept.translate(dept.summary, language) if dept.summary else ""
                views.append(DepartmentView(dept.id, dept.translate(dept.title, language),
                                            tuple(mine), about, dept.icon_name, summary))
        return views

    def _department_icon(self, department: str) -> str:
        found = next((d for d in self.plugins.departments() if d.id == department), None)
        return found.icon_name if found else DEPARTMENT_ICONS.get(department, "help")

    def _item(self, item_id: str, customer: Customer) -> CatalogItem | None:
        try:
            item = self.plugins.item(item_id)
        except (UnknownItemError, DepartmentDisabledError, ItemDisabledError):
            return None
        return item if self.plugins.is_visible(item, self._viewer(customer)) else None

    def item(self, item_id: str, customer: Customer, language: str) -> CatalogItemView | None:
        found = self._item(item_id, customer)
        return self._view(found, customer, language) if found else None

    def _view(self, item: CatalogItem, customer: Customer, language: str) -> CatalogItemView:
        own_store = self._own_store(customer)
        fields = [
            view for spec in item.fields
            if (view := self._field(item, spec, language, own_store)) is not None
        ]
        return CatalogItemView(
            id=item.id,
            department=item.department,
            title=item.translate(item.title, language),
            summary=item.translate(item.summary, language) if item.summary else "",
            help=item.translate(item.help, language) if item.help else "",
            try_first=tuple(item.translate(t, language) for t in item.try_first),
            fields=tuple(fields),
            keywords=tuple(item.keywords),
            icon=item.icon or self._department_icon(item.department),
            show_priority=item.priority_shown,
            approval_state=item.approval.state if item.approval else None,
        )

    def _field(self, item: CatalogItem, spec: Any, language: str,
               own_store: str | None) -> FieldView | None:
        common: dict[str, Any] = {
            "name": spec.id,
            "label": item.translate(spec.label, language),
            "required": spec.required,
            "help": item.translate(spec.help, language) if spec.help else "",
        }
        if isinstance(spec, TextField):
            if spec.kind == "long_text":
                return FieldView(kind="textarea", max_length=spec.max_length, **common)
            return FieldView(kind="text", max_length=spec.max_length, **common)
        if isinstance(spec, ChoiceField):
            options = tuple((o.value, item.translate(o.label, language)) for o in spec.options)
            return FieldView(kind="select", choices=options, **common)
        if isinstance(spec, NumberField):
            return FieldView(kind="number", integer=spec.integer, minimum=spec.min,
                             maximum=spec.max, **common)
        if isinstance(spec, DateField):
            return FieldView(kind="date", minimum=spec.min_days_ahead,
                             maximum=spec.max_days_ahead, **common)
        if isinstance(spec, SerialNumberField):
            return FieldView(kind="text", max_length=32, **common)
        if isinstance(spec, StoreField):
            if own_store is not None:
                return None  # a store's own staff never choose the store (module docstring)
            stores = tuple((s.id, s.name) for s in self.plugins.stores().values())
            return FieldView(kind="select", choices=stores, **common)
        if isinstance(spec, AttachmentField):
            return FieldView(kind="file", extensions=tuple(spec.extensions), **common)
        return None

    def _store_for(self, item: CatalogItem, customer: Customer,
                   fields: Mapping[str, str]) -> str | None:
        own = self._own_store(customer)
        if own is not None:
            return own
        for spec in item.fields:
            if isinstance(spec, StoreField) and fields.get(spec.id):
                chosen = fields[spec.id]
                return chosen if self.plugins.store(chosen) else None
        return None

    def _context(self, item: CatalogItem, customer: Customer,
                 fields: Mapping[str, str], at: datetime | None = None) -> RequestContext:
        store = self._store_for(item, customer, fields)
        values = dict(fields)
        for spec in item.fields:
            if isinstance(spec, StoreField) and store is not None:
                values[spec.id] = store
        return RequestContext(
            store_id=store, fields=values, submitted_at=at or datetime.now(UTC),
            customer_user=customer.login, customer_company=customer.customer_id or None,
            recent_incidents=self._recent,
        )

    def route(
        self, item: CatalogItemView, customer: Customer, fields: Mapping[str, str],
        at: datetime | None = None,
    ) -> RoutingPreview:
        found = self._item(item.id, customer)
        if found is None:
            raise UnknownItemError(f"catalog item {item.id!r} is not available")
        decision = self.plugins.route(found, self._context(found, customer, fields, at))
        store = self.plugins.stores().get(decision.store_id) if decision.store_id else None
        return RoutingPreview(decision.deadline, decision,
                              str(store.time_zone) if store is not None else None)

    def validate(
        self, item: CatalogItemView, customer: Customer, fields: Mapping[str, str],
        language: str,
    ) -> dict[str, str]:
        found = self._item(item.id, customer)
        if found is None:
            return {}
        context = self._context(found, customer, fields)
        errors = self.plugins.validate(found, context.fields, store_id=context.store_id)
        problems: dict[str, str] = {}
        for error in errors:
            problems.setdefault(error.field, error.get(language))
        return problems

    def store_names(self) -> Mapping[str, str]:
        return {store.id: store.name for store in self.plugins.stores().values()}

    def store_zones(self) -> Mapping[str, str]:
        return {store.id: str(store.time_zone) for store in self.plugins.stores().values()}

    def knows_company(self, customer: Customer) -> bool:
        return bool(customer.customer_id) and self.plugins.knows_company(customer.customer_id)

    def workflow(self, item_id: str) -> Workflow:
        try:  # a request of an item switched off since keeps its steps
            return self.plugins.item(item_id, include_disabled=True).process
        except UnknownItemError:
            return DEFAULT_WORKFLOW
