"""Meta-tests: every hook is documented under its exact signature, with an example, and
tested; every catalog field kind and CLI command is documented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from radiant_ext.plugins import hookspecs, load_catalog_text
from radiant_ext.plugins.catalog import FieldSpec

ROOT = Path(__file__).resolve().parents[2]
HOOKS_DOC = (ROOT / "docs" / "plugin_hooks.md").read_text("utf-8")
CATALOGS_DOC = (ROOT / "docs" / "catalogs.md").read_text("utf-8")
TESTS = (Path(__file__).parent / "test_hooks.py").read_text("utf-8")

HOOKS = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
         if name.startswith("radiant_")]


def signature(hook: object) -> str:
    sig = inspect.signature(hook)  # type: ignore[arg-type]
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{hook.__name__}({params}) -> {sig.return_annotation}"  # type: ignore[attr-defined]


def sections() -> dict[str, str]:
    parts = re.split(r"^## ", HOOKS_DOC, flags=re.M)[1:]
    return {part.splitlines()[0]: part for part in parts}


def test_there_are_hooks_to_check() -> None:
    assert len(HOOKS) >= 11


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.__name__)
def test_hook_is_documented_under_its_exact_signature(hook: object) -> None:
    assert signature(hook) in sections(), f"docs/plugin_hooks.md lacks '## {signature(hook)}'"


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.__name__)
def test_hook_section_has_an_example(hook: object) -> None:
    body = sections()[signature(hook)]
    assert "```python" in body and "@hookimpl" in body
    assert f"def {hook.__name__}(" in body  # type: ignore[attr-defined]


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.__name__)
def test_hook_has_a_test(hook: object) -> None:
    assert f"def test_hook_{hook.__name__}(" in TESTS  # type: ignore[attr-defined]


def test_no_documented_hook_is_missing_from_the_specs() -> None:
    documented = {title.split("(")[0] for title in sections()}
    assert documented == {h.__name__ for h in HOOKS}


def test_hooks_are_documented_in_the_specs_too() -> None:
    for hook in HOOKS:
        doc = inspect.getdoc(hook) or ""
        assert doc and (":return:" in doc or "None" in signature(hook)), hook.__name__


def test_every_field_kind_is_documented_in_catalogs_md() -> None:
    kinds = set()
    for model in FieldSpec.__origin__.__args__:  # type: ignore[attr-defined]
        kinds |= set(model.model_fields["kind"].annotation.__args__)
    for kind in kinds:
        assert f"`{kind}`" in CATALOGS_DOC, kind


@pytest.mark.parametrize("command", ["radiant-ext simulate", "radiant-ext check",
                                     "radiant-ext plugins"])
def test_commands_are_documented(command: str) -> None:
    assert command in CATALOGS_DOC


def test_the_catalog_example_in_catalogs_md_is_a_valid_catalog() -> None:
    example = re.search(r"## A catalog file\n\n```yaml\n(.*?)^```$", CATALOGS_DOC, re.S | re.M)
    assert example is not None
    catalog = load_catalog_text(example[1], "docs/catalogs.md")
    [item] = catalog.items
    assert (item.id, item.title, item.try_first) == (
        "it.pos-down", "Cash register / POS down", ["Restart the register and wait two minutes."])
