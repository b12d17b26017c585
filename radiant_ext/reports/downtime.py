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
needs no rebuild. There the pages price in the query (:func:`_priced`): each store × item ×
month sum gets its cost to the cent by the store's tier and the item's rate — joined as rows,
the same rounding as :func:`~radiant_ext.reports.outage.outage_cost` — and only the month
totals (``downtime``) or the dearest rows the page shows (``downtime-detail``) come back. The
exports, and a run the roll-ups do not answer, price every row in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
)
from sqlalchemy.sql import ColumnElement, FromClause, Subquery

from radiant_ext.plugins.stores import DEFAULT_TIER
from radiant_ext.reports._sql import aware_reader, plain_rows
from radiant_ext.reports.context import ItemDirectory, ReportContext, store_key
from radiant_ext.reports.contract_read import (
    contract_span,
    json_rows,
    live_tickets,
    outage_cells,
    outage_keys,
    penalty_cells,
)
from radiant_ext.reports.contract_rollups import CONTRACT_LIVE
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, Note, ReportTable
from radiant_ext.reports.outage import (
    OutageRates,
    cents_in_sql,
    micro_hours_in_sql,
    outage_cost,
    outage_seconds,
    priced_seconds_limit,
    rate_units,
)
from radiant_ext.reports.page_rows import page_limit
from radiant_ext.reports.pair_prefix import pair_key, split_key
from radiant_ext.reports.penalties import month_penalties
from radiant_ext.reports.price_memo import MonthPart, memo_months, month_parts
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
LiveOutages = dict[Key, tuple[int, int]]
"""(outages, seconds) per key of the tickets the contract roll-ups leave to the cache."""


def outages(ctx: ReportContext, span: Span | None = None) -> dict[Key, Outages]:
    """Tickets and outage hours per month, store and item, for the items with a cost.

    Tickets come from the report's filter (created in the period, the store, the
    department, a manager's company); an outage still open at ``ctx.now`` ends there.

    :param span: the run's days when the contract roll-ups answer it
        (:func:`~radiant_ext.reports.contract_read.contract_span`): the settled outages come
        from the cells, the live ones from ``contract_live``.
    """
    if not ctx.directory.outage.costs:
        return {}
    if span is None:
        return dict(_cache_outages(ctx))
    found = _live_found(ctx)
    for key, (tickets, seconds) in outage_cells(ctx, span).items():
        entry = found[key]
        entry.tickets += tickets
        entry.seconds += seconds
    return dict(found)


def _cache_outages(ctx: ReportContext) -> defaultdict[Key, Outages]:
    """The outages of the tickets of ``ctx`` read from the cache."""
    rates, t = ctx.directory.outage, TicketCache
    # a closed ticket without a close time ended at its last change at the latest
    ended = func.coalesce(t.closed, case((t.state_type == "closed", t.changed)))
    stmt = select(t.category, store_key(), t.created, ended).where(
        *ctx.where(), t.category.in_(sorted(rates.costs)), t.created.is_not(None),
        t.created <= ctx.now, t.state_type.notin_(UNCOUNTED_STATES))
    found = defaultdict[Key, Outages](Outages)
    # the connection, not the ORM session: plain rows, no ORM loading for 100,000 of them
    for item, store, created, closed in ctx.session.connection().execute(stmt).all():
        if item is not None and created is not None:  # the query's; for the type checker
            _add_outage(ctx, found, item, store, created, closed)
    return found


def _add_outage(ctx: ReportContext, found: defaultdict[Key, Outages], item: str,
                store: str | None, created: datetime, ended: datetime | None) -> None:
    """Count one ticket's outage (``ended``: ``None`` while open) in its month's key."""
    local = created.astimezone(ctx.settings.zone)
    entry = found[(f"{local.year}-{local.month:02d}", store or "", item)]
    entry.tickets += 1
    entry.seconds += outage_seconds(ctx.directory.outage, item, store, created,
                                    min(ended or ctx.now, ctx.now))


