"""Satisfaction: the requesters' ratings next to SLA compliance and volume.

Every row counts the tickets the filter selects (created in the period, the viewer's scope,
a department, a store — as every report), then tells how many of them were rated, their
average rating and how many were poor (2 or less), beside the number of tickets and their
solution and response deadlines met (:mod:`radiant_ext.reports.sla`'s rules). Grouped per
catalog item, department, store, owner (the owner when rated, else the current one) or month
(of creation, in the report time zone). ``satisfaction-comments`` lists the comments of the
worst-rated requests, worst and newest first.

When the roll-ups answer a run (:func:`~radiant_ext.reports.rollup_read.rollup_span`) the
settled tickets' figures come from the cells — cube ``item`` (items, departments), ``store``,
``rowner`` (the owner rated, else the current one) and ``n`` (months) — and only the live
tickets are read from the cache. The comments are read through the ratings' ``(rating,
rated_at)`` index, one rating value at a time, so the worst 50 cost about 50 rows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement

from radiant_ext.reports._sql import bucket_hour, hour_bucket
from radiant_ext.reports.context import ReportContext, count_if, store_key
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, ReportTable
from radiant_ext.reports.rollup_read import cell_sums, live, month_sums, rollup_span
from radiant_ext.reports.rollups import POOR_RATING
from radiant_ext.reports.sla import response_outcome, solution_outcome
from radiant_ext.store import SatisfactionRating, TicketCache

__all__ = ["POOR_AT_MOST", "SatisfactionBy", "satisfaction", "worst_comments"]

SatisfactionBy = Literal["item", "department", "store", "owner", "month"]
POOR_AT_MOST = POOR_RATING
"""Ratings counted as poor in the reports (the items' default threshold)."""
MEASURES = ("tickets", "s_met", "s_missed", "r_met", "r_missed", "rated", "rating_sum", "poor")
"""The figures summed per row, in the order of the cache query."""
CUBES: dict[SatisfactionBy, str] = {"item": "item", "department": "item", "store": "store",
                                    "owner": "rowner", "month": "n"}
"""The roll-up cube each grouping reads."""
COMMENTS_SHOWN = 50

_TITLES = {
    "item": W_("Satisfaction per catalog item"),
    "department": W_("Satisfaction per department"),
    "store": W_("Satisfaction per store"),
    "owner": W_("Satisfaction per owner"),
    "month": W_("Satisfaction per month"),
}

_FIGURES = (
    Column("tickets", W_("Tickets"), "int"),
    Column("rated", W_("Rated"), "int"),
    Column("average", W_("Average rating"), "number"),
    Column("poor", W_("Poor ratings (1-2)"), "int"),
    Column("solution_rate", W_("Solution met %"), "percent"),
    Column("response_rate", W_("Response met %"), "percent"),
)


def _key(by: SatisfactionBy) -> ColumnElement[Any]:
    r, t = SatisfactionRating, TicketCache
    if by in ("item", "department"):
        return func.coalesce(t.category, "")
    if by == "store":
        return func.coalesce(store_key(), "")
    if by == "owner":
        return func.coalesce(r.owner, t.owner, "")
    return hour_bucket(t.created)


def _rate(met: int, missed: int) -> float | None:
    return round(100.0 * met / (met + missed), 1) if met + missed else None


def _group_key(ctx: ReportContext, by: SatisfactionBy, key: Any) -> str:
    if by == "department":
        return ctx.directory.department_of(key or None)
    if by == "month":
        if not key:
            return ""
        local: date = bucket_hour(key).astimezone(ctx.settings.zone).date()
        return local.strftime("%Y-%m")
    return str(key or "")


def _label(ctx: ReportContext, by: SatisfactionBy, key: str) -> str:
    if by == "item":
        return ctx.directory.item_title(key or None)
    if by == "department":
        return ctx.directory.department_title(key)
    if by == "store":
        return ctx.directory.store_name(key or None)
    if by == "owner":
        return ctx.directory.agent_name(key or None)
    return key


def _from_cache(ctx: ReportContext, by: SatisfactionBy,
                sums: dict[str, list[int]]) -> None:
    """Add the figures of the tickets ``ctx`` selects in the cache to ``sums`` per group."""
    r, t = SatisfactionRating, TicketCache
    s_met, s_missed = solution_outcome(ctx)
    r_met, r_missed = response_outcome(ctx)
    key = _key(by)
    stmt = (select(key, func.count(), count_if(s_met), count_if(s_missed), count_if(r_met),
                   count_if(r_missed), func.count(r.rating), func.coalesce(func.sum(r.rating), 0),
                   count_if(r.rating <= POOR_AT_MOST))
            .select_from(t).outerjoin(r, r.ticket_id == t.ticket_id)
            .where(*ctx.where()).group_by(key))
    for k, *values in ctx.execute(stmt).all():
        _add(sums, _group_key(ctx, by, k), values)


def _add(sums: dict[str, list[int]], group: str, values: list[Any]) -> None:
    entry = sums.setdefault(group, [0] * len(MEASURES))
    for i, value in enumerate(values):
        entry[i] += int(value or 0)


def _from_rollups(ctx: ReportContext, by: SatisfactionBy, span: tuple[date, date]
                  ) -> dict[str, list[int]]:
    """The settled tickets' figures from the cells, per group."""
    sums: dict[str, list[int]] = {}
    if by == "month":
        for month, values in month_sums(ctx, "n", span, MEASURES).items():
            _add(sums, month.strftime("%Y-%m"), values)
        return sums
    dept = ctx.filter.department
    for k, values in cell_sums(ctx, CUBES[by], span, MEASURES).items():
        if dept and not (k and ctx.directory.department_of(k) == dept):
            continue
        _add(sums, ctx.directory.department_of(k or None) if by == "department" else k,
             values)
    return sums


def satisfaction(ctx: ReportContext, by: SatisfactionBy) -> ReportTable:
    """Average rating, ratings and poor ones, with tickets and SLA compliance, per ``by``."""
    span = rollup_span(ctx, department=by in ("item", "department"))
    sums = {} if span is None else _from_rollups(ctx, by, span)
    _from_cache(ctx if span is None else live(ctx), by, sums)
    rows: list[tuple[object, ...]] = []
    order = sorted(sums.items(), key=(lambda kv: kv[0]) if by == "month" else
                   (lambda kv: (-kv[1][0], kv[0])))
    for k, (n, sm, sx, rm, rx, rated, total, poor) in order:
        average = round(total / rated, 2) if rated else None
        rows.append((k, _label(ctx, by, k), n, rated, average, poor, _rate(sm, sx),
                     _rate(rm, rx)))
    columns = (Column("key", W_("Key"), ident=True),
               Column("label", W_("Name"), "month" if by == "month" else "text"), *_FIGURES)
    return ReportTable(f"satisfaction-{by}s", _TITLES[by], columns, rows,
                       Chart("line" if by == "month" and len(rows) > 12 else "bar", "label",
                             ("average",), max_points=25))


def _worst(ctx: ReportContext) -> list[Any]:
    """The worst-rated commented ratings of the tickets ``ctx`` selects, worst then newest
    first: one rating value at a time, each read newest first along the ``(rating,
    rated_at)`` index, until :data:`COMMENTS_SHOWN` are found. The period is kept off the
    ``created`` index (and not measured against the cache, which counts every ticket): the
    ratings drive, each ticket is fetched by its id."""
    r, t = SatisfactionRating, TicketCache
    where = replace(ctx, _wide=True).where()
    found: list[Any] = []
    rating = ctx.session.scalar(select(func.min(r.rating)))
    while rating is not None and len(found) < COMMENTS_SHOWN:
        stmt = (select(r.rated_at, r.ticket_number, r.item, func.coalesce(store_key(), r.store),
                       func.coalesce(r.owner, t.owner), r.rating, r.comment)
                .select_from(r).join(t, t.ticket_id == r.ticket_id)
                .where(*where, r.rating == rating, r.comment != "")
                .order_by(r.rated_at.desc()).limit(COMMENTS_SHOWN - len(found)))
        found += ctx.session.execute(stmt).all()
        rating = ctx.session.scalar(select(func.min(r.rating)).where(r.rating > rating))
    return found


def worst_comments(ctx: ReportContext) -> ReportTable:
    """The comments of the worst-rated requests (worst, then newest, first)."""
    zone = ctx.settings.zone
    rows: list[tuple[object, ...]] = []
    for rated_at, number, item, store, owner, rating, comment in _worst(ctx):
        rows.append((rated_at.astimezone(zone), number,
                     ctx.directory.item_title(item), ctx.directory.store_name(store),
                     ctx.directory.agent_name(owner), int(rating), comment))
    columns = (Column("rated_at", W_("Rated at"), "datetime"), Column("ticket", W_("Ticket")),
               Column("item", W_("Catalog item")), Column("store", W_("Store")),
               Column("owner", W_("Owner")), Column("rating", W_("Rating"), "int"),
               Column("comment", W_("Comment")))
    return ReportTable("satisfaction-comments", W_("Comments of the worst-rated requests"),
                       columns, rows)
