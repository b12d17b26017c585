# mypy: disable-error-code="empty-body"
"""Hook specifications of radiant_ext (entry-point group ``radiant_ext``).

Every hook is called with keyword arguments only, through :class:`radiant_ext.plugins.Plugins`.
A plugin implements any subset, decorating functions with :data:`hookimpl`. The sections in
``docs/plugin_hooks.md`` are headed by these exact signatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flask import Blueprint

    from radiant_ext.plugins.catalog import CatalogItem, Department
    from radiant_ext.plugins.models import (
        Classification,
        EmailTicket,
        FieldError,
        RequestContext,
        RoutingDecision,
        StoreInfo,
        SyncJob,
    )

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "radiant_ext"
"""Project name of the markers and the entry-point group plugins register under."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def radiant_departments() -> Sequence[Department]:
    """Register the departments this plugin provides.

    :return: departments (``Department.plugin`` is filled in by the manager).
    """


@hookspec
def radiant_catalog_items() -> Sequence[CatalogItem]:
    """Register catalog items; each names its department.

    :return: the plugin's catalog items. Ids must be unique across all plugins.
    """


@hookspec
def radiant_stores() -> Sequence[StoreInfo]:
    """Contribute entries to the store directory (store id → name, tier, time zone, trading
    hours calendar).

    Entries from plugins called earlier win over later ones with the same id. There is no
    built-in directory: the ``stores:`` of the catalog directories (``catalog-dirs``) and of
    plugins make it up.

    :return: stores.
    """


@hookspec(firstresult=True)
def radiant_route_request(
    item: CatalogItem, request: RequestContext, store: StoreInfo | None
) -> RoutingDecision | None:
    """Decide type, queue, service, SLA, priority, owner and deadline for a request.

    The first plugin returning a decision wins; the built-in rule engine (``trylast``)
    applies the item's routing, priority rules and deadline policy when no plugin does.

    :param item: the catalog item picked.
    :param request: who, where, when and the form values.
    :param store: the store from the directory, ``None`` when unknown or not given.
    :return: a decision, or ``None`` to leave it to the next plugin.
    """


@hookspec
def radiant_validate_fields(
    item: CatalogItem, fields: Mapping[str, Any], store: StoreInfo | None
) -> Sequence[FieldError]:
    """Check a request's form values; all plugins' errors are collected.

    The built-in implementation checks required fields and each field kind's rules.

    :param item: the catalog item whose form was filled in.
    :param fields: values by field id (strings; attachments as file names or file objects).
    :param store: the requester's store, if known.
    :return: problems found (empty when the values are fine).
    """


@hookspec(firstresult=True)
def radiant_classify_ticket(
    ticket: EmailTicket, items: Sequence[CatalogItem]
) -> Classification | None:
    """Suggest a catalog item for an e-mail-born ticket.

    The built-in implementation (``trylast``) scores each item's ``keywords`` against the
    ticket's title and first article.

    :param ticket: the ticket's title, body, customer and queue.
    :param items: the enabled catalog items to choose from.
    :return: the suggestion, or ``None`` when this plugin has none.
    """


@hookspec
def radiant_ticket_created(
    ticket_id: int, ticket_number: str, item: CatalogItem | None, decision: RoutingDecision | None
) -> None:
    """React to a ticket the companion created (portal request or classified e-mail).

    :param ticket_id: Znuny's TicketID.
    :param ticket_number: Znuny's TicketNumber.
    :param item: the catalog item, when known.
    :param decision: the routing applied, when known.
    """


@hookspec
def radiant_ticket_updated(ticket_id: int, ticket_number: str, changes: Mapping[str, Any]) -> None:
    """React to a change sync noticed on a ticket.

    :param ticket_id: Znuny's TicketID.
    :param ticket_number: Znuny's TicketNumber.
    :param changes: changed attributes, new values by name (``state``, ``owner``…).
    """


@hookspec
def radiant_workflow_move_refused(
    ticket_id: int, ticket_number: str, item: str | None, from_state: str, to_state: str,
    from_step: str | None, to_step: str | None, actor: str,
) -> None:
    """React to a move outside an item's workflow that the companion put back.

    Called once per refused move, after Znuny took the state back and the internal note.

    :param ticket_id: Znuny's TicketID.
    :param ticket_number: Znuny's TicketNumber.
    :param item: the catalog item id (``RadiantCategory``).
    :param from_state: the Znuny state the ticket was put back to.
    :param to_state: the Znuny state the refused move went to.
    :param from_step: the workflow step id of ``from_state``.
    :param to_step: the step id of ``to_state``; ``None`` for a state outside the workflow.
    :param actor: who made the move: ``agent`` (in Znuny).
    """


@hookspec
def radiant_portal_blueprints() -> Sequence[Blueprint]:
    """Contribute Flask blueprints the portal registers.

    :return: blueprints (unique names; prefix URLs with the department).
    """


@hookspec
def radiant_template_folders() -> Sequence[str | Path]:
    """Contribute template folders searched after the portal's own templates.

    :return: folder paths.
    """


@hookspec
def radiant_sync_jobs() -> Sequence[SyncJob]:
    """Contribute scheduled jobs to ``radiant-ext sync``.

    :return: job declarations; ids must be unique.
    """
