"""The store's settings: folders, drivers, an unreachable PostgreSQL, and a 0600 database file.

Issue 19: unknown or driverless database URLs, an unreachable PostgreSQL or a read-only data
folder gave tracebacks from ``serve`` and ``demo``; an SQLite path under a folder that does not
exist was created silently; the database file was world-readable (point 7).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from radiant_ext.cli import main
from radiant_ext.config import load_settings
from radiant_ext.errors import InvalidSettingsError
from radiant_ext.store import StoreError, make_engine, upgrade_database

UNREACHABLE = "postgresql://radiant:pw-4f1e@127.0.0.1:1/radiant"
"""Nothing listens on port 1: the connection is refused at once."""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name in [n for n in os.environ if n.upper().startswith("RADIANT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_store_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "radiant.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        assert _mode(path) == 0o600
        for extra in (tmp_path / "radiant.sqlite3-wal", tmp_path / "radiant.sqlite3-shm"):
            if extra.exists():  # SQLite gives them the database file's mode
                assert _mode(extra) == 0o600, extra
    engine.dispose()


def test_an_existing_database_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o640


def test_no_folder_is_created_for_an_sqlite_url(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/typo/radiant.sqlite3")
    with pytest.raises(Exception, match="unable to open database file"):
        with engine.connect():
            pass
    assert not (tmp_path / "typo").exists()


def test_an_sqlite_path_under_a_missing_folder_is_refused(clean_env: Path) -> None:
    with pytest.raises(InvalidSettingsError,
                       match=r"RADIANT_DATABASE_URL \(database_url\)='sqlite:///.*/typo/r.db': "
                             r"the folder '.*/typo' of the SQLite file does not exist"):
        load_settings(database_url=f"sqlite:///{clean_env}/typo/r.db")
    assert not (clean_env / "typo").exists()


def test_the_data_folder_is_created_and_its_sqlite_file_accepted(clean_env: Path) -> None:
    data = clean_env / "var" / "radiant"
    settings = load_settings(data_dir=data, database_url=f"sqlite:///{data}/store.sqlite3")
    assert data.is_dir() and settings.data_dir == data
    default = load_settings(data_dir=clean_env / "other")
    assert default.effective_database_url == f"sqlite:///{clean_env / 'other'}/radiant.sqlite3"


@pytest.mark.parametrize(("url", "reason"), [
    ("mysql://radiant:pw-4f1e@db/radiant", "the local store cannot use 'mysql' databases"),
    ("postgresql+psycopg2://radiant:pw-4f1e@db/radiant", "the driver 'psycopg2' is not "
     "supported for postgresql: use postgresql+psycopg"),
    ("sqlite://", "an in-memory SQLite database would lose the store"),
    ("not a url", "not a database URL"),
])
def test_unusable_store_urls_say_what_is_allowed(url: str, reason: str, clean_env: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_DATABASE_URL", url)
    with pytest.raises(InvalidSettingsError) as raised:
        load_settings()
    line = str(raised.value)
    assert reason in line and "allowed: empty (SQLite file radiant.sqlite3" in line
    assert "pw-4f1e" not in line


def test_a_driver_that_is_not_installed_is_named(clean_env: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_ZNUNY_DB_URL", "mysql+nosuchdriver://znuny:pw-4f1e@db/znuny")
    with pytest.raises(InvalidSettingsError,
                       match=r"RADIANT_ZNUNY_DB_URL \(secret, value not shown\): unknown "
                             r"database dialect or driver 'mysql\+nosuchdriver'"):
        load_settings()
    with pytest.raises(StoreError, match=r"mysql\+nosuchdriver://znuny:\*\*\*@db/znuny"):
        make_engine("mysql+nosuchdriver://znuny:pw-4f1e@db/znuny")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_data_folder_is_refused(clean_env: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    data = clean_env / "ro"
    data.mkdir()
    data.chmod(0o500)
    try:
        monkeypatch.setenv("RADIANT_DATA_DIR", str(data))
        with pytest.raises(InvalidSettingsError, match="RADIANT_DATA_DIR=.*cannot create or "
                                                       "write files in it"):
            load_settings()
    finally:
        data.chmod(0o700)


def test_a_data_folder_that_cannot_be_created_is_refused(
        clean_env: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (clean_env / "file").write_text("x")
    monkeypatch.setenv("RADIANT_DATA_DIR", str(clean_env / "file" / "data"))
    code, err = run_cli(["demo", "--port", "0"], capsys)
    assert code == 1
    assert err.splitlines() == [
        f"Error: invalid setting: RADIANT_DATA_DIR='{clean_env}/file/data': cannot create or "
        "write files in it (Not a directory) (allowed: a folder this user can write in, or one "
        "it can create)"]


def test_a_folder_given_on_the_command_line_is_checked_the_same_way(tmp_path: Path) -> None:
    from radiant_ext.config import writable_folder

    assert writable_folder(tmp_path / "new" / "demo", "--data").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidSettingsError) as raised:
        writable_folder(tmp_path / "file" / "demo", "--data")
    assert str(raised.value) == (
        f"invalid setting: --data='{tmp_path}/file/demo': cannot create or write files in it "
        "(Not a directory) (allowed: a folder this user can write in, or one it can create)")


@pytest.mark.parametrize("args", [["serve", "--port", "0"], ["sync"], ["sync", "status"],
                                  ["db", "upgrade"], ["plugins"], ["report", "volume"]])
def test_an_unreachable_postgresql_is_one_line(
        args: list[str], clean_env: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("RADIANT_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("RADIANT_SECRET_KEY", "k" * 40)
    code, err = run_cli(args, capsys)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: cannot use the database")
    assert "127.0.0.1" in lines[0] and "pw-4f1e" not in err
