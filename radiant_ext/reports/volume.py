"""Where the work comes from: tickets per period, weekday × hour, item, department, store.

Counting is done by the database grouped by UTC hour (at most 24 rows a day); the hours are
then moved to the report time zone in Python, which keeps day, week, weekday and hour exact
for every zone with whole-hour offsets, daylight saving included.
"""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from radiant_ext.reports._sql import bucket_hour, hour_bucket, no_index
from radiant_ext.reports.context import ReportContext, count_if, is_open, store_key
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, ColumnKind, ReportTable
from radiant_ext.reports.pair_prefix import PairCounts, PairLayout, pair_key
from radiant_ext.reports.rollup_read import (
    cell_sums,
    day_counts,
    live,
    pair_counts,
    rollup_span,
)
from radiant_ext.store import TicketCache

__all__ = [
    "WEEKDAYS",
    "daily_counts",
    "hourly_counts",
    "tickets_by_department",
    "tickets_by_item",
    "tickets_by_store",
    "tickets_by_weekday_hour",
    "tickets_per_period",
]

PERIOD_TITLES = {"day": W_("Tickets per day"), "week": W_("Tickets per week"),
                 "month": W_("Tickets per month")}
"""The title of the volume table by period."""

WEEKDAYS = (W_("Monday"), W_("Tuesday"), W_("Wednesday"), W_("Thursday"), W_("Friday"),
            W_("Saturday"), W_("Sunday"))


def hourly_counts(ctx: ReportContext) -> Counter[datetime]:
    """Tickets per local hour (aware datetimes in the report zone) for the context's filter."""
    bucket = hour_bucket(TicketCache.created)
    f = ctx.filter
    only_period = not (f.company or f.store or f.department)
    stmt = select(bucket, func.count()).where(*ctx.where(covering=only_period)).group_by(bucket)
    zone = ctx.settings.zone
    out: Counter[datetime] = Counter()
    for text, count in ctx.execute(stmt).all():
        if text:
            out[bucket_hour(text).astimezone(zone)] += int(count)
    return out


