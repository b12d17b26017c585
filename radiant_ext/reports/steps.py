"""Workflow steps: the open tickets per item and step now, and the time spent per step.

``steps-now`` reads only the open tickets, through the ticket cache's ``state_type`` index
(:data:`OPEN_STATE_TYPES`), never the closed ones: a million tickets with a few thousand open
cost a few thousand rows. Each ticket counts under the step of its item's workflow
(:meth:`~.context.ItemDirectory.workflow_of`) that holds its Znuny state; a state the
workflow does not list counts under the state's own name. Time in the step runs from
``state_since`` (when the ticket entered its state) to the run's clock, in wall-clock hours;
the step's ``remind_after`` / ``escalate_after`` are counted in business hours of the item's
calendar (the store's, for an item counted in store hours), as the deadline watch counts them,
when the catalogs are at hand, else in wall-clock hours (a note says which).

``time-per-step`` adds the steps tickets have left: the step log (``step_entry``, kept by
the ticket pull, the outbox, the workflow guard and the state-update webhook) gives each
stay's entry and exit; the stays that ended in the period count, by the ``left_at`` index.
See ``docs/reports.md``, "Workflow steps".
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, select

from radiant_ext.plugins.workflow import Step
from radiant_ext.reports._sql import naive_reader, naive_utc, plain_rows
from radiant_ext.reports.context import LIVE_ONLY, ReportContext, live_copies
from radiant_ext.reports.i18n import W_
from radiant_ext.reports.model import Chart, Column, Note, ReportTable
from radiant_ext.reports.rollup_read import open_listed
from radiant_ext.store import StepEntry, TicketCache
from radiant_ext.store.step_log import OPEN_STATE_TYPES

__all__ = ["OPEN_STATE_TYPES", "StepGroup", "open_items", "open_query", "open_steps", "steps_now",
           "time_per_step"]


Calendar = Callable[[str, str | None], Any]
_Row = TypeVarTuple("_Row")


@dataclass
class StepGroup:
    """The open tickets of one item in one step (or one state outside its workflow)."""

    category: str
    state: str
    order: int
    """The step's place in the workflow (states outside it come after every step)."""
    label: str
    waiting_on: str | None = None
    """``customer`` or ``agent``; ``None`` for a state outside the workflow."""
    hours: list[float] = field(default_factory=list)
    """Wall-clock hours each ticket has been in the step (those with a known entry)."""
    tickets: int = 0
    outside: bool = False
    """The state is not a step of the item's workflow."""
    reminded: int | None = None
    """How many are at or past the step's ``remind_after`` (``None``: the step has none)."""
    escalated: int | None = None
    """How many are at or past the step's ``escalate_after`` (``None``: the step has none)."""
    step: Step | None = None
    """The workflow step (``None`` for a state outside the workflow)."""


def _calendars(ctx: ReportContext) -> Calendar | None:
    """``(item, store) → business calendar`` from the catalogs, ``None`` without them."""
    source = ctx.directory.source
    if source is None:
        return None
    found: dict[tuple[str, str | None], Any] = {}
    alike: dict[str, Any] = {}
    """One calendar object per spec and zone: items and stores sharing a calendar share its
    kept walks (:class:`_PastLimits`)."""
    specs: dict[int, tuple[Any, str]] = {}
    """Each spec object's JSON (the spec kept beside it, so its id is not reused): a thousand
    open tickets of a few hundred stores name the same few specs."""

    def calendar(category: str, store: str | None) -> Any:
        key = (category, store)
        if key not in found:
            try:
                item = source.item(category, include_disabled=True)
                info = source.store(store) if store else None
                built = item.deadline.calendar_for(info)[0]
                spec = specs.get(id(built.spec))
                if spec is None:
                    spec = specs[id(built.spec)] = (built.spec, built.spec.model_dump_json())
                found[key] = alike.setdefault(f"{built.tz.key}|{spec[1]}", built)
            except Exception:  # an item the catalogs no longer know: wall-clock hours
                found[key] = None
        return found[key]

    return calendar


def open_query(ctx: ReportContext) -> Select[str | None, str, datetime | None, str | None]:
    """``(item, state, state_since, RadiantStore)`` of the open tickets of the filter's store and
    company, whenever created: it reads the open tickets by the ``state_type`` index (and
    nothing else; the department and the item are applied to its rows, see
    :func:`_open_rows`) — or, with the roll-ups current, their copies in ``report_live``
    (every open ticket is live), not the cache at all."""
    t = TicketCache
    wide = replace(ctx, filter=replace(ctx.filter, department=None, start=None, end=None))
    return _from_copies(ctx, select(t.category, t.state, t.state_since, t.store).where(
        *_open(ctx), *wide.where(created=False)))


