"""The demo writes its settings where the commands find them; the lookup order; the commands
the product prints run as printed."""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from radiant_ext.cli import command_prefix, runnable
from radiant_ext.cli.portal import DEMO_REPORTS, _demo_values, write_demo_settings
from radiant_ext.cli.settings_file import (
    DEMO_SETTINGS_FILE,
    forget_settings_file,
    settings_file,
    use_settings_file,
    write_settings_file,
)
from radiant_ext.config import load_settings
from radiant_ext.errors import ConfigError
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from tests.cli.conftest import Run, make_store


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo_folder(folder: Path, znuny_url: str = "") -> Path:
    """``folder/radiant-demo`` as ``radiant-ext demo`` leaves it: settings, store, sandbox."""
    data = folder / "radiant-demo"
    (data / "sandbox").mkdir(parents=True)
    make_store(data)
    url = znuny_url or f"http://127.0.0.1:{_closed_port()}"
    write_demo_settings(data, _demo_values(data, url))
    return data


def test_the_settings_file_is_owner_only_and_reads_back_as_written(folder: Path) -> None:
    values = {"znuny_url": "http://127.0.0.1:8081", "znuny_password": 'quote " and \\ and é',
              "catalog_dirs": [folder], "sync_lease_seconds": 30, "znuny_verify_tls": False,
              "reports": {"managers": {"store-007": ["store-manager"]},
                          "penalties": DEMO_REPORTS["penalties"]}}
    path = folder / "radiant.toml"
    path.write_text("old = 1\n", "utf-8")
    write_settings_file(path, values, header="two\nlines")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = tomllib.loads(path.read_text("utf-8"))
    assert data == {**values, "catalog_dirs": [str(folder)]}
    assert [p.name for p in folder.iterdir()] == ["radiant.toml"]  # no temporary file left


def test_a_settings_file_that_cannot_be_written_is_one_line(folder: Path) -> None:
    with pytest.raises(ConfigError, match=r"^cannot write the settings file .*missing"):
        write_settings_file(folder / "missing" / "radiant.toml", {"znuny_url": "x"})


