"""Tickets per asset: the serial numbers and asset models customers typed into request forms.

The portal keeps each request's form values with its outbox row; the ticket pull copies them
into the cache (``ticket_cache.form_values``). Only items with an asset field count: a field of
kind ``serial_number`` in the catalog, or a field whose id is one of
:data:`~radiant_ext.reports.context.ASSET_FIELD_IDS` (``serial``, ``model``, …). Values are
compared without surrounding spaces and case, so ``sn-0042 `` and ``SN-0042`` are one device.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from radiant_ext.reports.context import ASSET_FIELD_IDS, ReportContext
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, ReportTable
from radiant_ext.store import TicketCache

__all__ = ["tickets_by_asset"]

CLOSED = frozenset({"closed", "removed", "merged"})


@dataclass
class _Asset:
    item: str
    field: str
    label: str
    value: str
    tickets: int = 0
    open: int = 0
    first: date | None = None
    last: date | None = None

    def add(self, day: date | None, still_open: bool) -> None:
        self.tickets += 1
        self.open += still_open
        if day is not None:
            self.first = min(self.first or day, day)
            self.last = max(self.last or day, day)


def _fields(ctx: ReportContext, item: str) -> Iterable[tuple[str, str]]:
    known = ctx.directory.asset_fields
    if item in known:
        return known[item]
    if item in ctx.directory.items:  # a catalog item without asset fields
        return ()
    return ((f, f) for f in sorted(ASSET_FIELD_IDS))


def _collect(ctx: ReportContext) -> dict[tuple[str, str, str], _Asset]:
    t = TicketCache
    d = ctx.directory
    with_assets = sorted(d.asset_fields)  # catalog items with an asset field, or not in a catalog
    wanted = or_(t.category.in_(with_assets), t.category.not_in(sorted(d.items)))
    stmt = (select(t.category, t.form_values, t.state_type, t.created)
            .where(*ctx.where(), t.form_values.is_not(None), t.category.is_not(None), wanted))
    zone = ctx.settings.zone
    found: dict[tuple[str, str, str], _Asset] = {}
    for item, form, state_type, created in ctx.session.execute(stmt):
        day = created.astimezone(zone).date() if created else None
        for field_id, label in _fields(ctx, str(item)):
            value = _value(form, field_id)
            if value is None:
                continue
            key = (str(item), field_id, value.casefold())
            asset = found.setdefault(key, _Asset(str(item), field_id, label, value))
            asset.add(day, (state_type or "").lower() not in CLOSED)
    return found


def _value(form: Mapping[str, Any] | Any, field_id: str) -> str | None:
    if not isinstance(form, Mapping):
        return None
    value = form.get(field_id)
    text = str(value).strip() if value not in (None, "") else ""
    return text or None


def tickets_by_asset(ctx: ReportContext) -> ReportTable:
    """Tickets per serial number / asset model, the most troubled device first."""
    assets = sorted(_collect(ctx).values(),
                    key=lambda a: (-a.tickets, a.item, a.field, a.value.casefold()))
    d = ctx.directory
    rows: list[tuple[object, ...]] = [
        (a.value, a.label, a.item, d.item_title(a.item), a.tickets, a.open,
         a.first.isoformat() if a.first else "", a.last.isoformat() if a.last else "")
        for a in assets]
    columns = (Column("asset", W_("Serial number / model")), Column("field", W_("Form field")),
               Column("item", W_("Catalog item id"), ident=True),
               Column("title", W_("Catalog item")),
               Column("tickets", W_("Tickets"), "int"), Column("open", W_("Open"), "int"),
               Column("first", W_("First ticket"), "date"),
               Column("last", W_("Latest ticket"), "date"))
    table = ReportTable("assets", W_("Tickets per asset"), columns, rows,
                        Chart("hbar", "asset", ("tickets",), max_points=25))
    table.notes.append(W_("Counts tickets filed through the portal whose form has a serial "
                          "number or asset model field; e-mail tickets have no form values."))
    return table