def _open(ctx: ReportContext) -> list[ColumnElement[bool]]:
    """The open tickets' condition; with the roll-ups current, the tickets ``report_live``
    lists (every open ticket is) are read by its ids: SQLite's statistics of a cache of
    mostly closed tickets and few state types make the ``state_type`` condition look like
    half the table, and it scanned a million rows (2 s) instead of the thousand open."""
    t = TicketCache
    found: list[ColumnElement[bool]] = [t.state_type.in_(OPEN_STATE_TYPES)]
    if open_listed(ctx):
        found.append(LIVE_ONLY)
    return found


def _from_copies(ctx: ReportContext, stmt: Select[*_Row]) -> Select[*_Row]:
    """``stmt`` over the open tickets (:func:`_open`) reading their copies in ``report_live``
    when it lists them (every open ticket is live), else as it is."""
    return live_copies(stmt) if open_listed(ctx) else stmt


def open_items(ctx: ReportContext) -> set[str]:
    """The catalog items of the open tickets (the item choices of the pages of open
    tickets)."""
    stmt = select(TicketCache.category).where(*_open(ctx)).distinct()
    return {c for c in ctx.session.scalars(_from_copies(ctx, stmt)) if c}


class _PastLimits:
    """Whether open tickets are at or past their step's limits, as the deadline watch counts
    them (``now >= calendar.add(entered, limit)``).

    That holds exactly for the tickets that entered at or before the calendar's
    :meth:`~radiant_ext.plugins.calendar.BusinessCalendar.latest_start` of ``now`` and the
    limit: one walk back per calendar and limit (kept for the page) answers for every ticket,
    where measuring each ticket's business hours would walk the calendar once per ticket.
    Without a calendar the limit counts in wall-clock hours.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._naive_now = naive_utc(now)
        self._latest: dict[tuple[Any, float], datetime | None] = {}

    def past(self, calendar: Any, limit: float | None, since: datetime) -> bool:
        """Whether a ticket in the step since ``since`` (naive UTC, as the cache keeps it) is
        at or past ``limit`` hours."""
        if limit is None:
            return False
        if calendar is None:
            return self._naive_now - since >= timedelta(hours=limit)
        key = (calendar, limit)
        if key not in self._latest:
            self._latest[key] = naive_utc(
                calendar.latest_start(self.now, timedelta(hours=limit)))
        latest = self._latest[key]
        return latest is not None and since <= latest


def _open_rows(ctx: ReportContext) -> list[tuple[str | None, str, str | datetime | None,
                                                 str | None]]:
    """The open tickets' ``(item, state, state_since, store)`` of the filter's department and
    item, read as the driver returns them (a thousand rows at a million tickets: SQLAlchemy's
    conversion of each timestamp to an aware one cost more than the query), ``state_since``
    too (read by :func:`~._sql.naive_reader`)."""
    want, item = ctx.filter.department, ctx.filter.item
    rows = plain_rows(ctx.session.connection(), open_query(ctx))
    if want is None and item is None:
        return rows
    wanted = {category: ((want is None or ctx.directory.department_of(category) == want)
                         and (item is None or category == item))
              for category in {row[0] for row in rows}}
    return [row for row in rows if wanted[row[0]]]


def _group_for(ctx: ReportContext, groups: dict[tuple[str, str], StepGroup],
               category: str, state: str) -> StepGroup:
    group = groups.get((category, state))
    if group is None:
        flow = ctx.directory.workflow_of(category)
        step = flow.step_for_state(state)
        if step is None:
            group = StepGroup(category, state, len(flow.steps), state, outside=True)
        else:
            group = StepGroup(category, state, flow.steps.index(step),
                              flow.translate(step.label, ctx.directory.language),
                              step.acts_next,
                              reminded=0 if step.remind_after is not None else None,
                              escalated=0 if step.escalate_after is not None else None,
                              step=step)
        groups[(category, state)] = group
    return group


def open_steps(ctx: ReportContext, *, limits: bool = True) -> tuple[list[StepGroup], bool]:
    """The open tickets of the filter grouped by item and step, in item and step order, and
    whether the limits count in the items' calendars. ``limits=False`` leaves the counts of
    tickets past the steps' limits out (``time-per-step`` shows none).

    The rows are put in their groups first and each group's times are worked out together:
    a thousand open tickets at a million cost one dictionary step and one append each."""
    calendars, now = _calendars(ctx), naive_utc(ctx.now)
    past = _PastLimits(ctx.now)
    groups: dict[tuple[str, str], StepGroup] = {}
    found: dict[tuple[str, str], list[tuple[Any, str | None]]] = {}
    for category, state, since, store in _open_rows(ctx):
        key = (category or "", state)
        rows = found.get(key)
        if rows is None:
            rows = found[key] = []
        rows.append((since, store))
    parse = naive_reader(next((since for rows in found.values() for since, _ in rows
                               if since is not None), None))
    for (category, state), rows in found.items():
        group = _group_for(ctx, groups, category, state)
        group.tickets = len(rows)
        known = [(parse(since), store) for since, store in rows if since is not None]
        group.hours = [max((now - since).total_seconds(), 0.0) / 3600 for since, _ in known]
        step = group.step
        if not limits or step is None or (group.reminded is None and group.escalated is None):
            continue
        for since, store in known:
            calendar = calendars(category, store) if calendars and category else None
            if group.reminded is not None:
                group.reminded += past.past(calendar, step.remind_after, since)
            if group.escalated is not None:
                group.escalated += past.past(calendar, step.escalate_after, since)
    ordered = sorted(groups.values(), key=lambda g: (
        ctx.directory.item_title(g.category).casefold(), g.category, g.order, g.state))
    return ordered, calendars is not None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _head(ctx: ReportContext, group: StepGroup) -> tuple[Any, ...]:
    dept = ctx.directory.department_of(group.category)
    return (dept, ctx.directory.department_title(dept), group.category,
            ctx.directory.item_title(group.category), group.state, group.label)


HEAD = (Column("department", W_("Department id"), ident=True),
        Column("department_title", W_("Department")),
        Column("item", W_("Item id"), ident=True),
        Column("item_title", W_("Catalog item")),
        Column("state", W_("Znuny state"), ident=True),
        Column("step", W_("Step")))
LIMIT_NOTES = {
    True: W_("Past reminder and Past escalation count the step's limits in business hours "
             "of each item's calendar, as the deadline watch does; times in the step are "
             "wall-clock hours."),
    False: W_("The catalogs could not be read: Past reminder and Past escalation count the "
              "step's limits in wall-clock hours, not business hours."),
}
UNLISTED = W_("A state its item's workflow does not list is shown under the state's name.")


def steps_now(ctx: ReportContext) -> ReportTable:
    """Open tickets per item and workflow step: how many, waiting on whom, how long the
    oldest and the median have been in the step, and how many are past its limits."""
    groups, business = open_steps(ctx)
    rows = []
    for g in groups:
        customer = g.tickets if g.waiting_on == "customer" else 0
        desk = g.tickets if g.waiting_on == "agent" else 0
        known = g.waiting_on is not None
        rows.append((*_head(ctx, g), g.tickets, customer if known else None,
                     desk if known else None,
                     _round(max(g.hours)) if g.hours else None,
                     _round(statistics.median(g.hours)) if g.hours else None,
                     g.reminded, g.escalated))
    columns = (*HEAD,
               Column("tickets", W_("Tickets now"), "int"),
               Column("waiting_customer", W_("Waiting on the requester"), "int"),
               Column("waiting_desk", W_("Waiting on the service desk"), "int"),
               Column("oldest_hours", W_("Oldest in step (hours)"), "number"),
               Column("median_hours", W_("Median in step (hours)"), "number"),
               Column("past_remind", W_("Past reminder"), "int"),
               Column("past_escalate", W_("Past escalation"), "int"))
    return ReportTable("steps-now", W_("Open tickets per workflow step"), columns, rows,
                       Chart("stacked", "step", ("waiting_desk", "waiting_customer"),
                             detail="item_title", max_points=25, top="tickets"),
                       [LIMIT_NOTES[business], *_unlisted(groups), _period_note(ctx)])


def _unlisted(groups: list[StepGroup]) -> list[str]:
    """The note on states outside their item's workflow, when a row shows one."""
    return [UNLISTED] if any(g.outside for g in groups) else []


