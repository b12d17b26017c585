"""``radiant-ext report-rebuild`` and the ``report-rollups`` sync job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from radiant_ext.cli import build_cli
from radiant_ext.config import Settings
from radiant_ext.reports import ReportFilter, ReportSettings
from radiant_ext.reports.context import ReportContext
from radiant_ext.reports.registry import REPORTS
from radiant_ext.store import ReportCell, ReportRollupState, TicketCache, make_engine
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.report_rollups import keep_report_rollups
from tests.cli.conftest import make_store
from tests.reports.conftest import DIRECTORY, NOW


def test_rebuild_command_builds_what_the_reports_then_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("RADIANT_DATABASE_URL", raising=False)
    path = make_store(tmp_path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # one of the three is solved: it goes into the cells
        conn.execute(update(TicketCache).where(TicketCache.ticket_id == 1).values(
            state_type="closed", closed=datetime(2026, 10, 3, tzinfo=UTC)))
    result = CliRunner().invoke(build_cli(), ["report-rebuild"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("report roll-ups rebuilt for Europe/Moscow: 3 tickets in ")
    with Session(engine) as session:
        cells = session.scalars(select(ReportCell.key).where(
            ReportCell.cube == "store", ReportCell.level == 4)).all()
        assert cells == ["store-001"]
        after = datetime.now(UTC) + timedelta(minutes=1)  # the command judged at its clock
        ctx = ReportContext(session, ReportFilter(), ReportSettings(), DIRECTORY, after)
        table = REPORTS["stores"].compute(ctx)
        assert ctx._rollups is True
        assert table.lookup("store", "store-001")["tickets"] == 2  # type: ignore[index]
    engine.dispose()


def test_rebuild_command_refuses_bad_report_settings_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RADIANT_REPORTS", '{"time_zone": "Mars/Olympus"}')
    make_store(tmp_path)
    result = CliRunner().invoke(build_cli(), ["report-rebuild"])
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and "time_zone" in result.stderr


def test_the_job_builds_once_then_takes_in_changes_and_rebuilds_for_a_new_zone(
        engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session, session.begin():
        session.add(TicketCache(ticket_id=1, ticket_number="1", category="it.pos-down",
                                store="store-001", state_type="closed",
                                created=NOW - timedelta(days=3), closed=NOW - timedelta(days=2)))
    ctx = JobContext(settings=Settings(data_dir=tmp_path), engine=engine, now=lambda: NOW)
    assert keep_report_rollups(ctx) == {"rebuilt": 1, "contracts_rebuilt": 1}
    assert keep_report_rollups(ctx) == {"taken_in": 0}
    with Session(engine) as session, session.begin():
        session.get(TicketCache, 1).state_type = "open"  # type: ignore[union-attr]  # reopened
    assert keep_report_rollups(ctx) == {"taken_in": 1, "contracts_taken_in": 1}
    with engine.connect() as conn:
        assert conn.scalar(select(ReportCell.key).where(ReportCell.cube == "store")) is None
    berlin = JobContext(settings=Settings(data_dir=tmp_path,
                                          reports={"time_zone": "Europe/Berlin"}),
                        engine=engine, now=lambda: NOW)
    assert keep_report_rollups(berlin) == {"rebuilt": 1, "contracts_rebuilt": 1}
    with engine.connect() as conn:
        assert conn.scalar(select(ReportRollupState.time_zone)) == "Europe/Berlin"
