"""Tickets per asset: the serial numbers and asset models customers typed into request forms.

The portal keeps each request's form values with its outbox row; the ticket pull copies them
into the cache (``ticket_cache.form_values``). Only items with an asset field count: a field of
kind ``serial_number`` in the catalog, or a field whose id is one of
:data:`~radiant_ext.reports.context.ASSET_FIELD_IDS` (``serial``, ``model``, …). Values are
compared without surrounding spaces and case, so ``sn-0042 `` and ``SN-0042`` are one device.

The values are read from the asset index (:mod:`radiant_ext.reports.asset_index`): one row per
ticket and asset field, grouped by the database over the period. Until the index is built for
the catalogs' asset fields, or while more changes wait than a page takes in, the report reads
the form values of the period's tickets instead (the same figures, slower). The page shows the
:data:`PAGE_DEVICES` devices with the most tickets; exports and the CLI list every device.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from radiant_ext.reports.asset_index import asset_values, refresh_assets
from radiant_ext.reports.asset_totals import ASSET_TOTALS
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, Note, ReportTable
from radiant_ext.reports.page_rows import page_limit
from radiant_ext.reports.pair_prefix import (
    KEYS_SEPARATOR,
    block_after,
    block_before,
    block_end,
    block_start,
    totals_between,
)
from radiant_ext.store import ReportAsset, TicketCache

__all__ = ["PAGE_DEVICES", "PAGE_REFRESH_LIMIT", "tickets_by_asset"]

CLOSED = frozenset({"closed", "removed", "merged"})
PAGE_DEVICES = 200
"""The report page lists at most this many devices, the most tickets first; the exports list
them all."""
PAGE_REFRESH_LIMIT = 2000
"""A run takes in at most this many recorded changes itself; with more waiting (after a full
pull) it reads the cache and leaves them to the ``report-rollups`` job."""

Key = tuple[str, str, str]


@dataclass
class _Asset:
    item: str
    field: str
    value: str
    tickets: int = 0
    open: int = 0
    first: date | None = None
    last: date | None = None

    def add(self, value: str, day: date | None, still_open: bool) -> None:
        self.value = min(self.value, value)
        self.tickets += 1
        self.open += still_open
        if day is not None:
            self.first = min(self.first or day, day)
            self.last = max(self.last or day, day)

    def order(self) -> tuple[int, str, str, str]:
        return -self.tickets, self.item, self.field, self.value.casefold()


def _label(ctx: ReportContext, item: str, field_id: str) -> str:
    return dict(ctx.directory.asset_fields.get(item, ())).get(field_id, field_id)


def _day(ctx: ReportContext, moment: datetime | None) -> date | None:
    return moment.astimezone(ctx.settings.zone).date() if moment else None


def _collect(ctx: ReportContext) -> list[_Asset]:
    """Every device of the run, read from the period's tickets' form values."""
    t = TicketCache
    d = ctx.directory
    with_assets = sorted(d.asset_fields)  # catalog items with an asset field, or not in a catalog
    wanted = or_(t.category.in_(with_assets), t.category.not_in(sorted(d.items)))
    stmt = (select(t.category, t.form_values, t.state_type, t.created)
            .where(*ctx.where(), t.form_values.is_not(None), t.category.is_not(None), wanted))
    found: dict[Key, _Asset] = {}
    for item, form, state_type, created in ctx.session.execute(stmt).all():
        day = _day(ctx, created)
        for field_id, value in asset_values(d, str(item), form):
            key = (str(item), field_id, value.casefold())
            asset = found.setdefault(key, _Asset(str(item), field_id, value))
            asset.add(value, day, (state_type or "").lower() not in CLOSED)
    return sorted(found.values(), key=_Asset.order)


def _index_ready(ctx: ReportContext) -> bool:
    """Take in the waiting changes; tell whether the index answers this run.

    What was taken in is committed unless the session holds changes of its own (a page's
    session holds none: the next page finds the index current)."""
    session = ctx.session
    own = bool(session.new or session.dirty or session.deleted)
    done = refresh_assets(session.connection(), ctx.directory, limit=PAGE_REFRESH_LIMIT,
                          partial=False)
    if done.tickets and not own:
        session.commit()
    return done.built and not done.pending


def _department(ctx: ReportContext, department: str) -> ColumnElement[bool]:
    """Index rows whose catalog item belongs to ``department`` (as ``department_of`` says)."""
    a, items = ReportAsset, ctx.directory.items
    mine = sorted(i for i, (dep, _title) in items.items() if dep == department)
    guessed = and_(a.item.not_in(sorted(items)),
                   or_(a.item == department, a.item.startswith(f"{department}.",
                                                               autoescape=True)))
    return or_(a.item.in_(mine), guessed)


def _where(ctx: ReportContext) -> list[ColumnElement[bool]]:
    """The filter's conditions on the index rows."""
    f, a = ctx.filter, ReportAsset
    clauses: list[ColumnElement[bool]] = []
    if f.start is not None:
        clauses.append(a.created >= f.start)
    if f.end is not None:
        clauses.append(a.created < f.end)
    if f.company is not None:
        clauses.append(a.customer_id == f.company)
    if f.store:
        clauses.append(a.store == f.store)
    if f.department:
        clauses.append(_department(ctx, f.department))
    return clauses


Named = tuple[str, str, str, datetime | None, datetime | None]