def _live_found(ctx: ReportContext) -> defaultdict[Key, Outages]:
    """The outages of the tickets the contract roll-ups leave to the pages (``contract_live``:
    the same columns and conditions as :func:`_cache_outages`)."""
    rates, live = ctx.directory.outage, CONTRACT_LIVE.c
    # a closed ticket without a close time ended at its last change at the latest
    ended = func.coalesce(live.closed, case((live.state_type == "closed", live.changed)))
    found = defaultdict[Key, Outages](Outages)
    rows = live_tickets(ctx, (live.item, live.store, live.created, ended),
                        live.item.in_(sorted(rates.costs)), live.created.is_not(None),
                        live.created <= ctx.now, live.state_type.notin_(UNCOUNTED_STATES))
    aware = aware_reader(rows[0][2] if rows else None)
    for item, store, created, closed in rows:
        _add_outage(ctx, found, item, store, aware(created),
                    None if closed is None else aware(closed))
    return found


def _live_outages(ctx: ReportContext) -> LiveOutages:
    """(outages, seconds) per key of the tickets the contract roll-ups leave to the pages."""
    return {key: (o.tickets, o.seconds) for key, o in _live_found(ctx).items()}


def _rate_rows(rates: OutageRates) -> tuple[int, list[tuple[str, str, int]]]:
    """The decimals of the finest rate, and every (item, tier, rate in units of them)."""
    prices = [(item, tier, rate) for item, cost in sorted(rates.costs.items())
              for tier, rate in sorted(cost.per_hour.items())]
    scale = max((-int(rate.as_tuple().exponent) for _, _, rate in prices), default=0)
    scale = max(scale, 0)
    return scale, [(item, tier, rate_units(rate, scale)) for item, tier, rate in prices]


def _priced(ctx: ReportContext, keys: FromClause) -> Subquery:
    """Per month, store and item (``keys``: :func:`~.contract_read.outage_keys`): ``tier``,
    ``tickets``, ``seconds``, ``cents`` (``NULL``: no rate) and ``unpriced`` (1: a rate, but
    too many seconds to price in the query — :func:`~.outage.priced_seconds_limit` — or an
    item without a cost, which the roll-ups built for these settings never hold)."""
    rates = ctx.directory.outage
    # only the stores of another tier than a company the directory does not know
    tiered = [{"store": sid, "tier": info.tier} for sid, info in sorted(rates.stores.items())
              if info.tier != DEFAULT_TIER]
    scale, rate_rows = _rate_rows(rates)
    prices = json_rows(ctx, "tier_rates", (("item", String()), ("tier", String()),
                                           ("units", BigInteger())),
                       [{"item": i, "tier": t, "units": u} for i, t, u in rate_rows])
    # a company the directory does not know has the default tier; no store, no tier
    joined: FromClause = keys
    known: ColumnElement[Any] = literal(DEFAULT_TIER)
    if tiered:
        tiers = json_rows(ctx, "store_tiers", (("store", String()), ("tier", String())), tiered)
        joined = keys.outerjoin(tiers, tiers.c.store == keys.c.k1)
        known = func.coalesce(tiers.c.tier, DEFAULT_TIER)
    tier = case((keys.c.k1 == "", null()), else_=known)
    limit = priced_seconds_limit(max((u for _, _, u in rate_rows), default=1))
    inner = select(
        keys.c.month, keys.c.k1, keys.c.k2, tier.label("tier"), keys.c.tickets,
        keys.c.seconds, prices.c.units,
        case((keys.c.seconds <= limit, prices.c.units * micro_hours_in_sql(keys.c.seconds)))
        .label("product"),
    ).select_from(joined.outerjoin(prices, and_(prices.c.item == keys.c.k2,
                                                 prices.c.tier == tier)))
    # OFFSET 0 keeps each layer a subquery of its own: the product and the cents are
    # computed once per row, not again wherever the outer query names them
    sized = inner.offset(0).subquery("sized")
    unpriced = case((and_(sized.c.units.is_not(None), sized.c.product.is_(None)), 1),
                    (sized.c.k2.notin_(sorted(rates.costs)), 1), else_=0)
    return select(sized.c.month, sized.c.k1, sized.c.k2, sized.c.tier, sized.c.tickets,
                  sized.c.seconds, cents_in_sql(sized.c.product, scale).label("cents"),
                  unpriced.label("unpriced")).offset(0).subquery("priced")


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


