""":class:`Plugins` — the one object portal, sync and CLI call instead of ``pm.hook``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pluggy

from radiant_ext.plugins.bundle import check_bundles
from radiant_ext.plugins.catalog import CatalogItem, Department, StoreField
from radiant_ext.plugins.enablement import EnablementStore
from radiant_ext.plugins.errors import (
    DepartmentDisabledError,
    ItemDisabledError,
    PluginError,
    UnknownItemError,
)
from radiant_ext.plugins.models import (
    Classification,
    EmailTicket,
    FieldError,
    PluginInfo,
    RequestContext,
    RoutingDecision,
    StoreInfo,
    SyncJob,
    Viewer,
)
from radiant_ext.plugins.stores import StoreDefaults

if TYPE_CHECKING:
    from flask import Blueprint

__all__ = ["Plugins"]

_log = logging.getLogger("radiant_ext.plugins")


class Plugins:
    """Typed access to every hook, with department enablement and visibility applied.

    Departments, items and stores are collected once and cached (call :meth:`reload` after
    registering plugins); enablement is read on every call so a switch made by an admin in
    another process takes effect at once.

    :param pm: from :func:`make_plugin_manager`.
    :param enablement: where department switches live; ``None``: every department enabled.
    :param store_defaults: completes directory entries and stands in for unknown stores
        (the installation's default time zone, Znuny's company names).
    :param head_office: the customer companies of the head office (a department enabled
        for the head office only is shown to them).
    """

    def __init__(self, pm: pluggy.PluginManager, *, enablement: EnablementStore | None = None,
                 store_defaults: StoreDefaults | None = None,
                 head_office: Sequence[str] = ()):
        self.pm = pm
        self.enablement = enablement
        self.store_defaults = store_defaults or StoreDefaults()
        self.head_office = tuple(head_office)
        self._departments: dict[str, Department] | None = None
        self._items: dict[str, CatalogItem] | None = None
        self._stores: dict[str, StoreInfo] | None = None

    # -- registry -------------------------------------------------------------------------
    def reload(self) -> None:
        """Forget cached departments, items and stores."""
        self._departments = self._items = self._stores = None

    def _collect_departments(self) -> dict[str, Department]:
        out: dict[str, Department] = {}
        for impl, call in _one_by_one(self.pm, "radiant_departments"):
            for dept in _listed(call()):
                if dept.id in out:
                    raise PluginError(
                        f"department {dept.id!r} registered by both {out[dept.id].plugin!r} "
                        f"and {impl.plugin_name!r}"
                    )
                out[dept.id] = dept.model_copy(update={"plugin": impl.plugin_name})
        return dict(sorted(out.items(), key=lambda kv: (kv[1].order, kv[0])))

    def _collect_items(self) -> dict[str, CatalogItem]:
        departments = self._all_departments()
        out: dict[str, CatalogItem] = {}
        owner: dict[str, str] = {}
        for impl, call in _one_by_one(self.pm, "radiant_catalog_items"):
            for item in _listed(call()):
                if item.id in out:
                    raise PluginError(f"catalog item {item.id!r} registered by both "
                                      f"{owner[item.id]!r} and {impl.plugin_name!r}")
                if item.department not in departments:
                    raise PluginError(f"catalog item {item.id!r} ({impl.plugin_name}) names "
                                      f"unknown department {item.department!r}")
                out[item.id] = item
                owner[item.id] = impl.plugin_name
        withdrawn, problems = check_bundles(out)
        if problems:
            raise PluginError("; ".join(problems))
        for item_id, why in withdrawn.items():  # offered again once the plugin is installed
            _log.warning("bundle left out of the catalog: %s", why)
            del out[item_id]
        def key(kv: tuple[str, CatalogItem]) -> tuple[int, str, int]:
            dept = departments[kv[1].department]  # stable: equal keys keep file order
            return (dept.order, dept.id, kv[1].order)

        return dict(sorted(out.items(), key=key))

    def _all_departments(self) -> dict[str, Department]:
        if self._departments is None:
            self._departments = self._collect_departments()
        return self._departments

    def _all_items(self) -> dict[str, CatalogItem]:
        if self._items is None:
            self._items = self._collect_items()
        return self._items

    # -- departments ----------------------------------------------------------------------
    def department_states(self) -> dict[str, bool]:
        """Return every registered department id → enabled."""
        switched = dict(self.enablement.department_states()) if self.enablement else {}
        return {d: switched.get(d, True) for d in self._all_departments()}

    def departments(self, *, include_disabled: bool = False) -> list[Department]:
        """Return registered departments (enabled ones unless ``include_disabled``)."""
        states = self.department_states()
        return [d for d in self._all_departments().values() if include_disabled or states[d.id]]

    def set_department_enabled(self, department: str, enabled: bool, *, actor: str) -> None:
        """Switch ``department`` on or off, persisted in :attr:`enablement`.

        :raises PluginError: unknown department or no enablement store configured.
        """
        if department not in self._all_departments():
            known = ", ".join(self._all_departments()) or "none"
            raise PluginError(f"unknown department {department!r} (known: {known})")
        if self.enablement is None:
            raise PluginError("no place to persist department switches is configured")
        self.enablement.set_department_enabled(department, enabled, actor)

    def department_scopes(self) -> dict[str, Any]:
        """Return the departments enabled for some customers only, id → scope (an object
        with ``allows(company=, tier=, head_office_companies=)``); the others are for
        everyone."""
        source = getattr(self.enablement, "department_scopes", None)
        return dict(source()) if source is not None else {}

    def in_scope(self, department: str, viewer: Viewer) -> bool:
        """Whether ``viewer`` is among those ``department`` is enabled for."""
        scope = self.department_scopes().get(department)
        if scope is None:
            return True
        store = self.store(viewer.company) if viewer.company else None
        return bool(scope.allows(company=viewer.company, tier=store.tier if store else None,
                                 head_office_companies=self.head_office))

    def disabled_items(self) -> dict[str, str]:
        """Return items switched off by the catalog check, id → reason (none without a store)."""
        source = getattr(self.enablement, "disabled_items", None)
        return dict(source()) if source is not None else {}

    # -- catalog --------------------------------------------------------------------------
    def catalog_items(
        self, department: str | None = None, *, viewer: Viewer | None = None,
        include_disabled: bool = False,
    ) -> list[CatalogItem]:
        """Return catalog items of enabled departments, optionally of one department and
        only those ``viewer`` may see."""
        states = self.department_states()
        off = {} if include_disabled else self.disabled_items()
        return [
            item for item in self._all_items().values()
            if (include_disabled or (states.get(item.department, False) and item.id not in off))
            and (department is None or item.department == department)
            and (viewer is None or self.is_visible(item, viewer))
        ]

    def item(self, item_id: str, *, include_disabled: bool = False) -> CatalogItem:
        """Return the item ``item_id``.

        :raises UnknownItemError: no such item.
        :raises DepartmentDisabledError: its department is disabled (unless
            ``include_disabled``).
        :raises ItemDisabledError: the catalog check disabled it (unless ``include_disabled``).
        """
        found = self._all_items().get(item_id)
        if found is None:
            raise UnknownItemError(f"unknown catalog item {item_id!r}")
        if include_disabled:
            return found
        if not self.department_states().get(found.department, False):
            raise DepartmentDisabledError(
                f"catalog item {item_id!r}: department {found.department!r} is disabled")
        reason = self.disabled_items().get(item_id)
        if reason is not None:
            raise ItemDisabledError(f"catalog item {item_id!r} is disabled: {reason}")
        return found

    def is_visible(self, item: CatalogItem, viewer: Viewer) -> bool:
        """Return whether ``viewer`` may see ``item`` (see :class:`Visibility`) and is among
        those its department is enabled for (:meth:`in_scope`)."""
        if not self.in_scope(item.department, viewer):
            return False
        vis = item.visibility
        if vis.unrestricted:
            return True
        store = self.store(viewer.company) if viewer.company else None
        return bool(
            (viewer.company and viewer.company in vis.companies)
            or set(vis.groups) & set(viewer.groups)
            or (store and ("*" in vis.stores or store.id in vis.stores))
            or (store and store.tier in vis.store_tiers)
        )

    # -- stores ---------------------------------------------------------------------------
    def stores(self) -> dict[str, StoreInfo]:
        """Return the store directory, id → store (earlier plugins win over later ones).

        Entries are completed by :attr:`store_defaults` (time zone, name from Znuny).
        """
        if self._stores is None:
            merged: dict[str, StoreInfo] = {}
            for group in self.pm.hook.radiant_stores():
                for store in group:
                    merged.setdefault(store.id, store)
            self._stores = self.store_defaults.complete(dict(sorted(merged.items())))
        return self._stores

    def store(self, store_id: str) -> StoreInfo | None:
        """Return one store of the directory, ``None`` when unknown."""
        return self.stores().get(store_id)

    def knows_company(self, company: str) -> bool:
        """Return whether the catalogs know customer company ``company``: a store of the
        directory, or a company some item's visibility names (``head-office``)."""
        return self.store(company) is not None or any(
            company in item.visibility.companies for item in self._all_items().values())

    # -- behaviour ------------------------------------------------------------------------
    def route(self, item: CatalogItem, request: RequestContext) -> RoutingDecision:
        """Return the routing decision for ``request`` on ``item`` (first plugin wins).

        Without ``request.store_id``, the value of the item's first store field (a public
        complaint names the store in the form) is the store concerned. A store id the
        directory does not know is routed as a store of the default tier in the default time
        zone (:class:`StoreDefaults`), and the decision's first rule fired says so.

        :raises DepartmentDisabledError: the item's department is disabled.
        :raises PluginError: the request time has no time zone.
        """
        self.item(item.id)
        request = _with_store(item, request)
        store, note = None, None
        if request.store_id:
            store = self.store(request.store_id)
            if store is None:
                store, note = self.store_defaults.unknown(request.store_id)
        if request.submitted_at.utcoffset() is None:
            raise PluginError("the request time must carry a time zone")
        result = cast(RoutingDecision,
                      self.pm.hook.radiant_route_request(item=item, request=request, store=store))
        if note is not None:
            result = result.model_copy(update={"rules_fired": [note, *result.rules_fired]})
        return result

    def validate(
        self, item: CatalogItem, fields: Mapping[str, Any], *, store_id: str | None = None
    ) -> list[FieldError]:
        """Return every plugin's problems with ``fields`` (empty list: the form is fine)."""
        store = self.store(store_id) if store_id else None
        groups = self.pm.hook.radiant_validate_fields(item=item, fields=fields, store=store)
        return [error for group in groups for error in group]

    def classify(self, ticket: EmailTicket) -> Classification | None:
        """Suggest an enabled catalog item for an e-mail-born ticket, or ``None``.

        When the ticket's customer company is one the catalogs know (a store of the
        directory, or a company an item's visibility names), the items that company may see
        are tried first — an outside customer's mail about a till is a complaint, not an IT
        incident — and only if none matches, every enabled item (office staff do report a
        store's broken till). Bundles are never suggested: their parts are filed only from
        the portal's form.
        """
        items = [i for i in self.catalog_items() if i.bundle is None]
        company = ticket.customer_id
        if company is not None and self.knows_company(company):
            visible = [i for i in items if self.is_visible(i, Viewer(company=company))]
            found = self._classify(ticket, visible) if visible else None
            if found is not None or len(visible) == len(items):
                return found
        return self._classify(ticket, items)

    def _classify(self, ticket: EmailTicket, items: list[CatalogItem]) -> Classification | None:
        if not items:
            return None
        result = self.pm.hook.radiant_classify_ticket(ticket=ticket, items=items)
        return cast(Classification | None, result)

    def ticket_created(
        self, ticket_id: int, ticket_number: str, *, item: CatalogItem | str | None = None,
        decision: RoutingDecision | None = None,
    ) -> None:
        """Tell plugins the companion created (or routed) a ticket in Znuny.

        Call it once per ticket, after Znuny confirmed it: the portal when
        ``submit_request`` sent the request, the outbox drain when it delivered or found one,
        the webhook when it routed an e-mail-born ticket.

        :param item: the catalog item, or its id (``RadiantCategory``; an unknown id gives
            ``None``, a disabled item is still passed: the ticket exists). Without it, the
            item of ``decision`` is used.
        :param decision: the routing decision applied, when the caller has it.

        Never raises for a plugin's failure: each plugin is called on its own, a failing one is
        logged (logger ``radiant_ext.plugins``) and the others still hear about the ticket.
        """
        if isinstance(item, str):
            item = self._all_items().get(item)
        if item is None and decision is not None:
            item = self._all_items().get(decision.item_id)
        self._notify("radiant_ticket_created", {"ticket_id": ticket_id,
                     "ticket_number": ticket_number, "item": item, "decision": decision})

    def ticket_updated(self, ticket_id: int, ticket_number: str,
                       changes: Mapping[str, Any]) -> None:
        """Tell plugins sync noticed ``changes`` (attribute → new value) on a ticket.

        Never raises for a plugin's failure (see :meth:`ticket_created`).
        """
        self._notify("radiant_ticket_updated", {"ticket_id": ticket_id,
                     "ticket_number": ticket_number, "changes": changes})

    def workflow_move_refused(self, ticket_id: int, ticket_number: str, *, item: str | None,
                              from_state: str, to_state: str, from_step: str | None,
                              to_step: str | None, actor: str) -> None:
        """Tell plugins a move outside the item's workflow was put back (once per move).

        Never raises for a plugin's failure (see :meth:`ticket_created`).
        """
        self._notify("radiant_workflow_move_refused", {
            "ticket_id": ticket_id, "ticket_number": ticket_number, "item": item,
            "from_state": from_state, "to_state": to_state, "from_step": from_step,
            "to_step": to_step, "actor": actor})

    def _notify(self, hook_name: str, kwargs: dict[str, Any]) -> None:
        """Call each implementation of a notification hook separately, in pluggy's order.

        A hook wrapper cannot be called on its own; with one present the hook is called as a
        whole (a failure then stops the plugins after it, and is logged the same way).
        """
        caller = cast(pluggy.HookCaller, getattr(self.pm.hook, hook_name))
        calls: list[tuple[str, Callable[..., object]]]
        if any(impl.hookwrapper or impl.wrapper for impl in caller.get_hookimpls()):
            calls = [("(hook wrappers)", caller)]
        else:
            calls = [(impl.plugin_name, call) for impl, call in _one_by_one(self.pm, hook_name)]
        for plugin_name, call in calls:
            try:
                call(**kwargs)
            except Exception:  # a plugin's bug must not undo or block a filed ticket
                _log.exception("plugin %s failed in %s for ticket %s", plugin_name, hook_name,
                               kwargs["ticket_id"])

    def portal_blueprints(self) -> list[Blueprint]:
        """Return the blueprints plugins contribute to the portal."""
        return [bp for group in self.pm.hook.radiant_portal_blueprints() for bp in group]

    def template_folders(self) -> list[Path]:
        """Return template folders plugins contribute, as paths."""
        return [Path(p) for group in self.pm.hook.radiant_template_folders() for p in group]

    def sync_jobs(self) -> list[SyncJob]:
        """Return the jobs plugins contribute to sync.

        :raises PluginError: two jobs share an id.
        """
        jobs = [job for group in self.pm.hook.radiant_sync_jobs() for job in group]
        ids = [j.id for j in jobs]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise PluginError(f"sync job ids registered twice: {', '.join(dupes)}")
        return jobs

    def plugin_infos(self) -> list[PluginInfo]:
        """Describe every registered and blocked plugin, for ``radiant-ext plugins``."""
        from radiant_ext.plugins.builtin import BUILTIN_NAME, CATALOG_DIRS_NAME

        depts = self._all_departments().values()
        dists: Mapping[str, tuple[str, str]] = getattr(self.pm, "distributions", {})
        infos = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda np: np[0]):
            if plugin is None:  # pluggy keeps a blocked name with no plugin: listed below
                continue
            mine = sorted(d.id for d in depts if d.plugin == name)
            count = sum(1 for i in self._all_items().values() if i.department in mine)
            dist = dists.get(name)
            infos.append(PluginInfo(
                name=name, departments=mine, items=count,
                builtin=name in (BUILTIN_NAME, CATALOG_DIRS_NAME),
                distribution=dist[0] if dist else None, version=dist[1] if dist else None))
        for name in sorted(getattr(self.pm, "blocked_names", ())):
            infos.append(PluginInfo(name=name, blocked=True))
        return infos


