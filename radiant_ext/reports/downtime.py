"""Downtime cost: what outages cost the business per month, store and catalog item.

Each ticket of an item with a ``downtime_cost`` (its own or its department's) is an outage
from its creation to its close, or to the report's ``now`` while open, counted in the hours
the store trades (:mod:`radiant_ext.reports.outage`). Its cost is those hours × the item's
money per hour for the store's tier. A ticket belongs to the local month of its creation.

:func:`downtime_by_month` sets each month's cost beside the contract penalties the same
month yields (:func:`~radiant_ext.reports.penalties.month_penalties`, the local month of the
missed deadline); :func:`downtime_by_store_and_item` breaks the cost down per store and item.
Hours without a cost — a ticket without a store, a tier the item names no cost for — are
counted and shown as such (``docs/reports.md``, "Downtime cost").

When the contract roll-ups answer the run (:mod:`radiant_ext.reports.contract_read`), the
settled tickets' outages and penalty figures come from their cells and only the live tickets
are read from the cache; the rates are applied to the hours either way, so a changed rate
needs no rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.sql import ColumnElement

from radiant_ext.reports.context import ReportContext, store_key
from radiant_ext.reports.contract_read import (
    contract_span,
    live_clause,
    live_context,
    outage_cells,
    penalty_cells,
)
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, Note, ReportTable
from radiant_ext.reports.outage import outage_cost, outage_seconds
from radiant_ext.reports.page_rows import page_limit
from radiant_ext.reports.penalties import month_penalties
from radiant_ext.reports.rollup_read import Span
from radiant_ext.store import TicketCache

__all__ = ["Outages", "downtime_by_month", "downtime_by_store_and_item", "outages"]

UNCOUNTED_STATES = ("removed", "merged")
"""Tickets in these state types are no outage of their own (a merged one lives on in the
ticket it was merged into)."""

NO_COST_NOTE = W_("— in the cost: the item names no cost for the store's tier, or the "
                  "ticket names no store. Those hours are counted, not priced.")
HOURS_NOTE = W_("Outage hours run from a ticket's creation to its close (open tickets: to "
                "now) and count only the store's trading hours; where the store directory "
                "gives none, the item's business hours.")


@dataclass
class Outages:
    """Tickets and outage seconds of one month, store and item."""

    tickets: int = 0
    seconds: int = 0

    @property
    def hours(self) -> float:
        """The outage hours."""
        return self.seconds / 3600


Key = tuple[str, str, str]
"""(month ``YYYY-MM``, store id or ``""``, catalog item id)."""


def outages(ctx: ReportContext, span: Span | None = None) -> dict[Key, Outages]:
    """Tickets and outage hours per month, store and item, for the items with a cost.

    Tickets come from the report's filter (created in the period, the store, the
    department, a manager's company); an outage still open at ``ctx.now`` ends there.

    :param span: the run's days when the contract roll-ups answer it
        (:func:`~radiant_ext.reports.contract_read.contract_span`): the settled outages come
        from the cells, the live ones from the cache.
    """
    if not ctx.directory.outage.costs:
        return {}
    if span is None:
        return dict(_cache_outages(ctx))
    found = _cache_outages(live_context(ctx), live_clause())
    for key, (tickets, seconds) in outage_cells(ctx, span).items():
        entry = found[key]
        entry.tickets += tickets
        entry.seconds += seconds
    return dict(found)


def _cache_outages(ctx: ReportContext, *extra: ColumnElement[bool]
                   ) -> defaultdict[Key, Outages]:
    """The outages of the tickets of ``ctx`` (and ``extra``) read from the cache."""
    rates, t = ctx.directory.outage, TicketCache
    # a closed ticket without a close time ended at its last change at the latest
    ended = func.coalesce(t.closed, case((t.state_type == "closed", t.changed)))
    stmt = select(t.category, store_key(), t.created, ended).where(
        *ctx.where(), t.category.in_(sorted(rates.costs)), t.created.is_not(None),
        t.created <= ctx.now, t.state_type.notin_(UNCOUNTED_STATES), *extra)
    zone, found = ctx.settings.zone, defaultdict[Key, Outages](Outages)
    # the connection, not the ORM session: plain rows, no ORM loading for 100,000 of them
    for item, store, created, closed in ctx.session.connection().execute(stmt):
        if item is None or created is None:  # excluded by the query; for the type checker
            continue
        end = closed or ctx.now
        local = created.astimezone(zone)
        month = f"{local.year}-{local.month:02d}"
        entry = found[(month, store or "", item)]
        entry.tickets += 1
        entry.seconds += outage_seconds(rates, item, store, created, min(end, ctx.now))
    return found


def _hours(value: float) -> float:
    return round(value, 1)


PAGE_ROWS = 200
"""The page lists at most this many store × item × month rows, the dearest; the exports list
them all (a chain of 500 stores has some 40,000 a year)."""

DETAIL_COLUMNS = (
    Column("month", W_("Month"), "month"), Column("store", W_("Store id"), ident=True),
    Column("store_name", W_("Store")), Column("tier", W_("Store tier")),
    Column("item", W_("Catalog item id"), ident=True),
    Column("item_title", W_("Catalog item")),
    Column("tickets", W_("Tickets"), "int"), Column("hours", W_("Outage hours"), "number"),
    Column("rate", W_("Cost per hour"), "money"), Column("cost", W_("Downtime cost"), "money"),
    Column("currency", W_("Currency")),
)


def _dearest_first(row: tuple[object, ...]) -> tuple[str, Decimal, str, str]:
    cost = row[9]
    return (str(row[0]), -cost if isinstance(cost, Decimal) else Decimal(1), str(row[1]),
            str(row[4]))


def downtime_by_store_and_item(ctx: ReportContext) -> ReportTable:
    """Outage hours and their cost per month, store and catalog item, dearest first."""
    rates, d = ctx.directory.outage, ctx.directory
    rows: list[tuple[object, ...]] = []
    for (month, store, item), o in outages(ctx, contract_span(ctx)).items():
        rate, currency = rates.rate(item, store or None)
        rows.append((month, store, d.store_name(store or None), rates.tier(store or None) or "",
                     item, d.item_title(item), o.tickets, _hours(o.hours), rate,
                     outage_cost(o.hours, rate), currency))
    total, limit = len(rows), page_limit(PAGE_ROWS)
    if limit is not None and total > limit:  # the dearest rows, shown in the page's order
        rows = sorted(rows, key=_cost_first)[:limit]
    rows.sort(key=_dearest_first)
    table = ReportTable("downtime-detail", W_("Downtime cost per store and item"),
                        DETAIL_COLUMNS, rows)
    table.notes.extend([HOURS_NOTE, NO_COST_NOTE])
    if total > len(rows):
        table.notes.append(Note(W_(
            "Shows the {shown} dearest store and item months; {more} more are left out. "
            "Narrow the filter, or export the report to get every row."),
            {"shown": len(rows), "more": total - len(rows)}))
    return table


def _cost_first(row: tuple[object, ...]) -> tuple[Decimal, float, str, str, str]:
    """The dearest first; without a cost, the most outage hours (then month, store, item)."""
    cost, hours = row[9], row[7]
    return (-cost if isinstance(cost, Decimal) else Decimal(1),
            -float(hours) if isinstance(hours, (int, float)) else 0.0,
            str(row[0]), str(row[1]), str(row[4]))


MONTH_COLUMNS = (
    Column("month", W_("Month"), "month"), Column("currency", W_("Currency")),
    Column("tickets", W_("Tickets"), "int"), Column("hours", W_("Outage hours"), "number"),
    Column("unpriced_hours", W_("Hours without a cost"), "number"),
    Column("cost", W_("Downtime cost"), "money"),
    Column("penalties", W_("Contract penalties"), "money"),
    Column("uncovered", W_("Not covered by penalties"), "money"),
)


@dataclass
class _Month:
    tickets: int = 0
    seconds: int = 0
    unpriced: int = 0
    """Seconds without a cost."""
    cost: Decimal = Decimal(0)
    penalties: Decimal = Decimal(0)


def _month_totals(ctx: ReportContext) -> dict[tuple[str, str], _Month]:
    """(month, currency) → the month's outages, their cost and its contract penalties."""
    rates = ctx.directory.outage
    totals: dict[tuple[str, str], _Month] = defaultdict(_Month)
    span = contract_span(ctx)
    for (month, store, item), o in outages(ctx, span).items():
        rate, currency = rates.rate(item, store or None)
        total = totals[(month, currency)]
        total.tickets += o.tickets
        total.seconds += o.seconds
        cost = outage_cost(o.hours, rate)
        if cost is None:
            total.unpriced += o.seconds
        else:
            total.cost += cost
    cells = penalty_cells(ctx, span) if span is not None else None
    for rule in ctx.settings.penalties:
        for m in month_penalties(ctx, rule, None if cells is None else cells.get(rule.id, {})):
            totals[(m.month, rule.currency)].penalties += m.penalty
    return totals


def downtime_by_month(ctx: ReportContext) -> ReportTable:
    """Downtime cost per month beside the contract penalties of the same month."""
    rows: list[tuple[object, ...]] = []
    for (month, currency), m in sorted(_month_totals(ctx).items()):
        rows.append((month, currency, m.tickets, _hours(m.seconds / 3600),
                     _hours(m.unpriced / 3600), m.cost, m.penalties, m.cost - m.penalties))
    table = ReportTable("downtime", W_("Downtime cost"), MONTH_COLUMNS, rows,
                        Chart("bar", "month", ("cost", "penalties")))
    table.notes.extend([HOURS_NOTE, W_(
        "A month's penalties are those of the deadlines missed in it; its downtime cost that "
        "of the outages that began in it.")])
    if not ctx.settings.penalties:
        table.notes.append(W_("No contract penalties are configured: the penalties are zero."))
    return table
