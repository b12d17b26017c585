"""docs/writing_a_department_plugin.md stays true.

The tutorial marks every file it shows with ``<!-- file: PATH -->`` (the whole file) or
``<!-- excerpt: PATH -->`` (a verbatim part of it); the Legal plugin's module, catalog and
``pyproject.toml`` are shown completely across its excerpts. Every ``console`` block is run:
each ``$ radiant-ext …`` line through click's CliRunner, in order, in one data folder, next to a
sandbox with the retail seed; the lines printed under it must appear in that order in the
output (``…`` stands for left-out lines, or inside a line for any text; table borders and
spacing do not count).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import radiant_ext_legal
from click.testing import CliRunner

from radiant_ext.cli import build_cli
from radiant_ext.plugins import (
    CatalogError,
    Plugins,
    Viewer,
    load_catalog_text,
    make_plugin_manager,
)
from radiant_ext.plugins.znuny_meta import check_items, read_znuny_names

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = (ROOT / "docs" / "writing_a_department_plugin.md").read_text("utf-8")
LEGAL = "plugins/radiant-ext-legal"
SHOWN_COMPLETELY = [f"{LEGAL}/pyproject.toml", f"{LEGAL}/radiant_ext_legal/__init__.py",
                    f"{LEGAL}/radiant_ext_legal/catalog.yaml"]
CATALOG = ROOT / LEGAL / "radiant_ext_legal" / "catalog.yaml"

_BLOCK = re.compile(r"(?:<!-- (file|excerpt): (\S+) -->\n)?```(\w*)\n(.*?)^```$", re.S | re.M)
_BORDERS = re.compile(r"[│┃┏┓┗┛━─┡┩╇┳┻┼┬┴└┘┌┐╋]")


@dataclass(frozen=True)
class Block:
    """A fenced block of the tutorial; ``kind`` is ``file``, ``excerpt`` or empty."""

    kind: str
    path: str
    lang: str
    body: str


BLOCKS = [Block(m[1] or "", m[2] or "", m[3], m[4]) for m in _BLOCK.finditer(TUTORIAL)]
SHOWN = [b for b in BLOCKS if b.kind]


def _text(path: str) -> str:
    return (ROOT / path).read_text("utf-8")


def test_the_tutorial_shows_the_legal_plugin() -> None:
    assert {b.path for b in SHOWN} >= set(SHOWN_COMPLETELY)
    assert all(b.path.startswith(f"{LEGAL}/") for b in SHOWN)
    assert sum(b.lang == "console" for b in BLOCKS) >= 5


@pytest.mark.parametrize("block", SHOWN, ids=[f"{b.path}#{i}" for i, b in enumerate(SHOWN)])
def test_shown_file_text_is_the_real_file(block: Block) -> None:
    text = _text(block.path)
    if block.kind == "file":
        assert block.body == text
    else:
        assert text.startswith(block.body) or f"\n{block.body}" in text, (
            f"excerpt of {block.path} is not in the file:\n{block.body}")


@pytest.mark.parametrize("path", SHOWN_COMPLETELY)
def test_every_line_of_the_file_is_shown(path: str) -> None:
    lines = _text(path).splitlines()
    shown = [False] * len(lines)
    for block in (b for b in SHOWN if b.path == path):
        part = block.body.splitlines()
        start = next(i for i in range(len(lines)) if lines[i:i + len(part)] == part)
        shown[start:start + len(part)] = [True] * len(part)
    missing = [f"{n + 1}: {line}" for n, line in enumerate(lines) if line.strip() and not shown[n]]
    assert missing == [], f"{path}: lines the tutorial does not show"


def test_paths_the_tutorial_names_exist() -> None:
    paths = set(re.findall(r"`((?:plugins|docs|tests|scripts)/[^`\s*]*)`", TUTORIAL))
    assert f"{LEGAL}/" in paths
    assert [p for p in sorted(paths) if not (ROOT / p).exists()] == []


def test_the_project_layout_lists_the_real_files() -> None:
    [tree] = [b.body for b in BLOCKS if b.body.startswith(f"{LEGAL}/\n")]
    names = re.findall(r"── (\S+)", tree)
    files = {p.name for p in (ROOT / LEGAL).rglob("*") if "egg-info" not in str(p)}
    assert len(names) >= 7
    assert [n for n in names if n.rstrip("/") not in files] == []


def _normalise(line: str) -> str:
    return " ".join(_BORDERS.sub(" ", line).split())


def _pattern(claimed: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in claimed.split("…")))


def _assert_printed(command: str, claimed: list[str], output: str) -> None:
    """Each claimed line matches a later output line than the one before ('…' skips)."""
    printed = [_normalise(line) for line in output.splitlines()]
    position = 0
    for line in (_normalise(c) for c in claimed):
        if line in ("", "…"):
            continue
        pattern = _pattern(line)
        found = next((i for i in range(position, len(printed))
                      if pattern.fullmatch(printed[i])), None)
        assert found is not None, f"$ {command}\nexpected line {line!r} in:\n{output}"
        position = found + 1


def _console_steps() -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for block in (b for b in BLOCKS if b.lang == "console"):
        for line in block.body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return steps


@pytest.fixture(scope="module")
def retail_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``.radiant-sandbox/sandbox.sqlite`` with the retail seed."""
    from radiant_ext_sandbox import create_app

    folder = tmp_path_factory.mktemp("tutorial")
    create_app(data_dir=folder / ".radiant-sandbox", seed="retail")
    return folder