def _detail_row(d: ItemDirectory, key: Key, o: Outages) -> tuple[object, ...]:
    """One store × item × month row, its cost to the cent."""
    month, store, item = key
    rate, currency = d.outage.rate(item, store or None)
    return (month, store, d.store_name(store or None), d.outage.tier(store or None) or "",
            item, d.item_title(item), o.tickets, _hours(o.hours), rate,
            outage_cost(o.hours, rate), currency)


def downtime_by_store_and_item(ctx: ReportContext) -> ReportTable:
    """Outage hours and their cost per month, store and catalog item, dearest first."""
    span, limit = contract_span(ctx), page_limit(PAGE_ROWS)
    found = (_dearest(ctx, span, limit) if span is not None and limit is not None
             and ctx.directory.outage.costs else None)
    keyed, total = found if found is not None else (outages(ctx, span), None)
    rows = [_detail_row(ctx.directory, key, o) for key, o in keyed.items()]
    total = len(rows) if total is None else total
    if limit is not None and len(rows) > limit:  # the dearest rows, shown in the page's order
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


TIE_SECONDS = 400
"""More than a tenth of an hour: rows of one cost whose seconds differ by more never share
the rounded hours the page orders equal costs by."""


def _dearest(ctx: ReportContext, span: Span, limit: int
             ) -> tuple[dict[Key, Outages], int] | None:
    """The keys that can be among the ``limit`` dearest (:func:`_cost_first`), and how many
    keys there are; ``None`` when a sum is too large to price in the query.

    Each month gives its dearest settled sums — a month without live outages from the query
    (:func:`_month_top`), a month with them from its kept sums (:func:`_month_keys`) — priced
    once per change of the month's cells (kept by :func:`~.price_memo.memo_months`); a key
    with live outages then takes its sum with them (:func:`_with_live`), among its month's
    dearest or not. A key outside its month's dearest has at least ``limit`` keys of its
    month before it, and live outages only make a key dearer, so the period's dearest are
    among the candidates.
    """
    live = _live_outages(ctx)
    quiet, busy = _months(ctx, span, live)
    tops = memo_months(ctx, f"top{limit}", quiet,
                       lambda missing: _month_tops(ctx, missing, limit))
    kept = memo_months(ctx, f"keys{limit}", busy,
                       lambda missing: _month_keys(ctx, missing, limit),
                       lambda part, old, changed: _patched_keys(ctx, part, old, changed, limit))
    if tops is None or kept is None:
        return None
    merged = _with_live(ctx, live, kept)
    if merged is None:
        return None
    found: dict[Key, Sum] = {}
    total = 0
    for month, figures in [*tops.items(), *kept.items()]:
        label = month.strftime("%Y-%m")
        total += int(figures["count"])
        found.update(((label, store, item), (tickets, seconds, cents))
                     for store, item, tickets, seconds, cents in figures["rows"])
    for key, (had, now) in merged.items():
        total += had is None  # a key only its live outages make
        found[key] = now
    candidates = sorted(((key, *figures) for key, figures in found.items()), key=_order)
    return {key: Outages(tickets, seconds)
            for key, tickets, seconds, _ in candidates[:_cut(candidates, limit)]}, total


def _order(row: tuple[Any, int, int, int | None]) -> tuple[bool, int, int]:
    """The query's order of ``(…, tickets, seconds, cents)``: priced first, dearest first,
    then the most seconds."""
    return row[3] is None, -(row[3] or 0), -row[2]


def _cut(ordered: list[tuple[Any, int, int, int | None]], limit: int) -> int:
    """How many of ``ordered`` (:func:`_order`) the first ``limit`` and every row that could
    tie with the last of them are (:func:`_past_ties`)."""
    cut = len(ordered)
    if cut > limit:
        boundary, cut = _Priced(ordered[limit - 1][3], ordered[limit - 1][2]), limit
        while cut < len(ordered) and not _past_ties(
                boundary, _Priced(ordered[cut][3], ordered[cut][2])):
            cut += 1
    return cut


