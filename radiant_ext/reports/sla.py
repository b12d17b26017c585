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
from radiant_ext.reports.rollup_read import cell_sums, live, rollup_span
from radiant_ext.reports.rollups import hist_bucket
from radiant_ext.store import TicketCache
from radiant_ext.store.rollups import GROUP_COLUMNS, HIST_BUCKETS, HIST_GROUP

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
    for k, b, *values in ctx.session.execute(stmt).all():
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
    for k, b, n in ctx.session.execute(histogram(key, TicketCache.solution_minutes, where)).all():
        sol_hist.setdefault(k, {})[int(b)] = int(n)
    sol = {k: (nearest_rank(h, 50), nearest_rank(h, 90)) for k, h in sol_hist.items()}
    return counts, resp, sol


_COUNTS = ("tickets", "r_met", "r_missed", "s_met", "s_missed")
_GROUPS = len(GROUP_COLUMNS) // 2
_PERCENTS = (50, 90)
Hist = dict[str, dict[int, int]]
"""Per key, histogram bucket index → count (one measure's live tickets)."""


def _live_figures(ctx: ReportContext, by: SlaBy, sums: dict[str, list[int]],
                  fine: dict[str, Hist]) -> None:
    """Add the live tickets to ``sums`` (counts, group columns) and their histogram buckets
    to ``fine`` (per measure ``r``, ``s``)."""
    rest = live(ctx)
    outcomes = [case((c, 1), else_=0) for c in (*response_outcome(rest),
                                                 *solution_outcome(rest))]
    stmt = select(_key(by), *outcomes, TicketCache.first_response_minutes,
                  TicketCache.solution_minutes).where(*rest.where())
    width = len(_COUNTS) + len(GROUP_COLUMNS)
    for row in rest.execute(stmt).all():
        k, rm, rx, sm, sx, response, solution = tuple(row)
        entry = sums.setdefault(k or "", [0] * width)
        for i, value in enumerate((1, rm, rx, sm, sx)):
            entry[i] += int(value)
        for m, (measure, minutes) in enumerate((("r", response), ("s", solution))):
            bucket = hist_bucket(None if minutes is None else int(minutes))
            if bucket is not None:
                entry[len(_COUNTS) + m * _GROUPS + bucket // HIST_GROUP] += 1
                per_key = fine[measure].setdefault(k or "", {})
                per_key[bucket] = per_key.get(bucket, 0) + 1


Rank = tuple[str, str, int, int, int]
"""(key, measure, percent, group holding the rank, rank left within that group)."""


def _ranks(sums: dict[str, list[int]]) -> list[Rank]:
    """Where each key's median and 90th percentile fall: the group and the rank in it."""
    found: list[Rank] = []
    for k, values in sums.items():
        for m, measure in enumerate(("r", "s")):
            groups = values[len(_COUNTS) + m * _GROUPS:len(_COUNTS) + (m + 1) * _GROUPS]
            total = sum(groups)
            for percent in _PERCENTS if total else ():
                rank, seen = -(-total * percent // 100), 0
                for g, n in enumerate(groups):
                    if seen + n >= rank:
                        found.append((k, measure, percent, g, rank - seen))
                        break
                    seen += n
    return found


def _from_rollups(ctx: ReportContext, by: SlaBy, span: tuple[date, date]) -> Figures:
    """The cells' sums plus the live tickets, one row each; percentiles as the lower edge of
    the :data:`~radiant_ext.store.rollups.HIST_BUCKETS` bucket holding the nearest rank, read
    in two steps: the group columns tell each key's group, then only those groups' buckets
    are summed."""
    sums = cell_sums(ctx, by, span, (*_COUNTS, *GROUP_COLUMNS))
    dept = ctx.filter.department
    if dept:
        sums = {k: v for k, v in sums.items() if k and ctx.directory.department_of(k) == dept}
    fine: dict[str, Hist] = {"r": {}, "s": {}}
    _live_figures(ctx, by, sums, fine)
    ranks = _ranks(sums)
    columns = sorted({f"{measure}_h{g * HIST_GROUP + i:02d}"
                      for _, measure, _, g, _ in ranks for i in range(HIST_GROUP)})
    buckets = cell_sums(ctx, by, span, columns) if columns else {}
    at = {c: i for i, c in enumerate(columns)}
    found: dict[tuple[str, str, int], int] = {}
    for k, measure, percent, g, rank in ranks:
        cells, seen = buckets.get(k), 0
        for bucket in range(g * HIST_GROUP, (g + 1) * HIST_GROUP):
            seen += (cells[at[f"{measure}_h{bucket:02d}"]] if cells else 0) + fine[
                measure].get(k, {}).get(bucket, 0)
            if seen >= rank:
                found[(k, measure, percent)] = HIST_BUCKETS[bucket]
                break

    def pair(k: str, measure: str) -> Pair:
        return found.get((k, measure, 50)), found.get((k, measure, 90))

    counts = {k: v[:len(_COUNTS)] for k, v in sums.items()}
    return (counts, {k: pair(k, "r") for k in sums}, {k: pair(k, "s") for k in sums})


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
