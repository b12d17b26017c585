"""``radiant-ext db``: upgrade, current, url."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from radiant_ext.cli import build_cli
from radiant_ext.store import current_revision, head_revision, make_engine


def test_db_upgrade_creates_the_default_sqlite_store(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RADIANT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(build_cli(), ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"upgraded empty -> {head_revision()}" in first.output
    again = runner.invoke(build_cli(), ["db", "upgrade"])
    assert f"already at {head_revision()}" in again.output
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'radiant.sqlite3'}")
    assert current_revision(engine) == head_revision()
    engine.dispose()
    current = runner.invoke(build_cli(), ["db", "current"])
    assert current.exit_code == 0 and "up to date" in current.output


def test_db_current_fails_on_an_unmigrated_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    result = CliRunner().invoke(build_cli(), ["db", "current", "--database-url", url])
    assert result.exit_code == 1
    assert "needs `radiant-ext db upgrade`" in result.output


def test_db_url_hides_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # not the checkout, where the demo may have left its settings
    monkeypatch.delenv("RADIANT_CONFIG", raising=False)
    url = "postgresql://radiant:s3cret@db.example/radiant"
    result = CliRunner().invoke(build_cli(), ["db", "url", "--database-url", url])
    assert result.output.strip() == "postgresql+psycopg://radiant:***@db.example/radiant"


def test_unreachable_database_is_one_readable_line(tmp_path: Path) -> None:
    url = "postgresql://nobody:wrong@127.0.0.1:1/none"
    result = CliRunner().invoke(build_cli(), ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 1
    assert "cannot use the database" in result.output
    assert "Traceback" not in result.output