@dataclass(frozen=True)
class _Priced:
    cents: int | None
    seconds: int


Sum = tuple[int, int, int | None]
"""Tickets, seconds and cents (``None``: no rate) of one store × item × month."""


def _months(ctx: ReportContext, span: Span, live: LiveOutages
            ) -> tuple[list[MonthPart], list[MonthPart]]:
    """``span``'s months without live outages, and those with them (in a shop, the
    newest)."""
    busy_months = {month for month, _, _ in live}
    parts = month_parts(ctx, span, busy_months)
    return ([p for p in parts if p.month.strftime("%Y-%m") not in busy_months],
            [p for p in parts if p.month.strftime("%Y-%m") in busy_months])


def _with_live(ctx: ReportContext, live: LiveOutages, kept: dict[date, Any]
               ) -> dict[Key, tuple[Sum | None, Sum]] | None:
    """Per key with live outages, its settled sum (``None``: none) from its month's kept sums
    (:func:`_month_keys`) and the sum with the live outages added, priced to the cent as the
    query prices (:func:`~.outage.outage_cost`); ``None`` for an item without a cost
    (roll-ups of other settings). The work follows the live outages, not the month's keys."""
    rates = ctx.directory.outage
    sums = {month.strftime("%Y-%m"): figures["sums"] for month, figures in kept.items()}
    found: dict[Key, tuple[Sum | None, Sum]] = {}
    for key, (tickets, seconds) in live.items():
        month, store, item = key
        if item not in rates.costs:
            return None
        row = sums.get(month, {}).get(pair_key(store, item))
        had: Sum | None = (row[0], row[1], row[2]) if row is not None else None
        tickets += had[0] if had else 0
        seconds += had[1] if had else 0
        found[key] = had, (tickets, seconds, _cents(rates, item, store, seconds))
    return found


def _cents(rates: OutageRates, item: str, store: str, seconds: int) -> int | None:
    """The cost in cents of one store × item sum of outage seconds, rounded as the query
    rounds (:func:`~.outage.outage_cost`); ``None``: no rate."""
    cost = outage_cost(seconds / 3600, rates.rate(item, store or None)[0])
    return None if cost is None else int(cost.scaleb(2))


def _month_keys(ctx: ReportContext, parts: list[MonthPart], limit: int | None
                ) -> dict[date, Any] | None:
    """Per month of ``parts`` (those with live outages), its settled sums priced in the
    query, kept as ``{"sums": {pair key: [tickets, seconds, cents]}, …}`` with, for
    ``limit`` ``None``, the month's totals per currency (``"totals"``, as
    :func:`_month_sums` gives them), else its ``limit`` dearest sums and the rows that could
    tie with the last (``"rows"``, as :func:`_month_top` gives them) and how many keys it has
    (``"count"``); ``None`` when one is too large to price there or is of an item without a
    cost."""
    costs = ctx.directory.outage.costs
    found: dict[date, Any] = {}
    for part in parts:
        sums = _priced_sums(ctx, part)
        if sums is None:
            return None
        figures: dict[str, Any] = {"sums": sums}
        if limit is None:
            totals: defaultdict[str, list[int]] = defaultdict(lambda: [0] * 6)
            for key, (tickets, seconds, cents) in sums.items():
                _count(totals[costs[split_key(key)[1]].currency], (tickets, seconds, cents), 1)
            figures["totals"] = dict(totals)
        else:
            figures.update(_dearest_sums(sums, limit))
        found[part.month] = figures
    return found


def _priced_sums(ctx: ReportContext, part: MonthPart) -> dict[str, list[Any]] | None:
    """The settled sums of one month's days priced in the query: pair key → [tickets,
    seconds, cents]; ``None`` when one is too large to price there or is of an item without
    a cost."""
    costs = ctx.directory.outage.costs
    p = _priced(ctx, outage_keys(ctx, part.span))
    sums: dict[str, list[Any]] = {}
    for store, item, tickets, seconds, cents, unpriced in plain_rows(  # integers, text
            ctx.session.connection(), select(p.c.k1, p.c.k2, p.c.tickets, p.c.seconds,
                                             p.c.cents, p.c.unpriced)):
        if unpriced or item not in costs:
            return None
        sums[pair_key(store, item)] = [int(tickets), int(seconds),
                                       None if cents is None else int(cents)]
    return sums


