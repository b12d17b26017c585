"""Reading the contract roll-ups: which runs they answer, the sums of a period's cells, the
live rest.

A run of ``penalties``, ``downtime`` or ``downtime-detail`` is answered from the contract
roll-ups when they are built for the current settings (:func:`.contract_rollups.fingerprint`),
were judged no later than the run's ``now``, and the filter is a run of whole local days with
no store, company or department. Its figures are the sums of the cells of the period (the same
months and edge blocks as :func:`radiant_ext.reports.rollup_read.blocks`) plus the same report
over the tickets listed in ``contract_live`` (:func:`live_tickets`).

The downtime pages price the outage cells in the query (:func:`outage_keys` gives the settled
sums per month, store and item, :func:`json_rows` brings the stores' tiers and the rates in as
rows), so tens of thousands of store × item × month sums never travel to Python.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    bindparam,
    cast,
    column,
    func,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import ColumnElement, FromClause, Select
from sqlalchemy.types import TypeEngine

from radiant_ext.reports._sql import plain_rows
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.contract_rollups import (
    CONTRACT_CELLS,
    CONTRACT_LIVE,
    ContractFigures,
    contract_state,
    refresh_contracts,
)
from radiant_ext.reports.rollup_read import (
    MONTH,
    PAGE_REFRESH_LIMIT,
    Span,
    _span,
    blocks,
    span_cells,
)
from radiant_ext.reports.rollups import block_start

__all__ = ["contract_span", "json_rows", "live_tickets", "outage_cells", "outage_keys",
           "penalty_cells"]


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


def live_tickets(ctx: ReportContext, columns: Sequence[ColumnElement[Any]],
                 *where: ColumnElement[bool]) -> list[tuple[Any, ...]]:
    """``columns`` of the tickets the contract roll-ups leave to the pages that were created
    in the run's period and match ``where``, from ``contract_live``, which holds the columns
    the contract figures read (a run the roll-ups answer has no other filter,
    :func:`contract_span`). The rows are the driver's (:func:`~._sql.plain_rows`, one fetch):
    timestamps as it returns them, for :func:`~._sql.aware_reader`."""
    live, f = CONTRACT_LIVE.c, ctx.filter
    period = [c for c in ((live.created >= f.start) if f.start else None,
                          (live.created < f.end) if f.end else None) if c is not None]
    return plain_rows(ctx.session.connection(), select(*columns).where(*period, *where))


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


def json_rows(ctx: ReportContext, name: str, columns: Sequence[tuple[str, TypeEngine[Any]]],
              rows: Sequence[Mapping[str, Any]]) -> FromClause:
    """``rows`` (dicts of ``columns``) as a table the query can join: one JSON parameter
    (``jsonb_to_recordset`` on PostgreSQL, ``json_each`` on SQLite), however many rows."""
    payload = bindparam(f"{name}_rows", json.dumps(list(rows), default=str), type_=String)
    if ctx.session.get_bind().dialect.name == "postgresql":
        found = func.jsonb_to_recordset(cast(payload, JSONB)).table_valued(
            *(column(n, t) for n, t in columns)).render_derived(with_types=True)
        return select(*(found.c[n] for n, _ in columns)).subquery(name)
    each = func.json_each(payload).table_valued("value")
    # materialized once: SQLite can then index it for the joins instead of re-reading JSON
    return select(*(type_coerce(func.json_extract(each.c.value, f"$.{n}"), t).label(n)
                    for n, t in columns)).cte(name).prefix_with("MATERIALIZED")


def outage_keys(ctx: ReportContext, span: Span,
                pairs: Collection[tuple[str, str]] | None = None) -> FromClause:
    """Outages and seconds of the settled tickets per local month of creation (its first
    day), store ``k1`` and item ``k2`` in ``span``'s cells, one row per key (with ``pairs``,
    of the keys whose store is one of theirs and whose item is one of theirs: a few seeks
    along the cells' key, where a list of pairs scans every key of the blocks — the caller
    drops the other combinations).

    A whole month's cells are one per key already; only the edge months' blocks are summed
    per key (a sum over every key of the year costs more than the rest of the query).
    """
    c = CONTRACT_CELLS.c
    months, singles = blocks(*span)
    only = [] if pairs is None else [c.k1.in_(sorted({k1 for k1, _ in pairs})),
                                     c.k2.in_(sorted({k2 for _, k2 in pairs}))]
    parts: list[Select[Any]] = []
    for level in sorted({lv for lv, _ in singles}):
        parts.append(select(block_start(c.start, MONTH).label("month"), c.k1, c.k2,
                            c.tickets, c.seconds).where(
            c.family == "o", c.level == level,
            c.start.in_([d for lv, d in singles if lv == level]), *only))
    whole = (select(c.start.label("month"), c.k1, c.k2, c.tickets, c.seconds).where(
        c.family == "o", c.level == MONTH, c.start >= months[0], c.start <= months[1], *only)
        if months is not None else None)
    if not parts:
        assert whole is not None  # a span has whole months or edge blocks
        return whole.subquery("outage_keys")
    edges = union_all(*parts).subquery("outage_parts")
    grouped = select(edges.c.month, edges.c.k1, edges.c.k2,
                     cast(func.sum(edges.c.tickets), BigInteger).label("tickets"),
                     cast(func.sum(edges.c.seconds), BigInteger).label("seconds")
                     ).group_by(edges.c.month, edges.c.k1, edges.c.k2)
    return (union_all(grouped, whole) if whole is not None else grouped).subquery("outage_keys")