def test_the_demos_settings_load_as_the_demo_uses_them(folder: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = folder / "radiant-demo"
    data.mkdir()
    values = _demo_values(data, "http://127.0.0.1:40001")
    path = write_demo_settings(data, values)
    assert path == data / "radiant.toml" and stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.setenv("RADIANT_CONFIG", str(path))
    settings = load_settings()
    assert settings == load_settings(**values)
    assert settings.znuny_url == "http://127.0.0.1:40001"
    assert settings.webhook_secret.get_secret_value() == values["webhook_secret"]
    assert settings.reports == DEMO_REPORTS


def test_lookup_order(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings_file()[0] is None
    (folder / "radiant-demo").mkdir()
    (folder / DEMO_SETTINGS_FILE).write_text("", "utf-8")
    assert settings_file()[0] == DEMO_SETTINGS_FILE
    (folder / "radiant.toml").write_text("", "utf-8")
    assert settings_file()[0] == Path("radiant.toml")
    monkeypatch.setenv("RADIANT_CONFIG", "/etc/radiant/radiant.toml")
    assert settings_file() == (Path("/etc/radiant/radiant.toml"), "named by RADIANT_CONFIG")


def test_only_the_demos_file_is_announced(folder: Path) -> None:
    lines: list[str] = []
    (folder / "radiant.toml").write_text("", "utf-8")
    (folder / "radiant-demo").mkdir()
    (folder / DEMO_SETTINGS_FILE).write_text("", "utf-8")
    assert use_settings_file(lines.append) == Path("radiant.toml") and lines == []
    assert "RADIANT_CONFIG" not in os.environ  # radiant.toml is read by the library itself
    (folder / "radiant.toml").unlink()
    assert use_settings_file(lines.append) == DEMO_SETTINGS_FILE and len(lines) == 1
    assert os.environ["RADIANT_CONFIG"] == str(DEMO_SETTINGS_FILE)
    forget_settings_file()
    assert "RADIANT_CONFIG" not in os.environ


def test_a_command_leaves_no_choice_behind_for_the_next(folder: Path, run: Run) -> None:
    _demo_folder(folder)
    assert run("plugins").code == 0
    assert "RADIANT_CONFIG" not in os.environ


def test_commands_beside_the_demo_read_its_data(folder: Path, run: Run) -> None:
    _demo_folder(folder)
    ran = run("report", "stores")
    assert ran.code == 0, ran.err
    assert ran.err == ("radiant-ext: using the settings in radiant-demo/radiant.toml (the "
                       "demo's settings: no radiant.toml in the working folder; RADIANT_CONFIG "
                       "names another file)\n")
    assert "store-001,Store 001 Moscow Tverskaya,2" in ran.out  # the demo's store directory
    assert not (folder / "radiant-data").exists()
    assert run("sync", "status", "--json").out.startswith("{")
    simulated = run("simulate", "--item", "it.pos-down", "--store", "store-001")
    assert simulated.code == 0 and "not in the store directory" not in simulated.out


def test_a_command_needing_the_stopped_demos_znuny_says_so(folder: Path, run: Run) -> None:
    _demo_folder(folder)
    ran = run("sync", "run", "ticket-pull")
    assert ran.code == 1
    assert ran.err.splitlines()[0].startswith("radiant-ext: using the settings in radiant-demo")
    assert ran.err.splitlines()[1].startswith("Error: the demo's sandbox Znuny (http://127.0.0.1:")
    assert "is not running: it lives only while `radiant-ext demo` runs" in ran.err
    checked = run("check")
    assert checked.code == 1 and "--no-znuny` checks the catalogs alone" in checked.err
    assert "is not running" not in run("check", "--no-znuny").err  # reads no Znuny


@pytest.mark.parametrize("command", [
    ("report", "stores"), ("sync", "status"), ("sync", "requeue", "r-1"), ("db", "current")])
def test_reading_commands_create_no_database(folder: Path, run: Run,
                                             command: tuple[str, ...]) -> None:
    ran = run(*command)
    said = ran.out + ran.err  # db current reports on standard output
    assert ran.code == 1 and len(said.splitlines()) == 1 and "db upgrade" in said
    assert said.startswith((f"Error: no local store at {folder / 'radiant-data'}",
                            f"{folder / 'radiant-data' / 'radiant.sqlite3'}: no such file"))
    assert not (folder / "radiant-data" / "radiant.sqlite3").exists()


@pytest.mark.parametrize("command", [("plugins",), ("plugins", "items", "-d", "it"),
                                     ("simulate", "--item", "it.pos-down"),
                                     ("webhook", "try", "--title", "Till down", "--json")])
def test_commands_that_need_no_store_work_in_a_new_folder(folder: Path, run: Run,
                                                          command: tuple[str, ...]) -> None:
    ran = run(*command)
    assert ran.code == 0, ran.err
    assert not (folder / "radiant-data" / "radiant.sqlite3").exists()


def test_simulate_picks_the_same_owner_every_time_and_says_how(run: Run) -> None:
    at = ("--item", "it.pos-down", "--at", "2026-11-20T10:00", "--json")
    first = run("simulate", *at)
    assert first.code == 0, first.err
    assert first.out == run("simulate", *at).out  # the same answer, word for word
    answers = [json.loads(run("simulate", "--item", "it.pos-down", "--json").out)
               for _ in range(2)]  # filed "now": the owner does not depend on the time
    assert answers[0]["owner"] == answers[1]["owner"]
    assert answers[0]["request_reference"] == answers[1]["request_reference"]
    text = run("simulate", "--item", "it.pos-down").out
    assert "Owner: pool it-agent, demo-agent; rule: CRC-32 of the request reference 'sim-" in \
        " ".join(text.split())
    owners = {json.loads(run("simulate", "--item", "it.pos-down", "--seed", seed, "--json")
                         .out)["owner"] for seed in ("a", "b", "c", "d", "e")}
    assert owners == {"it-agent", "demo-agent"}  # --seed tries another reference


def test_printed_commands_run_as_the_program_was_started(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / ".venv" / "bin" / "radiant-ext"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n", "utf-8")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert command_prefix(str(script)) == str(script)
    monkeypatch.setenv("PATH", str(script.parent))
    script.chmod(0o755)
    assert command_prefix(str(script)) == "radiant-ext"  # that name on the PATH is this one
    main = Path(sys.modules["radiant_ext.cli"].__file__ or "").parent.parent / "__main__.py"
    assert command_prefix(str(main), "/opt/py 3/python") == "'/opt/py 3/python' -m radiant_ext"
    monkeypatch.setattr(sys, "argv", [str(main)])
    assert runnable("run `radiant-ext db upgrade`") == \
        f"run `{sys.executable} -m radiant_ext db upgrade`"


def test_the_demos_banner_prints_commands_that_run_as_printed(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from radiant_ext.cli.portal import _banner

    script = Path(".venv/bin/radiant-ext")  # the README's first command, run from the checkout
    (folder / script).parent.mkdir(parents=True)
    (folder / script).write_text("#!/bin/sh\n", "utf-8")
    monkeypatch.setenv("PATH", "/nonexistent")  # that command puts nothing on the PATH
    monkeypatch.setattr(sys, "argv", [str(script), "demo"])
    _banner("http://127.0.0.1:8080/", "http://127.0.0.1:4000", folder / "radiant-demo", 7)
    lines = capsys.readouterr().out.splitlines()
    mail = next(line.strip() for line in lines if " sandbox mail " in line)
    assert mail.startswith(f"{folder / script} sandbox mail --data {folder}/radiant-demo/sandbox ")
    assert f"    {folder / script} report stores" in lines  # found beside the demo's folder
    _banner("http://127.0.0.1:8080/", "http://127.0.0.1:4000", folder / "elsewhere", 7)
    out = capsys.readouterr().out
    assert f"    RADIANT_CONFIG={folder}/elsewhere/radiant.toml {folder / script} report" in out


def test_report_on_a_named_store_takes_everything_from_it(
        folder: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty database in the default data folder (left by an older version) no longer
    spoils a report on the store --database-url names: the store's names still show."""
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(DEMO_CATALOG_DIR)]))
    (folder / "radiant-data").mkdir()
    (folder / "radiant-data" / "radiant.sqlite3").write_bytes(b"")
    store = make_store(folder / "elsewhere")
    ran = run("report", "stores", "--database-url", f"sqlite:///{store}")
    assert ran.code == 0 and ran.err == ""
    assert ran.out.splitlines()[1:] == ["store-001,Store 001 Moscow Tverskaya,2,2,66.7",
                                        "store-007,Store 007 Yekaterinburg Vainera,1,1,33.3"]