def _names(ctx: ReportContext, devices: list[int] | None) -> dict[int, Named]:
    """Item, field and value (the least as typed) of ``devices`` in the run, and their first
    and latest ticket's creation (every device of the run for ``None``)."""
    a = ReportAsset
    value: Any = a.value
    if ctx.session.get_bind().dialect.name == "postgresql":  # code-point order, as Python's
        value = value.collate("C")
    stmt = select(a.device, func.min(a.item), func.min(a.field), func.min(value),
                  func.min(a.created), func.max(a.created))
    if devices is None:
        return {d: (i, f, v, lo, hi) for d, i, f, v, lo, hi in ctx.session.execute(
            stmt.where(*_where(ctx)).group_by(a.device)).all()}
    found: dict[int, Named] = {}
    for start in range(0, len(devices), 500):
        chunk = devices[start:start + 500]
        found.update({d: (i, f, v, lo, hi) for d, i, f, v, lo, hi in ctx.session.execute(
            stmt.where(*_where(ctx), a.device.in_(chunk)).group_by(a.device)).all()})
    return found


Counted = list[tuple[int, int, int]]
"""``(device, tickets, open tickets)`` of the devices shown, the most tickets first."""


def _grouped(ctx: ReportContext, limit: int | None) -> tuple[Counted, int]:
    """The period's rows grouped by device number alone, from the period's index."""
    a = ReportAsset
    tickets = func.count()
    stmt = (select(a.device, tickets, func.sum(a.open), func.count().over())
            .where(*_where(ctx)).group_by(a.device).order_by(tickets.desc(), a.device))
    counted = ctx.session.execute(stmt if limit is None else stmt.limit(limit)).all()
    if not counted:
        return [], 0
    return ([(device, n, int(still_open or 0)) for device, n, still_open, _all in counted],
            int(counted[0][-1]))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _whole_blocks(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The first days of the first and the last 8-day block of UTC days wholly inside
    ``[start, end)``; ``None`` when no block is."""
    begin = start.astimezone(UTC)
    day = begin.date() if begin == _midnight(begin.date()) else begin.date() + timedelta(days=1)
    first = day if block_start(day) == day else block_after(block_start(day))
    last_day = end.astimezone(UTC).date() - timedelta(days=1)
    last = (block_start(last_day) if block_end(last_day) == last_day
            else block_before(block_start(last_day)))
    return (first, last) if first <= last else None


@lru_cache(maxsize=4)
def _devices(joined: str) -> tuple[int, ...]:
    """The device numbers of the stored keys (made once per change of the keys)."""
    return tuple(int(key) for key in joined.split(KEYS_SEPARATOR)) if joined else ()


def _from_totals(ctx: ReportContext, limit: int | None) -> tuple[Counted, int] | None:
    """The period's devices from the running totals: the whole blocks' counts are two rows
    (every device's tickets up to a block's end), the days at either end (under 8 each) and
    the open tickets are counted from their rows. ``None`` when the totals do not answer:
    a store, company or department filter, a period open at either end or shorter than a
    block."""
    f, a, conn = ctx.filter, ReportAsset, ctx.session.connection()
    if f.start is None or f.end is None or f.company is not None or f.store or f.department:
        return None
    blocks = _whole_blocks(f.start, f.end)
    if blocks is None:
        return None
    first, last = blocks
    joined, totals = totals_between(conn, first, last, ASSET_TOTALS)
    counts = {device: n for device, n in zip(_devices(joined), totals, strict=True) if n}
    edges = ((f.start, _midnight(first)), (_midnight(block_after(last)), f.end))
    for low, high in edges:
        for device, n in conn.execute(select(a.device, func.count()).where(
                a.created >= low, a.created < high).group_by(a.device)):
            counts[device] = counts.get(device, 0) + n
    still_open = dict(conn.execute(select(a.device, func.count()).where(
        a.open == 1, a.created >= f.start, a.created < f.end).group_by(a.device)).all())
    shown = [(-n, device) for device, n in counts.items() if n > 0]  # most tickets first
    ranked = sorted(shown) if limit is None else heapq.nsmallest(limit, shown)
    return ([(device, -n, still_open.get(device, 0)) for n, device in ranked], len(shown))


def _indexed(ctx: ReportContext, limit: int | None) -> tuple[list[_Asset], int]:
    """The run's devices from the index, the most tickets first (``limit`` of them), and how
    many devices there are in all.

    Counted from the devices' running totals when they answer the filter (:func:`_from_totals`),
    else by grouping the period's rows by device number (a year of a chain's tills is tens of
    thousands of rows); only the devices shown are then named and dated, each from its own
    rows. Among devices with as many tickets as the last one shown, the device number decides
    which are shown."""
    counted, total = _from_totals(ctx, limit) or _grouped(ctx, limit)
    if not counted:
        return [], 0
    names = _names(ctx, None if limit is None else [row[0] for row in counted])
    found = []
    for device, count, still_open in counted:
        item, field_id, value, first, last = names[device]
        found.append(_Asset(item, field_id, value, count, still_open,
                            _day(ctx, first), _day(ctx, last)))
    return sorted(found, key=_Asset.order), total


def _assets(ctx: ReportContext, limit: int | None) -> tuple[list[_Asset], int]:
    if ctx.live_only or not _index_ready(ctx):
        every = _collect(ctx)
        return (every[:limit] if limit is not None else every), len(every)
    return _indexed(ctx, limit)


def tickets_by_asset(ctx: ReportContext) -> ReportTable:
    """Tickets per serial number / asset model, the most troubled device first."""
    assets, total = _assets(ctx, page_limit(PAGE_DEVICES))
    d = ctx.directory
    rows: list[tuple[object, ...]] = [
        (a.value, _label(ctx, a.item, a.field), a.item, d.item_title(a.item), a.tickets, a.open,
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
    if total > len(rows):
        table.notes.append(Note(W_(
            "Shows the {shown} devices with the most tickets; {more} more devices are left "
            "out. Narrow the filter, or export the report to get every device."),
            {"shown": len(rows), "more": total - len(rows)}))
    return table