def test_console_commands_print_what_the_tutorial_shows(
    retail_sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RADIANT_ZNUNY_DB_URL", "RADIANT_DATABASE_URL", "RADIANT_CATALOG_DIRS",
                 "RADIANT_BLOCKED_PLUGINS", "RADIANT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RADIANT_CONFIG", str(retail_sandbox / "absent.toml"))
    monkeypatch.chdir(retail_sandbox)
    cli, runner = build_cli(), CliRunner()
    steps = _console_steps()
    for command, claimed in steps:
        words = shlex.split(command)
        env = dict(w.split("=", 1) for w in words if re.fullmatch(r"[A-Z_]+=\S*", w))
        args = words[len(env):]
        assert args[0] == "radiant-ext", command
        result = runner.invoke(cli, args[1:], env=env, catch_exceptions=False)
        assert result.exit_code == 0, f"$ {command}\n{result.output}"
        _assert_printed(command, claimed, result.output)


def _text_blocks() -> str:
    return "\n".join(b.body for b in BLOCKS if b.lang == "text")


@pytest.mark.parametrize(("mistake", "fix"), [
    ("{value: lease, label: Lease of premises: shop or office}",
     "{value: lease, label: Lease of premises}"),
    ("service: \"Legal::Contract review\",\n              priority: 6,",
     "service: \"Legal::Contract review\",\n              priority: 3,"),
    ("    title: {en: Contract review, ru: Проверка договора}\n", "    title: Contract review\n"),
])
def test_catalog_mistakes_are_reported_as_the_tutorial_shows(mistake: str, fix: str) -> None:
    text = CATALOG.read_text("utf-8")
    assert text.count(fix) == 1
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text.replace(fix, mistake), "radiant_ext_legal/catalog.yaml",
                          domain="radiant_ext_legal")
    [problem] = caught.value.problems
    assert f"{problem}\n" in _text_blocks()


def test_an_sla_of_another_department_is_reported_as_the_tutorial_shows(
    retail_sandbox: Path,
) -> None:
    plugins = Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_legal]))
    item = plugins.item("legal.contract-review")
    wrong = item.model_copy(update={"routing": item.routing.model_copy(
        update={"sla": "HR standard"})})
    names = read_znuny_names(f"sqlite:///{retail_sandbox / '.radiant-sandbox' / 'sandbox.sqlite'}")
    assert check_items([item], names) == []
    [problem] = check_items([wrong], names)
    assert f"problem: {problem}\n" in _text_blocks()


def test_the_demo_logins_see_what_the_tutorial_says(retail_sandbox: Path) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{retail_sandbox / '.radiant-sandbox' / 'sandbox.sqlite'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT login, customer_id FROM customer_user")).all()
        company: dict[str, str] = {str(login): str(cid) for login, cid in rows}
    engine.dispose()
    plugins = Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_legal],
                                          catalog_dirs=[retail_sandbox / ".radiant-sandbox"
                                                        / "stores"]))

    def titles(login: str) -> list[str]:
        viewer = Viewer(company=company[login], login=login)
        return [i.title for i in plugins.catalog_items(viewer=viewer)]

    assert titles("office-anna") == ["Contract review", "Power of attorney"]
    assert titles("demo-customer") == ["Contract review", "Power of attorney",
                                       "Legal question from a store"]
    assert titles("guest-customer") == []
    for login in ("`office-anna`", "`demo-customer`", "`guest-customer`"):
        assert login in TUTORIAL
