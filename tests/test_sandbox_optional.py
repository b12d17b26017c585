"""The sandbox is a distribution of its own (``sandbox/``, radiant-ext-sandbox): the commands
that need it say how to install it, in one line, when it is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from radiant_ext.cli import main

FIX = "pip install -e sandbox/ (radiant-ext-sandbox)"


@pytest.fixture()
def no_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports of the sandbox, and of any module of it, fail as if it were not installed."""
    for name in [n for n in sys.modules if n.partition(".")[0] == "radiant_ext_sandbox"]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "radiant_ext_sandbox", None)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        main(args)
    out = capsys.readouterr()
    return int(stopped.value.code or 0), out.out + out.err


@pytest.mark.usefixtures("no_sandbox")
def test_demo_without_the_sandbox_is_one_line_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RADIANT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code, out = _run(["demo", "--port", "0", "--data", str(tmp_path / "demo")], capsys)
    assert code == 1
    assert out.strip().splitlines() == [
        f"Error: the demo needs the sandbox, which is not installed: {FIX}"
    ]
    assert not (tmp_path / "demo").exists()  # stopped before it made anything


@pytest.mark.usefixtures("no_sandbox")
def test_sandbox_commands_without_the_sandbox_are_one_line_naming_the_fix(
    tmp_path: Path,
) -> None:
    from radiant_ext.cli.sandbox import sandbox

    runner = CliRunner()
    for args in ([], ["mail", "--from", "a@example.org", "--subject", "x"], ["seed",
                 "--tickets", "1"]):
        result = runner.invoke(sandbox, ["--data", str(tmp_path / "sb"), *args])
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [
            f"Error: radiant-ext sandbox needs the sandbox, which is not installed: {FIX}"
        ]
        assert "Traceback" not in result.output
    assert not (tmp_path / "sb").exists()


@pytest.mark.usefixtures("no_sandbox")
def test_webhook_try_needs_the_sandbox_only_to_show_znunys_write_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from radiant_ext.cli.webhook import webhook

    monkeypatch.delenv("RADIANT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["try", "--title", "Printer jammed", "--company", "store-012"]
    answer = runner.invoke(webhook, [*args, "--json"])
    assert answer.exit_code == 0, answer.output
    assert answer.output.lstrip().startswith("{")
    shown = runner.invoke(webhook, args)
    assert shown.exit_code == 1, shown.output
    assert shown.output.strip().splitlines() == [
        "Error: radiant-ext webhook try (without --json) needs the sandbox, which is not "
        f"installed: {FIX}"
    ]


def test_an_import_error_inside_the_installed_sandbox_is_not_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import click

    from radiant_ext.cli.sandbox import sandbox_needed

    with pytest.raises(ModuleNotFoundError, match="werkzeug_missing"):
        with sandbox_needed("the demo"):
            import werkzeug_missing  # type: ignore[import-not-found]  # noqa: F401
    with pytest.raises(click.ClickException):
        with sandbox_needed("the demo"):
            monkeypatch.setitem(sys.modules, "radiant_ext_sandbox", None)
            import radiant_ext_sandbox  # noqa: F401
