"""Open backlog: how many tickets are open, how old they are, how many are overdue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from radiant_ext.reports._sql import no_index
from radiant_ext.reports.context import ReportContext, count_if, is_open
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, ReportTable
from radiant_ext.reports.rollup_read import live, open_listed
from radiant_ext.store import TicketCache

__all__ = ["AGE_BUCKETS", "open_backlog"]

AGE_BUCKETS = ((1, W_("under 1 day")), (3, W_("1–3 days")), (7, W_("3–7 days")),
               (30, W_("7–30 days")), (None, W_("over 30 days")))
"""Upper bounds in days (``None``: no bound) and labels of the age columns."""


@dataclass
class _Bucket:
    counts: list[int] = field(default_factory=list)
    oldest: datetime | None = None

    def add(self, counts: list[int], oldest: datetime | None) -> None:
        self.counts = ([a + b for a, b in zip(self.counts, counts, strict=True)]
                       if self.counts else counts)
        if oldest is not None and (self.oldest is None or oldest < self.oldest):
            self.oldest = oldest


def open_backlog(ctx: ReportContext) -> ReportTable:
    """Open tickets per department by age, with the overdue count and the oldest age.

    The period filter applies to the creation time, so "created this month and still open"
    is one filter away; with no period every open ticket counts. When the roll-ups are
    current the rows come from ``report_live`` (every open ticket is listed there), so the
    closed tickets are never read.
    """
    t, now = TicketCache, ctx.now
    source = live(ctx) if open_listed(ctx) else ctx
    deadline = func.coalesce(t.promised_deadline, t.solution_deadline)
    ages, lower = [], None
    for days, _ in AGE_BUCKETS:
        cond = (t.created > now - timedelta(days=days) if days is not None
                else t.created.is_not(None))
        if lower is not None:
            cond = cond & (t.created <= now - timedelta(days=lower))
        ages.append(count_if(cond))
        lower = days
    category = no_index(t.category)
    stmt = (select(category, func.count(), *ages, count_if(deadline < now), func.min(t.created))
            .where(*source.where(), is_open()).group_by(category))
    merged: dict[str, _Bucket] = {}
    for category, n, *counts, oldest in source.execute(stmt).all():
        merged.setdefault(ctx.directory.department_of(category), _Bucket()).add(
            [int(n), *(int(c or 0) for c in counts)], oldest)
    rows: list[tuple[object, ...]] = [
        (dept, ctx.directory.department_title(dept), *b.counts,
         round((now - b.oldest).total_seconds() / 86400, 1) if b.oldest else None)
        for dept, b in sorted(merged.items(), key=lambda kv: (-kv[1].counts[0], kv[0]))]
    columns = (Column("department", W_("Department id"), ident=True),
               Column("title", W_("Department")),
               Column("open", W_("Open"), "int"),
               *(Column(f"age_{i}", label, "int") for i, (_, label) in enumerate(AGE_BUCKETS)),
               Column("overdue", W_("Overdue"), "int"),
               Column("oldest_days", W_("Oldest (days)"), "number"))
    series = tuple(f"age_{i}" for i in range(len(AGE_BUCKETS)))
    return ReportTable("backlog", W_("Open backlog by age"), columns, rows,
                       Chart("stacked", "title", series))
