"""Every text of every department catalog, and every built-in message, has its Russian.

One scheme: English msgids in the code and the catalog files, Russian in gettext catalogs
(``.po``) — a plugin's in its package, the built-in messages in ``radiant_ext.po``. These tests
fail when a text has no Russian, a translation loses a placeholder, the ``.po`` keeps texts
nobody uses, the documented ``pybabel extract`` misses something, or the old
``{en: …, ru: …}`` / ``*_ru`` form comes back anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

import radiant_ext
from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.plugins.translations import extract

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_PACKAGES = sorted(p for p in ROOT.glob("plugins/*/radiant_ext_*") if p.is_dir()
                         and not p.name.endswith(".egg-info"))
CORE = Path(radiant_ext.__file__).parent
CORE_PO = CORE / "translations" / "ru" / "LC_MESSAGES" / "radiant_ext.po"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _po(path: Path) -> dict[str, str]:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    assert not [m.id for m in catalog if m.id and m.fuzzy], f"fuzzy entries in {path}"
    return {str(m.id): str(m.string) for m in catalog if m.id}


def _package_texts(package: Path) -> set[str]:
    """What ``pybabel extract -F babel.cfg`` finds: catalog texts and ``message()`` calls."""
    method_map = [("**/catalog.yaml", "radiant_ext.plugins.translations:extract"),
                  ("**.py", "python")]
    return {str(message) for _f, _l, message, _c, _x in extract_from_dir(
        str(package), method_map, keywords={"message": None})}


def _assert_translated(texts: set[str], po: dict[str, str], where: Path) -> None:
    missing = sorted(t for t in texts if not po.get(t, "").strip())
    assert not missing, f"no Russian in {where}: {missing}"
    unused = sorted(set(po) - texts)
    assert not unused, f"{where} translates texts nobody uses any more: {unused}"
    broken = {t: po[t] for t in texts
              if sorted(_PLACEHOLDER.findall(t)) != sorted(_PLACEHOLDER.findall(po[t]))}
    assert not broken, f"placeholders differ: {broken}"


@pytest.mark.parametrize("package", PLUGIN_PACKAGES, ids=lambda p: p.name)
def test_every_catalog_text_of_a_plugin_has_its_russian(package: Path) -> None:
    texts = _package_texts(package)
    assert len(texts) > 15  # the department, its items, fields and options
    po = package / "translations" / "ru" / "LC_MESSAGES" / f"{package.name}.po"
    _assert_translated(texts, _po(po), po)


@pytest.mark.parametrize("package", PLUGIN_PACKAGES, ids=lambda p: p.name)
def test_a_plugin_catalog_shows_in_russian(package: Path) -> None:
    module = __import__(package.name)
    plugins = Plugins(make_plugin_manager(load_entrypoints=False, plugins=[module]))
    [department] = plugins.departments()
    po = _po(package / "translations" / "ru" / "LC_MESSAGES" / f"{package.name}.po")
    assert department.translate(department.title, "ru") == po[department.title]
    assert department.translate(department.title, "en") == department.title
    for item in plugins.catalog_items():
        russian = item.translate(item.title, "ru")
        assert re.search("[а-яё]", russian, re.I) and russian != item.title, item.id


def test_every_built_in_message_has_its_russian() -> None:
    method_map = [("plugins/**.py", "python")]
    texts = {str(m) for _f, _l, m, _c, _x in extract_from_dir(
        str(CORE), method_map, keywords={"message": None})}
    assert {"This field is required.", "Owner picked from the pool {pool}"} <= texts
    _assert_translated(texts, _po(CORE_PO), CORE_PO)


def test_the_documented_pybabel_extract_finds_catalog_texts_and_messages(
    tmp_path: Path,
) -> None:
    project = ROOT / "plugins" / "radiant-ext-legal"
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(project / "babel.cfg"), "-k", "message",
        "--add-comments=", "-o", str(pot), str(project / "radiant_ext_legal")])
    with pot.open("rb") as fh:
        found = {str(m.id): m for m in read_po(fh) if m.id}
    assert "Contract review" in found  # an item's title, from catalog.yaml
    assert "items[0].title" in found["Contract review"].auto_comments
    assert "Flagship store ({store}): raised one level" in found  # a shared rule
    assert "The power of attorney must end after the day it starts." in found  # Python
    assert set(found) == _package_texts(project / "radiant_ext_legal")


def test_the_extractor_reads_every_kind_of_catalog_text() -> None:
    import io

    text = """\
department: {id: ops, title: Operations, description: "Tills, printers."}
rules: [{id: r, text: "Shared {store}", when: {store_tiers: [a]}, raise: 1}]
items:
  - id: ops.x
    title: Till
    help: Help text
    try_first: [Restart it]
    fields:
      - {id: f, kind: choice, label: Impact, help: Field help,
         options: [{value: one, label: One till}]}
    rules: [{id: s, text: Own rule, when: {field: f, equals: one}, raise: 1}]
    routing: {type: Incident, queue: IT}
    keywords: [not a text]
"""
    found = [(line, message) for line, _f, message, _c in extract(
        io.BytesIO(text.encode()), {}, [], {})]
    assert [m for _l, m in found] == [
        "Operations", "Tills, printers.", "Shared {store}", "Till", "Help text", "Restart it",
        "Impact", "Field help", "One till", "Own rule"]
    assert found[3] == (5, "Till")


_OLD_FORM = re.compile(r"\{\s*en\s*:|^\s*-?\s*ru\s*:|\b[a-z]+_ru\b", re.M)
_DETECTORS = {CORE / "plugins" / "translations.py", CORE / "plugins" / "loader.py"}


def test_no_text_is_written_the_old_two_language_way() -> None:
    sources = [p for pattern in ("**/*.py", "**/*.yaml", "**/*.yml", "**/*.html")
               for p in [*CORE.glob(pattern), *(ROOT / "plugins").glob(pattern)]]
    assert len(sources) > 100
    offenders = sorted(str(p.relative_to(ROOT)) for p in sources
                       if p not in _DETECTORS and ".egg-info" not in str(p)
                       and _OLD_FORM.search(p.read_text("utf-8")))
    assert not offenders, f"{{en: …, ru: …}} texts or *_ru fields: {offenders}"


def test_texts_a_plugin_builds_in_code_are_translated_from_its_catalog() -> None:
    import radiant_ext_legal

    from radiant_ext.plugins import Department

    legal = radiant_ext_legal.catalog
    department = Department(id="legal", title="Legal", domain=legal.package)
    assert department.translate(department.title, "ru") == "Юридический отдел"
    refusal = legal.message("The power of attorney must end after the day it starts.")
    assert refusal.get("ru") == "Доверенность должна заканчиваться позже даты начала."
    assert refusal.get("en") == str(refusal) == refusal.msgid
