"""Contract penalties: what the missed solution deadlines of a contract cost per month.

A rule (:class:`~radiant_ext.reports.settings.PenaltyRule`) names the tickets it covers (by
SLA, department or catalog item). A ticket misses when it closed after its solution deadline
(plus the rule's grace), or is still open past it; its month is the local month of the
deadline. ``per_hour`` charges every started hour late; ``percent_of_fee`` a share of the
monthly fee per miss. The month's sum is then capped.

When the contract roll-ups answer the run (:mod:`radiant_ext.reports.contract_read`), the
settled tickets' figures come from their cells and only the live tickets are read from the
cache; the money is applied to the month's sums either way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Integer, case, cast, func, or_, select
from sqlalchemy.sql import ColumnElement

from radiant_ext.reports._sql import aware_reader, bucket_hour, hour_bucket, seconds_between
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.contract_read import (
    contract_span,
    live_tickets,
    penalty_cells,
)
from radiant_ext.reports.contract_rollups import (
    CONTRACT_LIVE,
    ContractFigures,
    deadline_month,
    lateness,
)
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, Money, Note, ReportTable
from radiant_ext.reports.settings import PenaltyRule
from radiant_ext.reports.sla import solution_deadline
from radiant_ext.store import TicketCache

__all__ = ["MonthPenalty", "contract_penalties", "month_penalties", "penalty_for", "rule_sums"]


@dataclass(frozen=True)
class MonthPenalty:
    """One rule's figures for one month."""

    month: str
    due: int
    missed: int
    hours_late: int
    uncapped: Decimal
    penalty: Decimal


def penalty_for(rule: PenaltyRule, missed: int, hours_late: int) -> tuple[Decimal, Decimal]:
    """``(uncapped, capped)`` penalty of one month with ``missed`` misses, ``hours_late``."""
    if rule.kind == "per_hour":
        raw = rule.amount_per_hour * hours_late
    else:
        raw = rule.monthly_fee * rule.percent_per_miss / 100 * missed
    raw = raw.quantize(Decimal("0.01"))
    cap = rule.cap
    return raw, (min(raw, cap) if cap is not None else raw).quantize(Decimal("0.01"))


def _scope(ctx: ReportContext, rule: PenaltyRule) -> ColumnElement[bool]:
    t = TicketCache
    parts: list[ColumnElement[bool]] = []
    if rule.sla:
        parts.append(t.sla.in_(rule.sla))
    if rule.categories:
        parts.append(t.category.in_(rule.categories))
    for dept in rule.departments:
        parts.append(ctx.department_clause(dept))
    return or_(*parts)


def _late_hours(late_seconds: ColumnElement[float]) -> ColumnElement[int]:
    """Started hours in ``late_seconds`` (``ceil(s / 3600)``) for positive values."""
    whole = cast(late_seconds / 3600, Integer)
    return whole + case((late_seconds > whole * 3600, 1), else_=0)


def _month_sums(ctx: ReportContext, rule: PenaltyRule) -> dict[str, list[int]]:
    """Local month of the deadline → [due, missed, started hours late] from the cache.

    The database groups by the deadline's UTC hour and sums misses and started hours late;
    the hours are then put into local months.
    """
    t, deadline = TicketCache, solution_deadline()
    finished = func.coalesce(t.closed, ctx.now)
    # julianday() arithmetic on SQLite is off by microseconds: whole seconds keep
    # "exactly two hours late" at two started hours.
    late = func.round(seconds_between(finished, deadline)) - rule.grace_minutes * 60
    # The cheap comparison first: the date arithmetic runs only for tickets past the deadline.
    missed = case((finished > deadline, case((late > 0, 1), else_=0)), else_=0)
    late_hours = case((finished > deadline, case((late > 0, _late_hours(late)), else_=0)),
                      else_=0)
    stmt = (select(hour_bucket(deadline), func.count(), func.sum(missed), func.sum(late_hours))
            .where(*ctx.where(), _scope(ctx, rule), deadline.is_not(None),
                   or_(t.closed.is_not(None), deadline < ctx.now))
            .group_by(hour_bucket(deadline)))
    zone = ctx.settings.zone
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for text, due, miss, hours in ctx.session.execute(stmt).all():
        month = sums[bucket_hour(text).astimezone(zone).strftime("%Y-%m")]
        for i, value in enumerate((due, miss, hours)):
            month[i] += int(value or 0)
    return sums


