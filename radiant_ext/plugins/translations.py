"""The texts of a catalog file: where they are, the Babel extractor, the old two-language form.

A catalog file's texts — the department's title and description; an item's title, help and
``try_first`` steps; a field's label and help; an option's label; a rule's text; a workflow
step's or move's label — are plain English strings, the msgids of the file's gettext domain.
The Russian lives in ``translations/ru/LC_MESSAGES/<domain>.po`` beside the file (a department
plugin: in its package, domain = the package name; see ``docs/writing_a_department_plugin.md``).

:func:`extract` is the ``pybabel extract`` method for catalog files; a plugin's mapping file
names it in an ``[extractors]`` section::

    [extractors]
    catalog = radiant_ext.plugins.translations:extract

    [catalog: **/catalog.yaml]
    [python: **.py]
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

__all__ = ["TEXT_PATHS", "catalog_texts", "extract", "old_style_texts"]

TEXT_PATHS = (
    ("department", "title"),
    ("department", "description"),
    ("department", "summary"),
    ("rules", "#", "text"),
    ("items", "#", "title"),
    ("items", "#", "help"),
    ("items", "#", "summary"),
    ("items", "#", "try_first", "#"),
    ("items", "#", "fields", "#", "label"),
    ("items", "#", "fields", "#", "help"),
    ("items", "#", "fields", "#", "options", "#", "label"),
    ("items", "#", "rules", "#", "text"),
    ("items", "#", "workflow", "steps", "#", "label"),
    ("items", "#", "workflow", "moves", "#", "label"),
    ("items", "#", "bundle", "parts", "#", "title"),
)
"""Where a catalog file holds texts for people; ``#`` stands for any list index."""

Path_ = tuple[str | int, ...]


def _is_text_path(path: Path_) -> bool:
    shape = tuple("#" if isinstance(p, int) else p for p in path)
    return shape in TEXT_PATHS


def _walk(node: yaml.Node, path: Path_) -> Iterator[tuple[Path_, yaml.Node]]:
    yield path, node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(value, (*path, str(key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            yield from _walk(child, (*path, index))


def catalog_texts(root: yaml.Node | None) -> Iterator[tuple[Path_, str, int]]:
    """Every text of a composed catalog document: its path, the English text, its line."""
    if root is None:
        return
    for path, node in _walk(root, ()):
        if _is_text_path(path) and isinstance(node, yaml.ScalarNode) and str(node.value):
            yield path, str(node.value), node.start_mark.line + 1


_RU_KEY = re.compile(r"^\w+_ru$")


def old_style_texts(root: yaml.Node | None) -> list[tuple[Path_, yaml.Mark]]:
    """Places still written the old way: ``{en: …, ru: …}`` texts and ``*_ru`` keys."""
    found: list[tuple[Path_, yaml.Mark]] = []
    if root is None:
        return found
    for path, node in _walk(root, ()):
        if isinstance(node, yaml.MappingNode):
            keys = {str(k.value) for k, _ in node.value}
            if "en" in keys and keys <= {"en", "ru"}:
                found.append((path, node.start_mark))
            found.extend(((*path, str(k.value)), k.start_mark) for k, _ in node.value
                         if _RU_KEY.match(str(k.value)))
    return found


def extract(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for catalog YAML: ``(line, funcname, message, comments)``.

    Each text yields its English msgid with a comment naming where it is
    (``items[0].fields[1].label``), which ``pybabel extract`` writes as ``#.`` comments when
    called with ``--add-comments=`` (any tag).
    """
    del keywords, comment_tags  # catalog texts are not calls: every text is a message
    encoding = str(options.get("encoding", "utf-8"))
    root = yaml.compose(fileobj.read().decode(encoding), Loader=yaml.SafeLoader)
    for path, text, line in catalog_texts(root):
        yield line, "", text, [_dotted(path)]


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