def _period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _next_period(day: date, period: str) -> date:
    if period == "week":
        return day + timedelta(days=7)
    if period == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _label(day: date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.strftime("%Y-%m") if period == "month" else day.isoformat()


def _period_range(ctx: ReportContext, seen: list[date]) -> tuple[date, date] | None:
    zone, f = ctx.settings.zone, ctx.filter
    first = f.start.astimezone(zone).date() if f.start else (min(seen) if seen else None)
    last = (f.end - timedelta(microseconds=1)).astimezone(zone).date() if f.end else (
        max(seen) if seen else None)
    if first is None or last is None:
        return None
    return first, min(last, max(ctx.zone_now().date(), first))


def tickets_per_period(ctx: ReportContext) -> ReportTable:
    """Tickets created per day, ISO week or month (local time), empty periods included."""
    period = ctx.filter.period
    per_day: Counter[date] = Counter()
    for day, count in daily_counts(ctx).items():
        per_day[_period_start(day, period)] += count
    rows: list[tuple[object, ...]] = []
    span = _period_range(ctx, list(per_day))
    if span:
        day, last = _period_start(span[0], period), span[1]
        while day <= last:
            rows.append((_label(day, period), day.isoformat(), per_day.get(day, 0)))
            day = _next_period(day, period)
    kind: ColumnKind = "date" if period == "day" else "month" if period == "month" else "text"
    columns = (Column("period", W_("Period"), kind), Column("starts", W_("Starts on"), "date"),
               Column("tickets", W_("Tickets"), "int"))
    return ReportTable("volume", PERIOD_TITLES[period], columns, rows,
                       Chart("line" if len(rows) > 40 else "bar", "period", ("tickets",),
                             max_points=400))


def tickets_by_weekday_hour(ctx: ReportContext) -> ReportTable:
    """A weekday × hour grid of ticket counts (local time): the heat map."""
    grid = [[0] * 24 for _ in WEEKDAYS]
    span = rollup_span(ctx)
    if span is not None:
        for key, (count,) in cell_sums(ctx, "wh", span, ("tickets",)).items():
            weekday, hour = key.split(":")
            grid[int(weekday)][int(hour)] += count
    for when, count in hourly_counts(live(ctx) if span else ctx).items():
        grid[when.weekday()][when.hour] += count
    columns = (Column("weekday", W_("Weekday"), words=True),
               *(Column(f"h{h:02d}", f"{h:02d}", "int") for h in range(24)),
               Column("total", W_("Total"), "int"))
    rows = [(name, *grid[i], sum(grid[i])) for i, name in enumerate(WEEKDAYS)]
    return ReportTable("weekday-hour", W_("Tickets by weekday and hour"), columns, rows,
                       Chart("heatmap", "weekday", tuple(f"h{h:02d}" for h in range(24))))


def daily_counts(ctx: ReportContext) -> Counter[date]:
    """Tickets per local day: the day cells and the live tickets, or the cache alone."""
    span = rollup_span(ctx)
    out = day_counts(ctx, "n", span) if span is not None else Counter()
    for when, count in hourly_counts(live(ctx) if span else ctx).items():
        out[when.date()] += count
    return out


def _merged(cells: dict[str, list[int]], found: list[tuple[str | None, int, int]]
            ) -> list[tuple[str | None, int, int]]:
    """Cell counts (settled, never open) plus the live tickets' counts, by key."""
    total: dict[str, list[int]] = {k: [n[0], 0] for k, n in cells.items()}
    for key, n, o in found:
        entry = total.setdefault(key or "", [0, 0])
        entry[0] += n
        entry[1] += o
    return [(k, n, o) for k, (n, o) in total.items()]


def _by_category(ctx: ReportContext) -> list[tuple[str | None, int, int]]:
    span = rollup_span(ctx, department=True)
    if span is None:
        return _by_category_in_cache(ctx)
    cells = cell_sums(ctx, "item", span, ("tickets",))
    dept = ctx.filter.department
    if dept:
        cells = {k: v for k, v in cells.items() if k and ctx.directory.department_of(k) == dept}
    return _merged(cells, _by_category_in_cache(live(ctx)))


def _by_category_in_cache(ctx: ReportContext) -> list[tuple[str | None, int, int]]:
    category = no_index(TicketCache.category)  # a scan beats walking the category index
    stmt = (select(category, func.count(), count_if(is_open()))
            .where(*ctx.where()).group_by(category))
    return [(c, int(n), int(o or 0)) for c, n, o in ctx.execute(stmt).all()]


def _by_store(ctx: ReportContext) -> list[tuple[str | None, int, int]]:
    span = rollup_span(ctx)
    if span is None:
        return _by_store_in_cache(ctx)
    return _merged(cell_sums(ctx, "store", span, ("tickets",)), _by_store_in_cache(live(ctx)))


def _by_store_in_cache(ctx: ReportContext) -> list[tuple[str | None, int, int]]:
    key = store_key()
    stmt = (select(key, func.count(), count_if(is_open()))
            .where(*ctx.where()).group_by(key))
    return [(s, int(n), int(o or 0)) for s, n, o in ctx.execute(stmt).all()]


def _share(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def tickets_by_item(ctx: ReportContext) -> ReportTable:
    """Tickets per catalog item (category), with its department, most frequent first."""
    found = _by_category(ctx)
    total = sum(n for _, n, _ in found)
    d = ctx.directory
    rows: list[tuple[object, ...]] = [
        (c or "", d.item_title(c), d.department_of(c), d.department_title(d.department_of(c)),
         n, o, _share(n, total))
        for c, n, o in sorted(found, key=lambda r: (-r[1], r[0] or ""))]
    columns = (Column("item", W_("Catalog item id"), ident=True),
               Column("title", W_("Catalog item")),
               Column("department", W_("Department id"), ident=True),
               Column("department_title", W_("Department")),
               Column("tickets", W_("Tickets"), "int"),
               Column("open", W_("Open"), "int"), Column("share", W_("Share %"), "percent"))
    return ReportTable("items", W_("Tickets per catalog item"), columns, rows,
                       Chart("hbar", "title", ("tickets",), max_points=25))


def tickets_by_department(ctx: ReportContext) -> ReportTable:
    """Tickets per department (items grouped by their department)."""
    tickets: Counter[str] = Counter()
    still_open: Counter[str] = Counter()
    for category, n, o in _by_category(ctx):
        dept = ctx.directory.department_of(category)
        tickets[dept] += n
        still_open[dept] += o
    total = sum(tickets.values())
    rows: list[tuple[object, ...]] = [
        (dept, ctx.directory.department_title(dept), n, still_open[dept], _share(n, total))
        for dept, n in sorted(tickets.items(), key=lambda kv: (-kv[1], kv[0]))]
    columns = (Column("department", W_("Department id"), ident=True),
               Column("title", W_("Department")),
               Column("tickets", W_("Tickets"), "int"), Column("open", W_("Open"), "int"),
               Column("share", W_("Share %"), "percent"))
    return ReportTable("departments", W_("Tickets per department"), columns, rows,
                       Chart("hbar", "title", ("tickets",)))


def tickets_by_store(ctx: ReportContext) -> ReportTable:
    """Tickets per store (``RadiantStore``, else the customer company)."""
    found = _by_store(ctx)
    total = sum(n for _, n, _ in found)
    rows: list[tuple[object, ...]] = [
        (s or "", ctx.directory.store_name(s), n, o, _share(n, total))
        for s, n, o in sorted(found, key=lambda r: (-r[1], r[0] or ""))]
    columns = (Column("store", W_("Store id"), ident=True), Column("name", W_("Store")),
               Column("tickets", W_("Tickets"), "int"), Column("open", W_("Open"), "int"),
               Column("share", W_("Share %"), "percent"))
    return ReportTable("stores", W_("Tickets per store"), columns, rows,
                       Chart("hbar", "name", ("tickets",), max_points=40))



def recurring_failures(ctx: ReportContext) -> ReportTable:
    """Store × item pairs that come back far more often than the chain average.

    ``expected`` is the store's ticket total times the item's share across the whole
    selection; rows are sorted by the excess over it, so a printer that breaks every week at
    one store rises to the top even when a bigger store files more tickets overall.
    """
    counts = _pair_counts(ctx)  # some 12,000 pairs: added up by position, not by key
    per_store, per_item = counts.totals()
    total = sum(per_store.values())
    ranked = _over_expected(counts, per_store, per_item, total)
    weeks = _weeks(ctx)
    d = ctx.directory
    rows: list[tuple[object, ...]] = [
        (store, d.store_name(store), item, d.item_title(item), n, round(expected, 1),
         round(n / expected, 2), round(n / weeks, 2))
        for _, store, item, n, expected in heapq.nsmallest(50, ranked)]
    columns = (Column("store", W_("Store id"), ident=True), Column("name", W_("Store")),
               Column("item", W_("Catalog item id"), ident=True),
               Column("title", W_("Catalog item")),
               Column("tickets", W_("Tickets"), "int"),
               Column("expected", W_("Expected"), "number"),
               Column("ratio", W_("Times the average"), "number"),
               Column("per_week", W_("Per week"), "number"))
    table = ReportTable("recurring", W_("Recurring problems by store"), columns, rows,
                        Chart("hbar", "name", ("tickets", "expected"), max_points=15,
                              detail="title"))
    table.notes.append(W_("Store and item pairs with at least 3 tickets and 1.5 times the "
                          "number the chain average predicts."))
    return table


def _over_expected(counts: PairCounts, per_store: dict[str, int], per_item: dict[str, int],
                   total: int) -> list[tuple[float, str, str, int, float]]:
    """``(-excess, store, item, tickets, expected)`` of the pairs with at least 3 tickets and
    1.5 times their expected number: ranked before anything is looked up or formatted, so the
    page does the rest for the 50 rows it shows, not the ~12,000 pairs. The pairs are walked
    by position in their layout (each position's item total looked up once, in C), not paired
    with their items first; the few pairs the stored layout does not hold yet in a layout of
    their own."""
    ranked = _ranked(counts.layout, counts.counts, per_store, per_item, total)
    if counts.extra:
        extra = PairCounts.of(counts.extra)
        ranked += _ranked(extra.layout, extra.counts, per_store, per_item, total)
    return ranked


def _ranked(layout: PairLayout, found: list[int], per_store: dict[str, int],
            per_item: dict[str, int], total: int) -> list[tuple[float, str, str, int, float]]:
    item_at = layout.item_at
    of_item = list(map(per_item.__getitem__, item_at))
    ranked: list[tuple[float, str, str, int, float]] = []
    for store, at in layout.by_store:
        tickets = per_store[store]
        ranked += [(round(expected, 1) - n, store, item_at[i], n, expected) for i in at
                   if (n := found[i]) >= 3
                   and n >= 1.5 * (expected := tickets * of_item[i] / total)]
    return ranked


def _pairs(ctx: ReportContext) -> list[tuple[str, str, int]]:
    """(store, item, tickets) of every store × item pair of the run with tickets."""
    return [(store, item, n) for store, item, n in _pair_counts(ctx).pairs() if n > 0]


def _pair_counts(ctx: ReportContext) -> PairCounts:
    """Tickets per store × item pair of the run: from the roll-ups' running totals and the
    live tickets when they answer it, else from the cache (some 12,000 pairs for a chain of
    500 stores). The live tickets (about a thousand at a million) are counted here, not
    grouped by the database: its sort of them cost more than the count."""
    span = rollup_span(ctx)
    run = ctx if span is None else live(ctx)
    key = store_key()
    category = no_index(TicketCache.category)
    if span is None:
        stmt = (select(key, category, func.count())
                .where(*run.where(), category.is_not(None)).group_by(key, category))
        return PairCounts.of({pair_key(store or "", str(item)): int(n)
                              for store, item, n in run.execute(stmt).all()})
    found = pair_counts(ctx, span)
    live_pairs = Counter(run.plain_rows(select(key, category).where(
        *run.where(), category.is_not(None))))  # (text, text) rows
    found.add((pair_key(store or "", str(item)), n) for (store, item), n in live_pairs.items())
    return found


def _weeks(ctx: ReportContext) -> float:
    f = ctx.filter
    first = f.start or ctx.session.scalar(select(func.min(TicketCache.created)).where(*ctx.where()))
    last = min(f.end or ctx.now, ctx.now)
    if first is None:
        return 1.0
    return max(1.0, (last - first).total_seconds() / (7 * 86400))
