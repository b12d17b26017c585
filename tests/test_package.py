"""Meta-tests: public names, the CLI entry point."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

PACKAGES = [
    "radiant_ext",
    "radiant_ext.client",
    "radiant_ext.plugins",
    "radiant_ext.portal",
    "radiant_ext.sync",
    "radiant_ext.store",
    "radiant_ext.sandbox",
    "radiant_ext.webhook",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_complete_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported), f"{name}.__all__ is not sorted"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr}"
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not inspect.ismodule(v)
        and getattr(v, "__module__", name).startswith("radiant_ext")
        and n not in {"annotations"}
    }
    missing = public - set(exported)
    assert not missing, f"{name} defines public names not in __all__: {sorted(missing)}"


def test_console_script_prints_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "radiant_ext", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Usage:" in out.stdout
    assert "radiant_ext" in out.stdout


def test_cli_error_is_one_readable_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "radiant_ext", "no-such-command"],
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert "No such command" in out.stderr