class _Covered(NamedTuple):
    """What :meth:`~.contract_rollups.ContractFigures.covers` reads of a live ticket."""

    sla: str | None
    category: str | None


def _live_sums(ctx: ReportContext, rule: PenaltyRule) -> dict[str, list[int]]:
    """:func:`_month_sums` of the tickets the contract roll-ups leave to the pages, from
    their ``contract_live`` rows (the same conditions and rounding, in Python, as the settled
    tickets' contributions)."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    figures, live = ContractFigures(ctx.settings, ctx.directory), CONTRACT_LIVE.c
    # the rule's SLAs and items narrow the rows where it names no department (a department
    # takes the items the directory gives it, checked here)
    scope = ([] if rule.departments else
             [or_(live.sla.in_(rule.sla), live.item.in_(rule.categories))])
    rows = live_tickets(
        ctx, (live.sla, live.item, live.deadline, live.closed),
        live.deadline.is_not(None), or_(live.closed.is_not(None), live.deadline < ctx.now),
        *scope)
    aware = aware_reader(rows[0][2] if rows else None)
    for sla, item, deadline_value, closed_value in rows:
        if not figures.covers(rule, _Covered(sla, item)):
            continue
        deadline = aware(deadline_value)
        closed = ctx.now if closed_value is None else aware(closed_value)
        missed, hours = lateness(closed, deadline, rule.grace_minutes)
        month = sums[deadline_month(deadline, ctx.settings.zone)]
        month[0] += 1
        month[1] += int(missed)
        month[2] += hours
    return sums


def month_penalties(ctx: ReportContext, rule: PenaltyRule,
                    settled: dict[str, list[int]] | None = None) -> list[MonthPenalty]:
    """The figures of ``rule`` per month of the deadline (local time), oldest first.

    :param settled: the rule's sums from the contract roll-ups' cells
        (:func:`~radiant_ext.reports.contract_read.penalty_cells`): only the live tickets are
        then read from the cache. ``None``: every ticket of the run is read from the cache.
    """
    if settled is None:
        sums = _month_sums(ctx, rule)
    else:
        sums = defaultdict(lambda: [0, 0, 0], {m: list(v) for m, v in settled.items()})
        for month, values in _live_sums(ctx, rule).items():
            sums[month] = [a + b for a, b in zip(sums[month], values, strict=True)]
    out = []
    for month_name in sorted(sums):
        due, miss, hours = sums[month_name]
        raw, capped = penalty_for(rule, miss, hours)
        out.append(MonthPenalty(month_name, due, miss, hours, raw, capped))
    return out


def rule_sums(ctx: ReportContext) -> dict[str, dict[str, list[int]]] | None:
    """Every rule's sums from the contract roll-ups when they answer ``ctx``, else ``None``
    (read once per page; pass each rule's to :func:`month_penalties`)."""
    if not ctx.settings.penalties:
        return None
    span = contract_span(ctx)
    return None if span is None else penalty_cells(ctx, span)


def contract_penalties(ctx: ReportContext) -> ReportTable:
    """Every configured penalty rule, month by month."""
    rows: list[tuple[object, ...]] = []
    notes: list[str | Note] = []
    cells = rule_sums(ctx)
    for rule in ctx.settings.penalties:
        months = month_penalties(ctx, rule, None if cells is None else cells.get(rule.id, {}))
        for m in months:
            rows.append((rule.id, rule.label, m.month, m.due, m.missed, m.hours_late,
                         m.uncapped, m.penalty, rule.currency))
        total = sum((m.penalty for m in months), Decimal(0))
        notes.append(Note(W_("{contract}: {total} in total."),
                          {"contract": rule.label, "total": Money(total, rule.currency)}))
    if not ctx.settings.penalties:
        notes.append(Note(
            W_("No contract penalties are set up, so missed deadlines cost nothing here."),
            admin_text=W_("No penalty rules are configured ([[reports.penalties]] in the "
                          "settings).")))
    columns = (Column("rule", W_("Rule id"), ident=True), Column("title", W_("Contract")),
               Column("month", W_("Month"), "month"),
               Column("due", W_("Deadlines due"), "int"), Column("missed", W_("Missed"), "int"),
               Column("hours_late", W_("Hours late"), "int"),
               Column("uncapped", W_("Before cap"), "money"),
               Column("penalty", W_("Penalty"), "money"),
               Column("currency", W_("Currency")))
    table = ReportTable("penalties", W_("Contract penalties"), columns, rows,
                        Chart("bar", "month", ("penalty",)))
    table.notes.extend(notes)
    return table
