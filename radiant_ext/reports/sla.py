"""SLA compliance: response and solution deadlines met or missed, with median and p90 times.

* Response: met when the first agent answer came before ``first_response_deadline``; missed
  when it came later, or has not come and the deadline passed.
* Solution: the deadline is the promised one (``RadiantDeadline``), else Znuny's solution
  escalation time; met when the ticket closed by then; missed when it closed later, or is
  still open past it. Open tickets not yet due count in neither.
* Times are wall-clock minutes from creation (``first_response_minutes``,
  ``solution_minutes``); percentiles are nearest-rank over a histogram the database builds
  (:func:`~radiant_ext.reports._sql.minute_bucket`: exact under an hour, within about 2 %
  above).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import ColumnElement

from radiant_ext.reports._sql import histogram, minute_bucket, nearest_rank, no_index
from radiant_ext.reports.context import ReportContext, count_if, store_key
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, ReportTable
from radiant_ext.reports.rollup_read import cell_sums, live, percentiles, rollup_span
from radiant_ext.reports.rollups import hist_bucket
from radiant_ext.store import TicketCache
from radiant_ext.store.rollups import HIST_COLUMNS

__all__ = ["SlaBy", "response_outcome", "sla_compliance", "solution_deadline",
           "solution_outcome"]

SlaBy = Literal["item", "store", "owner"]


def solution_deadline() -> ColumnElement[Any]:
    """The solution deadline of a ticket: promised, else Znuny's solution escalation."""
    return func.coalesce(TicketCache.promised_deadline, TicketCache.solution_deadline)


def solution_outcome(ctx: ReportContext) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """SQL conditions ``(met, missed)`` for the solution deadline."""
    t, deadline = TicketCache, solution_deadline()
    met = and_(deadline.is_not(None), t.closed.is_not(None), t.closed <= deadline)
    missed = and_(deadline.is_not(None), or_(
        and_(t.closed.is_not(None), t.closed > deadline),
        and_(t.closed.is_(None), deadline < ctx.now)))
    return met, missed


def response_outcome(ctx: ReportContext) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """SQL conditions ``(met, missed)`` for the first-response deadline."""
    t = TicketCache
    due, answered = t.first_response_deadline, t.first_response_at
    met = and_(due.is_not(None), answered.is_not(None), answered <= due)
    missed = and_(due.is_not(None), or_(
        and_(answered.is_not(None), answered > due),
        and_(answered.is_(None), due < ctx.now)))
    return met, missed


def _key(by: SlaBy) -> ColumnElement[Any] | QueryableAttribute[Any]:
    if by == "item":
        return no_index(TicketCache.category)  # a scan beats walking the category index
    if by == "store":
        return store_key()
    return TicketCache.owner


def _rate(met: int, missed: int) -> float | None:
    return round(100.0 * met / (met + missed), 1) if met + missed else None


def _label(ctx: ReportContext, by: SlaBy, key: str | None) -> str:
    if by == "item":
        return ctx.directory.item_title(key)
    if by == "store":
        return ctx.directory.store_name(key)
    return ctx.directory.agent_name(key)


COLUMNS = (
    Column("key", W_("Key"), ident=True), Column("label", W_("Name")),
    Column("tickets", W_("Tickets"), "int"),
    Column("response_met", W_("Response met"), "int"),
    Column("response_missed", W_("Response missed"), "int"),
    Column("response_rate", W_("Response met %"), "percent"),
    Column("response_median", W_("Median response (min)"), "minutes"),
    Column("response_p90", W_("90th pct response (min)"), "minutes"),
    Column("solution_met", W_("Solution met"), "int"),
    Column("solution_missed", W_("Solution missed"), "int"),
    Column("solution_rate", W_("Solution met %"), "percent"),
    Column("solution_median", W_("Median solution (min)"), "minutes"),
    Column("solution_p90", W_("90th pct solution (min)"), "minutes"),
)


