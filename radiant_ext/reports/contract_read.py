"""Reading the contract roll-ups: which runs they answer, the sums of a period's cells, the
live rest.

A run of ``penalties``, ``downtime`` or ``downtime-detail`` is answered from the contract
roll-ups when they are built for the current settings (:func:`.contract_rollups.fingerprint`),
were judged no later than the run's ``now``, and the filter is a run of whole local days with
no store, company or department. Its figures are the sums of the cells of the period (the same
months and edge blocks as :func:`radiant_ext.reports.rollup_read.blocks`) plus the same report
over the tickets listed in ``contract_live``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.sql import ColumnElement

from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.contract_rollups import (
    CONTRACT_CELLS,
    ContractFigures,
    contract_state,
    refresh_contracts,
)
from radiant_ext.reports.rollup_read import MONTH, PAGE_REFRESH_LIMIT, Span, _span, span_cells
from radiant_ext.reports.rollups import block_start
from radiant_ext.store import ContractLive, TicketCache

__all__ = ["contract_span", "live_clause", "live_context", "outage_cells", "penalty_cells"]


def _ready(ctx: ReportContext) -> bool:
    """Refresh the contract roll-ups for ``ctx.now``; tell whether they answer it."""
    session = ctx.session
    began = not session.in_transaction()
    conn = session.connection()
    done = refresh_contracts(conn, ContractFigures(ctx.settings, ctx.directory), ctx.now,
                             limit=PAGE_REFRESH_LIMIT, partial=False)
    if done.tickets and began:
        session.commit()
        conn = session.connection()
    if not done.built or done.pending:
        return False
    state = contract_state(conn)
    return bool(state is not None and state.as_of <= ctx.now)


def contract_span(ctx: ReportContext) -> Span | None:
    """The local days the run covers when the contract roll-ups answer it, else ``None``
    (call once per page: it takes in the changes recorded since the last run)."""
    f = ctx.filter
    if ctx.live_only or f.store or f.company or f.department:
        return None
    span = _span(ctx)
    if span is None or span[1] < span[0] or not _ready(ctx):
        return None
    return span


def live_clause() -> ColumnElement[bool]:
    """Only the tickets the contract roll-ups leave to the cache."""
    return TicketCache.ticket_id.in_(select(ContractLive.ticket_id))


def live_context(ctx: ReportContext) -> ReportContext:
    """The run for a query restricted by :func:`live_clause` (the period kept off the
    ``created`` index, as :func:`radiant_ext.reports.rollup_read.live` does)."""
    return replace(ctx, _wide=True, _rollups=False)


def _sums(ctx: ReportContext, family: str, span: Span, group: list[str]) -> list[Any]:
    """Per ``group`` columns (``month``: the cell's month), the sums over ``span``'s cells."""
    c = CONTRACT_CELLS.c
    columns = [block_start(c.start, MONTH).label("month"), c.k1, c.k2, c.tickets, c.missed,
               c.late_hours, c.seconds]
    sub = span_cells(CONTRACT_CELLS, c.family == family, span, columns)
    if sub is None:
        return []
    keys = [sub.c[g] for g in group]
    # whole numbers back: PostgreSQL sums bigint columns as numeric, read as Decimal
    stmt = select(*keys, *(cast(func.sum(sub.c[m]), BigInteger)
                           for m in ("tickets", "missed", "late_hours", "seconds"))
                  ).group_by(*keys)
    return list(ctx.session.execute(stmt).all())  # one fetch: tens of thousands of rows


def penalty_cells(ctx: ReportContext, span: Span) -> dict[str, dict[str, list[int]]]:
    """Rule id → local month of the deadline → [due, missed, started hours late] of the
    settled tickets created in ``span``."""
    found: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for rule, month, due, missed, late, _ in _sums(ctx, "p", span, ["k1", "k2"]):
        found[rule][month] = [int(due or 0), int(missed or 0), int(late or 0)]
    return found


def outage_cells(ctx: ReportContext, span: Span) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(local month of creation, store, item) → (outages, seconds) of the settled tickets
    created in ``span``."""
    return {(str(month)[:7], store, item): (int(n or 0), int(seconds or 0))
            for month, store, item, n, _, _, seconds in _sums(ctx, "o", span,
                                                              ["month", "k1", "k2"])}