def _changed_sums(ctx: ReportContext, part: MonthPart, pairs: set[tuple[str, str]]
                  ) -> dict[str, list[Any]] | None:
    """The settled sums of the store × item keys ``pairs`` in one month's days, priced as
    the query prices (:func:`~.outage.outage_cost`, as :func:`_with_live` prices): pair key →
    [tickets, seconds, cents]; ``None`` for an item without a cost. A few keys: one look-up
    of their cells, no pricing query to build."""
    rates = ctx.directory.outage
    keys = outage_keys(ctx, part.span, pairs)
    sums: dict[str, list[Any]] = {}
    for store, item, tickets, seconds in plain_rows(
            ctx.session.connection(), select(keys.c.k1, keys.c.k2, keys.c.tickets,
                                             keys.c.seconds)):
        if (store, item) not in pairs:  # another store's item of the pairs
            continue
        if item not in rates.costs:
            return None
        sums[pair_key(store, item)] = [int(tickets), int(seconds),
                                       _cents(rates, item, store, int(seconds))]
    return sums


def _ordered(rows: list[tuple[str, str, int, int, int | None]]
             ) -> list[tuple[tuple[str, str], int, int, int | None]]:
    """``(store, item, tickets, seconds, cents)`` in the page's order (:func:`_order`), equal
    ones by store and item."""
    return sorted((((store, item), tickets, seconds, cents)
                   for store, item, tickets, seconds, cents in rows),
                  key=lambda r: (*_order(r), r[0]))


def _dearest_sums(sums: dict[str, list[Any]], limit: int) -> dict[str, Any]:
    """A month's ``limit`` dearest sums and the rows that could tie with the last
    (``"rows"``) and how many keys it has (``"count"``)."""
    ordered = _ordered([(*split_key(key), *figures) for key, figures in sums.items()])
    return {"rows": [[store, item, tickets, seconds, cents] for (store, item), tickets,
                     seconds, cents in ordered[:_cut(ordered, limit)]],
            "count": len(sums)}


def _patched_keys(ctx: ReportContext, part: MonthPart, kept: Any,
                  changed: set[tuple[str, str]], limit: int | None) -> dict[str, Any] | None:
    """A month's figures of :func:`_month_keys` kept for an older version brought up to
    date: the ``changed`` store × item keys priced again, their old sums taken
    out of the totals (or the dearest rows) and the new ones put in (:func:`_changed_sums`);
    ``None`` for an item without a cost.

    The dearest rows are the kept ones without the changed keys and the changed keys' new
    sums, when their ``limit``-th is no cheaper than the kept ``limit``-th (every other key
    is below that and outside its ties); else they are sorted again from the sums.
    """
    costs = ctx.directory.outage.costs
    new = _changed_sums(ctx, part, changed)
    if new is None:
        return None
    sums = dict(kept["sums"])  # the kept figures are shared: copies are changed
    keys = {pair_key(store, item) for store, item in changed}
    totals = ({currency: list(values) for currency, values in kept["totals"].items()}
              if limit is None else {})
    for key in keys:
        before, after = sums.pop(key, None), new.get(key)
        if after is not None:
            sums[key] = after
        if limit is None and (before is not None or after is not None):
            cost = costs.get(split_key(key)[1])
            if cost is None:  # kept for other settings: priced in full
                return None
            entry = totals.setdefault(cost.currency, [0] * 6)
            for figures, sign in ((before, -1), (after, 1)):
                if figures is not None:
                    _count(entry, (figures[0], figures[1], figures[2]), sign)
    if limit is None:
        return {"sums": sums, "totals": {c: v for c, v in totals.items() if v[0]}}
    rows = kept["rows"]
    ordered = _ordered([(r[0], r[1], r[2], r[3], r[4]) for r in rows
                        if pair_key(r[0], r[1]) not in keys]
                       + [(*split_key(key), *sums[key]) for key in keys if key in sums])
    complete = int(kept["count"]) == len(rows)  # every key was among the rows
    if not complete and (len(ordered) < limit or _order(ordered[limit - 1]) > _order(
            ((rows[limit - 1][0], rows[limit - 1][1]), *rows[limit - 1][2:]))):
        return {"sums": sums, **_dearest_sums(sums, limit)}
    return {"sums": sums, "rows": [[store, item, tickets, seconds, cents] for (store, item),
                                   tickets, seconds, cents in ordered[:_cut(ordered, limit)]],
            "count": len(sums)}


