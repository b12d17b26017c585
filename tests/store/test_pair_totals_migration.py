"""Migration 0026: the running totals of the store × item pairs move from one ``report_cell``
row per pair and month (cube ``pairsum``) to one packed row per 8-day block, made from the
``pair`` cells the roll-ups already hold, so ``recurring`` is right from the upgrade on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, inspect, text

from radiant_ext.reports.pair_prefix import pair_key, running_totals
from radiant_ext.store import downgrade_database, upgrade_database

CELLS = [  # (level, start, store, item, tickets): block cells (3) and month cells (4)
    (3, date(2026, 1, 9), "store-001", "it.pos-down", 2),
    (3, date(2026, 1, 25), "store-001", "it.pos-down", 1),
    (3, date(2026, 3, 1), "store-007", "it.pos-down", 4),
    (4, date(2026, 1, 1), "store-001", "it.pos-down", 3),
    (4, date(2026, 3, 1), "store-007", "it.pos-down", 4),
]


def _cell(level: int, start: date, key: str, tickets: int, cube: str = "pair") -> str:
    return ("INSERT INTO report_cell (cube, level, start, key, tickets, r_met, r_missed, "
            f"s_met, s_missed) VALUES ('{cube}', {level}, '{start.isoformat()}', '{key}', "
            f"{tickets}, 0, 0, 0, 0)")


def test_the_upgrade_makes_the_running_totals_from_the_pair_cells(db_engine: Engine) -> None:
    upgrade_database(db_engine, "0025")
    with db_engine.begin() as conn:
        for level, start, store, item, tickets in CELLS:
            conn.execute(text(_cell(level, start, pair_key(store, item), tickets)))
        conn.execute(text(_cell(5, date(2026, 1, 1), pair_key("store-001", "it.pos-down"), 3,
                                cube="pairsum")))
        conn.execute(text("INSERT INTO report_rollup_state (id, time_zone, version) "
                          "VALUES (1, 'Europe/Berlin', 4)"))
    upgrade_database(db_engine)
    with db_engine.connect() as conn:
        totals = running_totals(conn)
        assert conn.scalar(text("SELECT count(*) FROM report_cell WHERE cube = 'pairsum'")) == 0
    first, other = pair_key("store-001", "it.pos-down"), pair_key("store-007", "it.pos-down")
    # a row for every block from the first (9 January) to the newest (1 March)
    assert sorted(totals[first]) == [date(2026, 1, 9), date(2026, 1, 17), date(2026, 1, 25),
                                     date(2026, 2, 1), date(2026, 2, 9), date(2026, 2, 17),
                                     date(2026, 2, 25), date(2026, 3, 1)]
    assert [totals[first][d] for d in sorted(totals[first])] == [2, 2, 3, 3, 3, 3, 3, 3]
    assert [totals[other][d] for d in sorted(totals[other])] == [0] * 7 + [4]
    indexes = {i["name"] for i in inspect(db_engine).get_indexes("report_cell")}
    assert "ix_report_cell_pairsum" not in indexes
    assert ("ix_report_cell_pair" in indexes) == (db_engine.dialect.name == "postgresql")

    downgrade_database(db_engine, "0025")
    with db_engine.connect() as conn:
        # the older code reads pairsum rows: its roll-ups are rebuilt before they are read
        assert conn.scalar(text("SELECT version FROM report_rollup_state")) == 0
    tables = set(inspect(db_engine).get_table_names())
    assert not tables & {"report_pair_total", "report_pair_keys"}
    assert "ix_report_cell_pairsum" in {i["name"] for i in
                                        inspect(db_engine).get_indexes("report_cell")}
