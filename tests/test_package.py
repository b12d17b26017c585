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
    "radiant_ext_sandbox",
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


def test_command_table_matches_the_modules() -> None:
    from radiant_ext.cli import COMMAND_MODULES, COMMANDS

    defined: dict[str, str] = {}
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        for command in module.commands:
            assert command.name is not None
            defined[command.name] = module_name
    assert defined == {name: module for name, (module, _) in COMMANDS.items()}


def test_help_does_not_import_the_heavy_areas() -> None:
    code = (
        "import sys\n"
        "from radiant_ext.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('radiant_ext.store', 'radiant_ext.sync', 'radiant_ext.portal',\n"
        "                     'flask', 'sqlalchemy', 'apscheduler') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "sync" in out.stdout and "sandbox" in out.stdout
    assert "HEAVY []" in out.stdout


def test_the_production_wheel_leaves_the_sandbox_out() -> None:
    """radiant-ext's packages are found as pyproject.toml says; the sandbox is not among them
    (it is its own distribution, sandbox/)."""
    import tomllib
    from pathlib import Path

    from setuptools import find_namespace_packages

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    find = config["tool"]["setuptools"]["packages"]["find"]
    found = find_namespace_packages(str(root), include=find["include"],
                                    exclude=find.get("exclude", ()))
    assert {"radiant_ext", "radiant_ext.portal", "radiant_ext.plugins.data.demo"} <= set(found)
    assert not [name for name in found if "sandbox" in name], found
    sandbox = tomllib.loads((root / "sandbox" / "pyproject.toml").read_text(encoding="utf-8"))
    assert sandbox["project"]["name"] == "radiant-ext-sandbox"


def test_web_workers_load_neither_the_scheduler_nor_the_sandbox() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import radiant_ext.portal, radiant_ext.portal.app, radiant_ext.webhook\n"
        "import radiant_ext.reports\n"
        "from radiant_ext.portal.adapters import build_services\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'apscheduler'\n"
        "             or m.startswith(('radiant_ext_sandbox', 'radiant_ext.sync.scheduler'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout
