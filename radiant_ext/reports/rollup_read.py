"""Reading the roll-ups: which runs they answer, which cells a period takes, the live rest.

A run is answered from the roll-ups when they are built for the report zone, were judged no
later than the run's ``now``, and the filter is a run of whole local days with no store or
company (and, for the per-item cube, at most a department). Its figures are then the sums of
the cells of the period plus the same report over the live tickets (``ctx.live_only``).

A period of days is cut into whole months (one range of month cells) and, at each end, the
fewest aligned blocks of 8, 4, 2 and 1 days: at most about 11 blocks besides the months, so a
page reads at most ``(months + 11) × keys`` cells whatever the number of tickets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    Subquery,
    bindparam,
    func,
    literal,
    select,
    text,
    union,
    union_all,
)

from radiant_ext.reports._sql import nearest_rank, plain_rows
from radiant_ext.reports.context import FIRST_DAY, LAST_DAY, ReportContext
from radiant_ext.reports.pair_prefix import (
    PAIR_CUBE,
    PairCounts,
    block_end,
    block_start,
    blocks_between,
)
from radiant_ext.reports.rollups import CELLS, refresh, rollup_state
from radiant_ext.store import ReportKey, ReportLive
from radiant_ext.store.rollups import HIST_BUCKETS

__all__ = ["blocks", "cell_sums", "day_counts", "live", "month_end", "month_sums", "open_listed",
           "pair_counts", "percentiles", "present_keys", "rollup_span", "span_cells"]

Span = tuple[date, date]
MONTH = 4
"""The level of month cells."""
PAGE_REFRESH_LIMIT = 2000
"""A run takes in at most this many recorded changes itself; with more waiting (after a full
pull, a bulk update) it reads the cache and leaves them to the ``report-rollups`` job."""


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def blocks(first: date, last: date) -> tuple[tuple[date, date] | None, list[tuple[int, date]]]:
    """``[first, last]`` as (the first and last whole month, or ``None``) and the edge blocks
    as ``(level, first day)``; a block of level ``k`` is ``2**k`` days from a day ``1 + j·2**k``
    of its month, cut at the month's end."""
    singles: list[tuple[int, date]] = []
    months: list[date] = []
    day = first
    while day <= last:
        end = month_end(day)
        if day.day == 1 and end <= last:
            months.append(day)
            day = end + timedelta(days=1)
            continue
        for level in (3, 2, 1, 0):
            size = 1 << level
            block_end = min(day + timedelta(days=size - 1), end)
            if (day.day - 1) % size == 0 and block_end <= last:
                singles.append((level, day))
                day = block_end + timedelta(days=1)
                break
    return ((months[0], months[-1]) if months else None), singles


def _local_day(moment: datetime, ctx: ReportContext) -> date | None:
    """The local day starting at ``moment``; ``None`` when it is not a local midnight."""
    local = moment.astimezone(ctx.settings.zone)
    if local.time() != time() or datetime.combine(local.date(), time(), ctx.settings.zone
                                                  ).astimezone(UTC) != moment.astimezone(UTC):
        return None
    return local.date()


def _span(ctx: ReportContext) -> Span | None:
    f = ctx.filter
    first = _local_day(f.start, ctx) if f.start else FIRST_DAY
    after = _local_day(f.end, ctx) if f.end else LAST_DAY + timedelta(days=1)
    if first is None or after is None:
        return None
    return first, after - timedelta(days=1)


def _ready(ctx: ReportContext) -> bool:
    """Refresh the roll-ups for ``ctx.now`` and tell whether they answer it (once per run)."""
    if ctx._rollups is None:
        session = ctx.session
        began = not session.in_transaction()
        conn = session.connection()
        done = refresh(conn, ctx.settings.zone, ctx.now, limit=PAGE_REFRESH_LIMIT,
                       partial=False)
        if done.tickets and began:
            session.commit()
            conn = session.connection()
        state = rollup_state(conn) if done.built and not done.pending else None
        ctx._rollups = bool(state is not None and state.as_of <= ctx.now)
    return ctx._rollups