def _month_tops(ctx: ReportContext, parts: list[MonthPart], limit: int
                ) -> dict[date, Any] | None:
    found: dict[date, Any] = {}
    for part in parts:
        top = _month_top(ctx, part.span, limit)
        if top is None:
            return None
        found[part.month] = top
    return found


def _month_top(ctx: ReportContext, span: Span, limit: int) -> dict[str, Any] | None:
    """The dearest settled sums of one month's days ``span`` priced in the query — the
    first ``limit`` by cost and seconds and every row of the last one's cost within
    :data:`TIE_SECONDS` of its seconds — as ``{"count": keys, "rows": [[store, item,
    tickets, seconds, cents], …]}``; ``None`` when a sum is too large to price there."""
    keys = outage_keys(ctx, span)
    p = _priced(ctx, keys)
    # too large to price first: one look at the first row tells
    stmt = select(p.c.k1, p.c.k2, p.c.tickets, p.c.seconds, p.c.cents,
                  p.c.unpriced).order_by(p.c.unpriced.desc(), p.c.cents.desc().nulls_last(),
                                         p.c.seconds.desc())
    fetch = limit + 50
    while True:
        rows = ctx.session.execute(stmt.limit(fetch)).all()
        if rows and rows[0].unpriced:
            return None
        if len(rows) < fetch or _past_ties(rows[limit - 1], rows[-1]):
            break
        fetch *= 4
    count = (len(rows) if len(rows) < fetch
             else int(ctx.session.scalar(select(func.count()).select_from(keys)) or 0))
    return {"count": count, "rows": [
        [r.k1, r.k2, int(r.tickets), int(r.seconds), None if r.cents is None else int(r.cents)]
        for r in rows]}


def _past_ties(boundary: Any, last: Any) -> bool:
    """Whether ``last`` (fetched after ``boundary``) is below every row that could tie with
    ``boundary`` in the page's order."""
    return bool(last.cents != boundary.cents
                or last.seconds < boundary.seconds - TIE_SECONDS)


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
    span = contract_span(ctx)
    totals = (_priced_month_totals(ctx, span) if span is not None and ctx.directory.outage.costs
              else None)
    if totals is None:
        totals = _row_month_totals(ctx, span)
    cells = penalty_cells(ctx, span) if span is not None else None
    for rule in ctx.settings.penalties:
        for m in month_penalties(ctx, rule, None if cells is None else cells.get(rule.id, {})):
            totals[(m.month, rule.currency)].penalties += m.penalty
    return totals


def _row_month_totals(ctx: ReportContext, span: Span | None
                      ) -> defaultdict[tuple[str, str], _Month]:
    """The month totals of every store × item × month row, each priced in Python."""
    rates = ctx.directory.outage
    totals: defaultdict[tuple[str, str], _Month] = defaultdict(_Month)
    for (month, store, item), o in outages(ctx, span).items():
        rate, currency = rates.rate(item, store or None)
        _add(totals[(month, currency)], o.tickets, o.seconds,
             outage_cost(o.hours, rate))
    return totals


def _add(total: _Month, tickets: int, seconds: int, cost: Decimal | None) -> None:
    total.tickets += tickets
    total.seconds += seconds
    if cost is None:
        total.unpriced += seconds
    else:
        total.cost += cost


