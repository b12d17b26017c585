"""Migration 0027: the asset index gets every device's tickets as running totals per 8-day
block of UTC days, made from the index rows already there, so the ``assets`` page counts from
them right from the upgrade on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, inspect, text

from radiant_ext.reports.asset_totals import ASSET_TOTALS
from radiant_ext.reports.pair_prefix import running_totals
from radiant_ext.store import downgrade_database, upgrade_database

ROWS = [  # (ticket, device, created in UTC)
    (1, 11, "2026-01-08 23:59:00"),  # the last minute of the block of 1-8 January
    (2, 11, "2026-01-09 00:00:00"),
    (3, -5, "2026-01-30 12:00:00"),
    (4, 11, "2026-02-10 08:00:00"),
    (5, 11, None),  # no creation time: in no period
]


def test_the_upgrade_makes_the_device_totals_from_the_index_rows(db_engine: Engine) -> None:
    upgrade_database(db_engine, "0026")
    with db_engine.begin() as conn:
        for ticket, device, created in ROWS:
            conn.execute(text(
                "INSERT INTO report_asset (ticket_id, field, item, value_key, value, device, "
                "created, store, customer_id, open) VALUES (:t, 'serial', 'it.pos-down', "
                ":v, :v, :d, :c, 'store-001', 'store-001', 0)"),
                {"t": ticket, "v": f"SN-{device}", "d": device, "c": created})
    upgrade_database(db_engine)
    with db_engine.connect() as conn:
        totals = running_totals(conn, ASSET_TOTALS)
    blocks = [date(2026, 1, 1), date(2026, 1, 9), date(2026, 1, 17), date(2026, 1, 25),
              date(2026, 2, 1), date(2026, 2, 9)]  # every block from the first to the newest
    assert sorted(totals["11"]) == blocks
    assert [totals["11"][d] for d in blocks] == [1, 2, 2, 2, 2, 3]
    assert [totals["-5"][d] for d in blocks] == [0, 0, 0, 1, 1, 1]
    assert "ix_report_asset_open" in {i["name"] for i in
                                      inspect(db_engine).get_indexes("report_asset")}

    downgrade_database(db_engine, "0026")
    assert not set(inspect(db_engine).get_table_names()) & {"report_asset_total",
                                                            "report_asset_keys"}
    assert "ix_report_asset_open" not in {i["name"] for i in
                                          inspect(db_engine).get_indexes("report_asset")}
    with db_engine.connect() as conn:  # the rows stay for the older code
        assert conn.scalar(text("SELECT count(*) FROM report_asset")) == len(ROWS)