def rollup_span(ctx: ReportContext, *, department: bool = False) -> Span | None:
    """The local days the run covers when the roll-ups answer it, else ``None``.

    :param department: the caller can apply a department filter to its cells itself.
    """
    f = ctx.filter
    if ctx.live_only or f.store or f.company or (f.department and not department):
        return None
    span = _span(ctx)
    if span is None or span[1] < span[0] or not _ready(ctx):
        return None
    return span


def open_listed(ctx: ReportContext) -> bool:
    """Whether ``report_live`` lists every open ticket for this run (the roll-ups are current:
    an open ticket is never settled), so a report of open tickets reads only those rows."""
    return not ctx.live_only and _ready(ctx)


def live(ctx: ReportContext) -> ReportContext:
    """The run over the live tickets only (what the roll-ups leave to the cache)."""
    return replace(ctx, live_only=True, _categories=None, _wide=True, _rollups=False)


def span_cells(table: Any, match: Any, span: Span, columns: Sequence[Any]) -> Subquery | None:
    """``columns`` of the rows of cell ``table`` (``level``, ``start``) matching ``match``
    that cover ``span`` (a month range, the edge blocks), or ``None`` for none."""
    c = table.c
    months, singles = blocks(*span)
    parts = []
    if months is not None:
        parts.append(select(*columns).where(match, c.level == MONTH,
                                            c.start >= months[0], c.start <= months[1]))
    for level in sorted({lv for lv, _ in singles}):
        starts = [d for lv, d in singles if lv == level]
        parts.append(select(*columns).where(match, c.level == level, c.start.in_(starts)))
    return union_all(*parts).subquery() if parts else None


def _cells_of(cube: str, span: Span, columns: Sequence[Any]) -> Subquery | None:
    """``columns`` of the cells of ``cube`` that cover ``span`` (:func:`span_cells`)."""
    return span_cells(CELLS, CELLS.c.cube == cube, span, columns)


def cell_sums(ctx: ReportContext, cube: str, span: Span, measures: Sequence[str]
              ) -> dict[str, list[int]]:
    """Per key of ``cube``, the sums of ``measures`` over the cells of ``span``."""
    c = CELLS.c
    sub = _cells_of(cube, span, [c.key, *(c[m] for m in measures)])
    if sub is None:
        return {}
    stmt = select(sub.c.key, *(func.sum(sub.c[m]) for m in measures)).group_by(sub.c.key)
    return {str(k): [int(v or 0) for v in values]
            for k, *values in ctx.session.execute(stmt).all()}


def month_sums(ctx: ReportContext, cube: str, span: Span, measures: Sequence[str]
               ) -> dict[date, list[int]]:
    """Per local month (its first day), the sums of ``measures`` over the cells of ``span``
    of every key of ``cube`` (blocks never cross a month's end)."""
    c = CELLS.c
    sub = _cells_of(cube, span, [c.start, *(c[m] for m in measures)])
    out: dict[date, list[int]] = {}
    if sub is None:
        return out
    stmt = select(sub.c.start, *(func.sum(sub.c[m]) for m in measures)).group_by(sub.c.start)
    for start, *values in ctx.session.execute(stmt).all():
        entry = out.setdefault(start.replace(day=1), [0] * len(measures))
        for i, value in enumerate(values):
            entry[i] += int(value or 0)
    return out


def day_counts(ctx: ReportContext, cube: str, span: Span) -> Counter[date]:
    """Settled tickets per local day in ``span`` (the day cells of cube ``n``)."""
    c = CELLS.c
    stmt = select(c.start, c.tickets).where(c.cube == cube, c.level == 0,
                                            c.start >= span[0], c.start <= span[1])
    return Counter({start: int(n) for start, n in ctx.session.execute(stmt).all()})


