"""Every device's tickets as running totals per 8-day block of UTC days, beside the asset index.

The asset index (:mod:`radiant_ext.reports.asset_index`) holds one row per ticket and asset
field; these totals hold, per block (the 1st–8th, 9th–16th, 17th–24th, 25th to the month's
end of UTC days), every device's rows created up to the block's end, packed in one row as
:mod:`~radiant_ext.reports.pair_prefix` packs the pairs' (``report_asset_total`` and
``report_asset_keys``, keyed by the decimal device number). The index's refresh counts the rows
it replaces and adds (:func:`count_rows`, then ``apply_blocks``); a rebuild, and the upgrade
that added them, write them from the rows (:func:`build_asset_totals`). This module reads the
store only (the upgrade imports it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from radiant_ext.reports.pair_prefix import TotalsTables, block_start, write_running
from radiant_ext.store import ReportAsset, ReportAssetKeys, ReportAssetTotal

__all__ = ["ASSET_TOTALS", "asset_block", "build_asset_totals", "count_rows"]

ASSET_TOTALS = TotalsTables(cast(Table, ReportAssetTotal.__table__),
                            cast(Table, ReportAssetKeys.__table__))
"""Every device's tickets (index rows, keyed by the decimal device number) per block."""


def asset_block(created: datetime) -> date:
    """The first day of the 8-day block of UTC days holding ``created``."""
    return block_start(created.astimezone(UTC).date())


def count_rows(rows: Iterable[tuple[int, datetime | None]], sign: int,
               into: Counter[tuple[str, date]]) -> None:
    """Count ``(device, created)`` index rows into ``into`` per device and block (a row
    without a creation time is in no period and counts nowhere)."""
    for device, created in rows:
        if created is not None:
            into[(str(device), asset_block(created))] += sign


def build_asset_totals(conn: Connection) -> None:
    """Write the devices' running totals anew from the index rows (a rebuild, the upgrade
    that added them)."""
    counted: Counter[tuple[str, date]] = Counter()
    a = ReportAsset
    count_rows(conn.execute(select(a.device, a.created)), 1, counted)
    per_block: dict[date, dict[str, int]] = defaultdict(dict)
    for (key, block), n in counted.items():
        per_block[block][key] = n
    write_running(conn, per_block, ASSET_TOTALS)