def _priced_month_totals(ctx: ReportContext, span: Span
                         ) -> defaultdict[tuple[str, str], _Month] | None:
    """The month totals, each store × item × month sum priced to the cent; ``None`` when a
    sum is too large to price in the query.

    A month without live outages is totalled in the query (:func:`_month_sums`), a month
    with them from its settled sums and their totals (:func:`_month_keys`), each priced in
    the query once per change of the month's cells (kept by
    :func:`~.price_memo.memo_months`); the keys with live outages then trade their settled
    sum for the sum with them (:func:`_with_live`).
    """
    rates, live = ctx.directory.outage, _live_outages(ctx)
    quiet, busy = _months(ctx, span, live)
    figures = memo_months(ctx, "totals", quiet, lambda missing: _month_sums(ctx, missing))
    kept = memo_months(ctx, "keys", busy, lambda missing: _month_keys(ctx, missing, None),
                       lambda part, old, changed: _patched_keys(ctx, part, old, changed, None))
    if figures is None or kept is None:
        return None
    merged = _with_live(ctx, live, kept)
    if merged is None:
        return None
    totals: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 6)
    for first, by_currency in [*figures.items(),
                               *((m, f["totals"]) for m, f in kept.items())]:
        for currency, values in by_currency.items():
            totals[(first.strftime("%Y-%m"), currency)] = [int(v) for v in values]
    for (month, _, item), (had, now) in merged.items():
        entry = totals[(month, rates.costs[item].currency)]
        if had is not None:
            _count(entry, had, -1)
        _count(entry, now, 1)
    months: defaultdict[tuple[str, str], _Month] = defaultdict(_Month)
    for (month, currency), (keys, priced_keys, tickets, seconds, no_cost, cents) in (
            totals.items()):
        if keys:
            total = months[(month, currency)]
            total.tickets, total.seconds, total.unpriced = tickets, seconds, no_cost
            if priced_keys:  # to the cent, as the sum of the rows' costs
                total.cost = Decimal(cents).scaleb(-2)
    return months


def _count(entry: list[int], figures: Sum, sign: int) -> None:
    """Add (``sign`` 1) or take out (-1) one key's sum in a month total ``[keys, priced keys,
    tickets, seconds, seconds without a cost, cents]`` (:func:`_month_sums`)."""
    tickets, seconds, cents = figures
    entry[0] += sign
    entry[2] += sign * tickets
    entry[3] += sign * seconds
    if cents is None:
        entry[4] += sign * seconds
    else:
        entry[1] += sign
        entry[5] += sign * cents


def _month_sums(ctx: ReportContext, parts: list[MonthPart]) -> dict[date, Any] | None:
    """Per month of ``parts`` (read as one span from the first one's first day to the last
    one's last), currency → [keys, priced keys, tickets, seconds, seconds without a cost,
    cents] of its settled sums, each priced in the query; ``None`` when a sum is too large to
    price there.

    One row per month with the sums of each currency side by side: grouped by the month
    alone, PostgreSQL hashes the priced rows instead of sorting them.
    """
    rates = ctx.directory.outage
    p = _priced(ctx, outage_keys(ctx, (parts[0].first, parts[-1].last)))
    items: dict[str, list[str]] = defaultdict(list)
    for item, cost in sorted(rates.costs.items()):
        items[cost.currency].append(item)
    currencies = sorted(items)
    columns: list[ColumnElement[Any]] = [p.c.month, cast(func.sum(p.c.unpriced), BigInteger)]
    for currency in currencies:
        ours = p.c.k2.in_(items[currency]) if len(items) > 1 else true()
        priced = and_(ours, p.c.cents.is_not(None))
        columns.extend(cast(func.sum(case((condition, value), else_=0)), BigInteger)
                       for condition, value in (
                           (ours, 1), (priced, 1), (ours, p.c.tickets), (ours, p.c.seconds),
                           (and_(ours, p.c.cents.is_(None)), p.c.seconds), (priced, p.c.cents)))
    found: dict[date, Any] = {part.month: {} for part in parts}
    for month, unpriced, *values in ctx.session.execute(select(*columns).group_by(p.c.month)).all():
        if unpriced:
            return None
        first = date.fromisoformat(str(month)[:7] + "-01")
        for i, currency in enumerate(currencies):
            values_of = [int(v) for v in values[6 * i:6 * i + 6]]
            if values_of[0]:
                found.setdefault(first, {})[currency] = values_of
    return found


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