def _edge_plan(ctx: ReportContext, span: Span
               ) -> tuple[tuple[date, date] | None, list[tuple[int, Span]]]:
    """``span`` as a range of whole 8-day blocks (their first days, or ``None``) and signed
    runs of days: a partial block at either end is either added as it is, or its block is
    taken whole and the days outside the span taken away — whichever holds fewer settled
    tickets (the ``n`` day cells): a period ending today takes its current block whole,
    with nothing to take away."""
    first, last = span
    head = (first, min(block_end(first), last)) if block_start(first) != first else None
    tail = (max(block_start(last), first), last) if last != block_end(last) else None
    if head is not None and head == tail:
        return None, [(1, head)]
    low = first if head is None else head[1] + timedelta(days=1)
    high = block_start(last if tail is None else tail[0] - timedelta(days=1))
    runs: list[tuple[int, Span]] = []
    settled = day_counts(ctx, "n", (block_start(first), block_end(last)))
    for part, outside in ((head, (block_start(first), first - timedelta(days=1))),
                          (tail, (last + timedelta(days=1), block_end(last)))):
        if part is None:
            continue
        if _tickets(settled, outside) < _tickets(settled, part):
            low, high = min(low, block_start(part[0])), max(high, block_start(part[0]))
            runs.append((-1, outside))
        else:
            runs.append((1, part))
    return ((low, high) if low <= high else None), runs


def _tickets(counts: Counter[date], span: Span) -> int:
    return sum(n for day, n in counts.items() if span[0] <= day <= span[1])


def pair_counts(ctx: ReportContext, span: Span) -> PairCounts:
    """Settled tickets per store × item pair in ``span``: for the whole 8-day blocks the
    running totals at the last one minus those of the block before the first (two rows,
    :func:`blocks_between`), plus or minus the ``pair`` cells of the edge days
    (:func:`_edge_plan`), which the database adds up per pair."""
    whole, runs = _edge_plan(ctx, span)
    conn = ctx.session.connection()
    found = blocks_between(conn, *whole) if whole is not None else PairCounts.of({})
    parts: list[str] = []
    params: dict[str, Any] = {}
    for sign, run in runs:
        singles = blocks(*run)[1]
        for level in sorted({lv for lv, _ in singles}):
            name = f"d{len(params)}"
            parts.append(f'SELECT "key", tickets * {int(sign)} AS n FROM report_cell '
                         f"WHERE cube = '{PAIR_CUBE}' AND level = {int(level)} "
                         f"AND start IN :{name}")
            params[name] = [d for lv, d in singles if lv == level]
    if parts:
        stmt = text(f'SELECT "key", SUM(n) FROM ({" UNION ALL ".join(parts)}) AS p '
                    'GROUP BY "key"').bindparams(
            *(bindparam(name, type_=Date, expanding=True) for name in params))
        found.add(plain_rows(conn, stmt, params))  # (text, integer) rows
    return found


def percentiles(hist: Sequence[int]) -> tuple[int | None, int | None]:
    """Nearest-rank median and 90th percentile of a histogram over :data:`HIST_BUCKETS`
    (the lower edge of the bucket holding the rank)."""
    counts = {edge: n for edge, n in zip(HIST_BUCKETS, hist, strict=True) if n}
    return nearest_rank(counts, 50), nearest_rank(counts, 90)


PRESENT = "radiant_present_keys"
"""The key of :func:`present_keys`' answer in the page session's ``info``."""


def present_keys(ctx: ReportContext, cube: str) -> set[str] | None:
    """The keys of ``cube`` (``item`` or ``store``) any ticket has, from the month cells and
    the live tickets; ``None`` when the roll-ups do not answer ``ctx``'s clock and zone.

    Both cubes are read at once and kept for the session (a page's request): the
    department and the store choices each ask, and reading the live tickets' keys twice
    was a third of what a page costs more at a million tickets than at ten thousand."""
    if not _ready(ctx):
        return None
    found = ctx.session.info.get(PRESENT)
    if found is None:
        found = ctx.session.info[PRESENT] = _present(ctx)
    return found[cube]


def _present(ctx: ReportContext) -> dict[str, set[str]]:
    """The item and store keys with month cells (``report_key``) and of the live tickets
    (``report_live``): a few hundred rows, whatever the number of tickets."""
    found: dict[str, set[str]] = {"item": set(), "store": set()}
    live = ReportLive
    every: CompoundSelect[str, str | None] = union(
        select(ReportKey.cube, ReportKey.key),
        select(literal("item"), live.item), select(literal("store"), live.store))
    for cube, key in ctx.session.execute(every).all():  # the database drops the repeated keys
        if key:
            found[cube].add(key)
    return found
