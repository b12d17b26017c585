"""The asset index: which form fields are asset fields, extracting them, keeping them current.

A ticket's asset values are read from its form values once, when the ticket changes, into
``report_asset`` (:mod:`radiant_ext.store.assets`). Triggers on ``ticket_cache`` record every
change in ``report_asset_dirty``; :func:`refresh` takes them in (the ``report-rollups`` job
every minute, and each ``assets`` page before it reads), :func:`rebuild` extracts everything
again (``radiant-ext report-rebuild``). The index remembers the asset fields it was extracted
by (:func:`asset_rule`): when the catalogs' asset fields change it is not read until rebuilt.

Beside the rows, every device's tickets are kept as running totals per 8-day block of UTC days
(:mod:`radiant_ext.reports.asset_totals`, stored as :mod:`~radiant_ext.reports.pair_prefix`
stores the pairs'):
a refresh adds the blocks' deltas of the rows it replaces, a rebuild writes them anew, so
the ``assets`` page counts a period's devices from two rows and the days at its edges.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from radiant_ext.reports.asset_totals import ASSET_TOTALS, build_asset_totals, count_rows
from radiant_ext.reports.context import ASSET_FIELD_IDS, CLOSED_STATE_TYPES, ItemDirectory
from radiant_ext.reports.pair_prefix import apply_blocks
from radiant_ext.store import ReportAsset, ReportAssetDirty, ReportAssetState, TicketCache
from radiant_ext.store.assets import ASSET_VALUE_LIMIT

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from radiant_ext.config import Settings

__all__ = ["IndexResult", "asset_fields_of", "asset_rule", "asset_values", "catalog_directory",
           "device_number", "index_current", "keep_assets", "rebuild_assets", "refresh_assets"]

log = logging.getLogger(__name__)

BATCH = 5000
"""Tickets read, and rows written, per statement."""


@dataclass(frozen=True)
class IndexResult:
    """What a rebuild or refresh did."""

    built: bool
    """``False``: the index was never built, or for other asset fields (rebuild first)."""
    tickets: int = 0
    seconds: float = 0.0
    pending: bool = False
    """More changes wait than the call took in."""


def asset_fields_of(directory: ItemDirectory, item: str) -> tuple[str, ...]:
    """The asset field ids of catalog item ``item``: its catalog's, none for a catalog item
    without one, the usual ids (:data:`ASSET_FIELD_IDS`) for an item no catalog describes."""
    known = directory.asset_fields
    if item in known:
        return tuple(f for f, _label in known[item])
    if item in directory.items:
        return ()
    return tuple(sorted(ASSET_FIELD_IDS))


def asset_rule(directory: ItemDirectory) -> str:
    """A fingerprint of which fields of which items are asset fields."""
    rule = {"assets": {item: sorted(f for f, _ in fields)
                       for item, fields in sorted(directory.asset_fields.items())},
            "items": sorted(directory.items), "usual": sorted(ASSET_FIELD_IDS)}
    return hashlib.sha256(json.dumps(rule, sort_keys=True).encode()).hexdigest()


def asset_values(directory: ItemDirectory, item: str | None, form: Any
                 ) -> Iterator[tuple[str, str]]:
    """``(field id, value)`` of every asset field filled in ``form`` (a ticket's form
    values): without surrounding spaces, at most :data:`ASSET_VALUE_LIMIT` characters."""
    if not item or not isinstance(form, Mapping):
        return
    for field_id in asset_fields_of(directory, item):
        value = form.get(field_id)
        text = str(value).strip() if value not in (None, "") else ""
        if text:
            yield field_id, text[:ASSET_VALUE_LIMIT].strip()


def device_number(item: str, field_id: str, key: str) -> int:
    """The device of a value as a signed 64-bit number (a BLAKE2b digest of its item, field
    and case-folded value)."""
    digest = hashlib.blake2b(f"{item}\0{field_id}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_SOURCE = (TicketCache.ticket_id, TicketCache.category, TicketCache.form_values,
           TicketCache.created, TicketCache.store, TicketCache.customer_id,
           TicketCache.state_type)


def _rows(directory: ItemDirectory, tickets: Iterable[Any]) -> list[dict[str, Any]]:
    """The index rows of ``tickets`` (rows of :data:`_SOURCE`)."""
    found = []
    for tid, item, form, created, store, customer, state_type in tickets:
        for field_id, value in asset_values(directory, item, form):
            key = value.casefold()[:ASSET_VALUE_LIMIT]
            found.append(dict(
                ticket_id=tid, field=field_id, item=item, value=value, value_key=key,
                device=device_number(item, field_id, key), created=created,
                store=store or customer, customer_id=customer,
                open=int((state_type or "").lower() not in CLOSED_STATE_TYPES)))
    return found


def _lock(conn: Connection) -> str | None:
    """Take the state row's lock (a write), creating the row if needed; return its rule."""
    if conn.execute(update(ReportAssetState).where(ReportAssetState.id == 1)
                    .values(rule=ReportAssetState.rule)).rowcount == 0:
        conn.execute(insert(ReportAssetState).values(id=1))
    return conn.scalar(select(ReportAssetState.rule).where(ReportAssetState.id == 1))


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(values), BATCH):
        yield values[i:i + BATCH]


