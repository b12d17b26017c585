"""The portal factory's refusals are one typed error of one line; warnings logged while a
command runs are one line each."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from radiant_ext.cli import OneLineWarnings
from radiant_ext.errors import InvalidSettingsError
from radiant_ext.portal import create_app
from radiant_ext.store import StoreError
from tests.cli.conftest import Run, make_store


def test_create_app_without_a_store_is_one_typed_line(folder: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_SECRET_KEY", "a-long-random-secret-key-for-tests")
    with pytest.raises(StoreError) as caught:
        create_app()
    text = str(caught.value)
    assert "\n" not in text and "db upgrade" in text and "RADIANT_DATA_DIR" in text
    assert text.startswith(f"no local store at {folder / 'radiant-data' / 'radiant.sqlite3'}")
    assert not (folder / "radiant-data" / "radiant.sqlite3").exists()


def test_create_app_with_a_refused_setting_carries_no_validation_report(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_ZNUNY_TIMEOUT", "-1")
    with pytest.raises(InvalidSettingsError) as caught:
        create_app()
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert "\n" not in str(caught.value) and "RADIANT_ZNUNY_TIMEOUT" in str(caught.value)


def test_serve_shows_the_factorys_refusal_as_one_line(folder: Path, run: Run,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_SECRET_KEY", "a-long-random-secret-key-for-tests")
    ran = run("serve")
    assert ran.code == 1 and ran.out == ""
    assert ran.err.startswith("Error: no local store at ") and len(ran.err.splitlines()) == 1


def test_serve_with_a_store_but_no_secret_key_is_one_line(folder: Path, run: Run) -> None:
    make_store(folder / "radiant-data")
    ran = run("serve")
    assert ran.code == 1
    assert ran.err == ("Error: the portal needs a secret key: set RADIANT_SECRET_KEY (a long "
                       "random string, the same for every worker)\n")


def test_a_warning_with_an_exception_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    handler = OneLineWarnings()
    try:
        raise ValueError("the catalog is broken\nsecond line")
    except ValueError:
        record = logging.LogRecord("radiant_ext.reports", logging.WARNING, __file__, 1,
                                   "labels unavailable; showing ids", None, sys.exc_info())
    handler.handle(record)
    assert capsys.readouterr().err == ("radiant-ext: warning: labels unavailable; showing ids "
                                       "(ValueError: the catalog is broken)\n")
    assert handler.level == logging.WARNING  # Python hands the last resort warnings only


@pytest.mark.parametrize("args", [(), ("db",), ("webhook",)])
def test_a_group_run_bare_shows_its_help(run: Run, args: tuple[str, ...]) -> None:
    ran = run(*args)
    assert ran.err.startswith(" ".join(("Usage: radiant-ext", *args)))
    assert "Commands:" in ran.err and "Error" not in ran.err


def test_help_and_version_exit_zero(run: Run) -> None:
    assert run("--help").code == 0 and run("report", "--help").code == 0
    assert run("--version").out.startswith("radiant-ext, version ")