def _period_note(ctx: ReportContext) -> Note:
    return Note(W_("Every ticket open at {now} counts, whenever it was created; the period "
                   "chosen does not apply."),
                {"now": f"{ctx.zone_now():%Y-%m-%d %H:%M} ({ctx.settings.zone.key})"})


def _nearest(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(-(-len(ordered) * percent // 100) - 1, 0)]


BUSINESS_ROWS = 20_000
"""The most stays left in the period whose business hours ``time-per-step`` works out (one
walk of the item's calendar each); above, the business median is left empty and a note says
why."""


@dataclass
class LeftStays:
    """The stays in one item's step that ended in the period: their lengths."""

    hours: list[float] = field(default_factory=list)
    business: list[float] = field(default_factory=list)


def left_query(ctx: ReportContext) -> Select[str, str, datetime, datetime | None, str | None]:
    """``(item, state, entered_at, left_at, RadiantStore)`` of the step log's stays that
    ended in the filter's period, of its store and company (department and item applied as in
    :func:`_open_rows`, the item also here)."""
    e, f = StepEntry, ctx.filter
    wide = replace(ctx, filter=replace(f, department=None, start=None, end=None))
    query = select(e.item, e.state, e.entered_at, e.left_at, TicketCache.store).join(
        TicketCache, TicketCache.ticket_id == e.ticket_id).where(
        e.left_at.is_not(None), *wide.where(created=False))
    if f.start is not None:
        query = query.where(e.left_at >= f.start)
    if f.end is not None:
        query = query.where(e.left_at < f.end)
    if f.item is not None:
        query = query.where(e.item == f.item)
    return query


def left_stays(ctx: ReportContext) -> tuple[dict[tuple[str, str], LeftStays], bool]:
    """The stays left in the period per ``(item, state)``, and whether their business hours
    were worked out (the catalogs at hand and at most :data:`BUSINESS_ROWS` stays)."""
    rows = [r for r in ctx.session.execute(left_query(ctx)).all()
            if ctx.filter.department is None
            or ctx.directory.department_of(r.item) == ctx.filter.department]
    calendars = _calendars(ctx) if len(rows) <= BUSINESS_ROWS else None
    found: dict[tuple[str, str], LeftStays] = {}
    for item, state, entered, left, store in rows:
        left = left or entered  # never empty: the query reads the stays that ended
        stays = found.setdefault((item, state), LeftStays())
        stays.hours.append(max(left - entered, timedelta(0)).total_seconds() / 3600)
        calendar = calendars(item, store) if calendars else None
        if calendar is not None:
            stays.business.append(
                calendar.between(entered, max(left, entered)).total_seconds() / 3600)
    return found, calendars is not None


def _median(values: list[float]) -> float | None:
    return _round(statistics.median(values)) if values else None


def time_per_step(ctx: ReportContext) -> ReportTable:
    """Per item and step: the stays that ended in the period (how many, median, 90th
    percentile and longest in wall-clock hours, median in business hours), and the open
    tickets in the step now with the median time so far."""
    groups, business = open_steps(ctx, limits=False)
    left, worked_out = left_stays(ctx)
    keyed = {(g.category, g.state): g for g in groups}
    for category, state in left:
        if (category, state) not in keyed:
            keyed[(category, state)] = _group_for(ctx, keyed, category, state)
    ordered = sorted(keyed.values(), key=lambda g: (
        ctx.directory.item_title(g.category).casefold(), g.category, g.order, g.state))
    rows = []
    for g in ordered:
        stays = left.get((g.category, g.state), LeftStays())
        rows.append((*_head(ctx, g), len(stays.hours), _median(stays.hours),
                     _round(_nearest(stays.hours, 90)),
                     _round(max(stays.hours)) if stays.hours else None,
                     _median(stays.business), g.tickets, _median(g.hours)))
    columns = (*HEAD,
               Column("left", W_("Left the step in the period"), "int"),
               Column("median_hours", W_("Median in step (hours)"), "number"),
               Column("p90_hours", W_("90% within (hours)"), "number"),
               Column("longest_hours", W_("Longest in step (hours)"), "number"),
               Column("median_business_hours", W_("Median in step (business hours)"),
                      "number"),
               Column("tickets", W_("Tickets now"), "int"),
               Column("now_median_hours", W_("Median so far, tickets now (hours)"),
                      "number"))
    return ReportTable("time-per-step", W_("Time spent per workflow step"), columns, rows,
                       Chart("hbar", "step", ("median_hours",), detail="item_title",
                             max_points=25, top="median_hours"),
                       _time_notes(ctx, ordered, business, worked_out, bool(left)))


def _time_notes(ctx: ReportContext, groups: list[StepGroup], business: bool,
                worked_out: bool, any_left: bool) -> list[str | Note]:
    notes: list[str | Note] = [
        W_("A stay counts when the ticket left the step in the period (to another step or "
           "closed); the step log starts when the store first saw the ticket, so a ticket "
           "first seen in a step counts from its last change in Znuny."),
        *_unlisted(groups), _now_note(ctx)]
    if not business:
        notes.insert(1, W_("The catalogs could not be read: no business hours are shown."))
    elif any_left and not worked_out:
        notes.insert(1, Note(W_("More than {limit} stays ended in the period: their median "
                                "in business hours is not worked out; choose a shorter "
                                "period or one department."),
                             {"limit": f"{BUSINESS_ROWS:,}"}))
    return notes


def _now_note(ctx: ReportContext) -> Note:
    return Note(W_("Tickets now and the median so far count every ticket open at {now}, "
                   "whenever it was created."),
                {"now": f"{ctx.zone_now():%Y-%m-%d %H:%M} ({ctx.settings.zone.key})"})