def index_current(conn: Connection, directory: ItemDirectory) -> bool:
    """Whether the index was built by ``directory``'s asset fields."""
    rule = conn.scalar(select(ReportAssetState.rule).where(ReportAssetState.id == 1))
    return rule == asset_rule(directory)


def rebuild_assets(conn: Connection, directory: ItemDirectory) -> IndexResult:
    """Extract every ticket's asset values again by ``directory``'s asset fields.

    The changes recorded before it began are taken in by it; later ones stay for the next
    :func:`refresh_assets`. The caller commits.
    """
    started = time.perf_counter()
    _lock(conn)
    newest = conn.scalar(select(func.max(ReportAssetDirty.id)))
    conn.execute(delete(ReportAsset))
    if newest is not None:
        conn.execute(delete(ReportAssetDirty).where(ReportAssetDirty.id <= newest))
    stmt = select(*_SOURCE).where(TicketCache.form_values.is_not(None),
                                  TicketCache.category.is_not(None))
    count = 0
    for tickets in conn.execute(stmt.execution_options(yield_per=BATCH)).partitions():
        rows = _rows(directory, tickets)
        if rows:
            conn.execute(insert(ReportAsset), rows)
        count += len(tickets)
    build_asset_totals(conn)
    conn.execute(update(ReportAssetState).where(ReportAssetState.id == 1).values(
        rule=asset_rule(directory), built_at=datetime.now(UTC)))
    return IndexResult(True, count, time.perf_counter() - started)


def refresh_assets(conn: Connection, directory: ItemDirectory, *, limit: int = 20 * BATCH,
                   partial: bool = True) -> IndexResult:
    """Take in up to ``limit`` recorded changes (the oldest first).

    Does nothing (``built=False``) when the index was never built or was built by other asset
    fields: :func:`rebuild_assets` first. With more changes waiting, ``pending`` is set, and
    nothing is done unless ``partial``. The caller commits.
    """
    started = time.perf_counter()
    if not index_current(conn, directory):
        return IndexResult(False)
    waiting = conn.execute(select(ReportAssetDirty.id).order_by(ReportAssetDirty.id)
                           .limit(limit + 1)).scalars().all()
    if not waiting:
        return IndexResult(True)
    pending = len(waiting) > limit
    if pending and not partial:
        return IndexResult(True, pending=True)
    if _lock(conn) != asset_rule(directory):  # rebuilt by other fields meanwhile
        return IndexResult(False)
    dirty = conn.execute(select(ReportAssetDirty.id, ReportAssetDirty.ticket_id)
                         .order_by(ReportAssetDirty.id).limit(limit)).all()
    ids = sorted({t for _, t in dirty})
    deltas: Counter[tuple[str, date]] = Counter()
    a = ReportAsset
    for chunk in _chunks(ids):
        count_rows(conn.execute(select(a.device, a.created).where(a.ticket_id.in_(chunk))),
                   -1, deltas)
        conn.execute(delete(a).where(a.ticket_id.in_(chunk)))
        tickets = conn.execute(select(*_SOURCE).where(TicketCache.ticket_id.in_(chunk))).all()
        rows = _rows(directory, tickets)
        if rows:
            conn.execute(insert(a), rows)
            count_rows(((r["device"], r["created"]) for r in rows), 1, deltas)
    apply_blocks(conn, dict(deltas), ASSET_TOTALS)
    for chunk in _chunks([i for i, _ in dirty]):
        conn.execute(delete(ReportAssetDirty).where(ReportAssetDirty.id.in_(chunk)))
    return IndexResult(True, len(ids), time.perf_counter() - started, pending)


def catalog_directory(settings: Settings) -> ItemDirectory | None:
    """The catalog items and asset fields of the installed plugins (no names); ``None`` when
    the plugins cannot be read (the index is then left as it is)."""
    try:
        from radiant_ext.plugins.factory import plugins_from_settings

        return ItemDirectory.from_plugins(plugins_from_settings(settings))
    except Exception:  # the pages then show bare ids and read the cache
        log.warning("catalogs unavailable; the asset index is left as it is", exc_info=True)
        return None


def keep_assets(engine: Engine, directory: ItemDirectory) -> dict[str, int]:
    """Take in the recorded changes, a batch per transaction, or rebuild the index when it
    was never built or was built by other asset fields; what was done, when any ticket was
    read (``assets_rebuilt``: tickets with form values read; ``assets_taken_in``: tickets
    taken in)."""
    taken = 0
    while True:  # one transaction per batch: a backlog never holds the lock long
        with engine.begin() as conn:
            done = refresh_assets(conn, directory)
            if not done.built:
                read = rebuild_assets(conn, directory).tickets
                return {"assets_rebuilt": read} if read else {}
        taken += done.tickets
        if not done.pending:
            return {"assets_taken_in": taken} if taken else {}