def _with_store(item: CatalogItem, request: RequestContext) -> RequestContext:
    """Fill ``store_id`` from the item's first store field when the caller gave none."""
    if request.store_id:
        return request
    for spec in item.fields:
        value = str(request.fields.get(spec.id) or "").strip()
        if isinstance(spec, StoreField) and value:
            return replace(request, store_id=value)
    return request


def _one_by_one(pm: pluggy.PluginManager,
                hook_name: str) -> list[tuple[pluggy.HookImpl, Callable[..., Any]]]:
    """Each implementation of a hook with a caller of it alone, in pluggy's call order.

    The callers are pluggy's own (``subset_hook_caller``), so tracing and call monitoring
    (``add_hookcall_monitoring``) see every call; calling them one at a time tells which
    plugin answered what, and lets one plugin's failure be reported as its own.
    """
    plugins = pm.get_plugins()
    impls = cast(pluggy.HookCaller, getattr(pm.hook, hook_name)).get_hookimpls()
    out: list[tuple[pluggy.HookImpl, Callable[..., Any]]] = []
    for impl in reversed(impls):
        others = [p for p in plugins if p is not impl.plugin]
        caller = pm.subset_hook_caller(hook_name, remove_plugins=others)
        out.append((impl, lambda caller=caller, **kw: _first(caller(**kw))))
    return out


def _first(results: Any) -> Any:
    """The one result of a hook called for one plugin (``None`` when it returned none)."""
    return results[0] if results else None


def _listed(result: Any) -> list[Any]:
    """A hook's list answer; ``None`` counts as an empty list."""
    return list(cast("Sequence[Any] | None", result) or ())