def _counts_and_response(ctx: ReportContext, key: Any, where: list[ColumnElement[bool]],
                         ) -> tuple[dict[Any, list[int]], dict[Any, dict[int, int]]]:
    """One scan: per key the five counts, and the first-response histogram.

    Grouping by (key, response bucket) and summing the buckets back per key saves a pass
    over the cache compared with a separate count query.
    """
    r_met, r_missed = response_outcome(ctx)
    s_met, s_missed = solution_outcome(ctx)
    bucket = minute_bucket(TicketCache.first_response_minutes)
    stmt = (select(key, bucket, func.count(), count_if(r_met), count_if(r_missed),
                   count_if(s_met), count_if(s_missed)).where(*where).group_by(key, bucket))
    counts: dict[Any, list[int]] = {}
    hist: dict[Any, dict[int, int]] = {}
    for k, b, *values in ctx.session.execute(stmt):
        numbers = [int(v or 0) for v in values]
        total = counts.setdefault(k, [0] * len(numbers))
        counts[k] = [a + n for a, n in zip(total, numbers, strict=True)]
        if b is not None:
            hist.setdefault(k, {})[int(b)] = numbers[0]
    return counts, hist


Pair = tuple[int | None, int | None]
Figures = tuple[dict[Any, list[int]], dict[Any, Pair], dict[Any, Pair]]
"""Per key: the five counts, the (median, p90) response and solution minutes."""


def _from_cache(ctx: ReportContext, by: SlaBy) -> Figures:
    key, where = _key(by), ctx.where()
    counts, resp_hist = _counts_and_response(ctx, key, where)
    resp = {k: (nearest_rank(h, 50), nearest_rank(h, 90)) for k, h in resp_hist.items()}
    sol_hist: dict[Any, dict[int, int]] = {}
    for k, b, n in ctx.session.execute(histogram(key, TicketCache.solution_minutes, where)):
        sol_hist.setdefault(k, {})[int(b)] = int(n)
    sol = {k: (nearest_rank(h, 50), nearest_rank(h, 90)) for k, h in sol_hist.items()}
    return counts, resp, sol


_CUBE_MEASURES = ("tickets", "r_met", "r_missed", "s_met", "s_missed", *HIST_COLUMNS)
_BUCKETS = len(HIST_COLUMNS) // 2


def _from_rollups(ctx: ReportContext, by: SlaBy, span: tuple[date, date]) -> Figures:
    """The cells' sums plus the live tickets, one row each; percentiles over the cells'
    histograms (:data:`~radiant_ext.store.rollups.HIST_BUCKETS`)."""
    sums = cell_sums(ctx, by, span, _CUBE_MEASURES)
    dept = ctx.filter.department
    if dept:
        sums = {k: v for k, v in sums.items() if k and ctx.directory.department_of(k) == dept}
    rest = live(ctx)
    outcomes = [case((c, 1), else_=0) for c in (*response_outcome(rest),
                                                 *solution_outcome(rest))]
    stmt = select(_key(by), *outcomes, TicketCache.first_response_minutes,
                  TicketCache.solution_minutes).where(*rest.where())
    for row in ctx.session.execute(stmt):
        k, rm, rx, sm, sx, response, solution = tuple(row)
        entry = sums.setdefault(k or "", [0] * len(_CUBE_MEASURES))
        for i, value in enumerate((1, rm, rx, sm, sx)):
            entry[i] += int(value)
        for offset, minutes in ((5, response), (5 + _BUCKETS, solution)):
            bucket = hist_bucket(None if minutes is None else int(minutes))
            if bucket is not None:
                entry[offset + bucket] += 1
    counts = {k: v[:5] for k, v in sums.items()}
    resp = {k: percentiles(v[5:5 + _BUCKETS]) for k, v in sums.items()}
    sol = {k: percentiles(v[5 + _BUCKETS:]) for k, v in sums.items()}
    return counts, resp, sol


def sla_compliance(ctx: ReportContext, by: SlaBy) -> ReportTable:
    """Deadlines met and missed per catalog item, store or owner."""
    span = rollup_span(ctx, department=by == "item")
    counts, resp, sol = (_from_cache(ctx, by) if span is None
                         else _from_rollups(ctx, by, span))
    rows: list[tuple[object, ...]] = []
    for k, (n, rm, rx, sm, sx) in sorted(counts.items(), key=lambda kv: (-kv[1][0],
                                                                            kv[0] or "")):
        rows.append((k or "", _label(ctx, by, k), n, rm, rx, _rate(rm, rx),
                     *resp.get(k, (None, None)), sm, sx, _rate(sm, sx),
                     *sol.get(k, (None, None))))
    title = {"item": W_("SLA compliance per catalog item"), "store": W_("SLA compliance per store"),
             "owner": W_("SLA compliance per owner")}[by]
    return ReportTable(f"sla-{by}s", title, COLUMNS, rows,
                       Chart("stacked", "label", ("solution_met", "solution_missed"),
                             max_points=25))
