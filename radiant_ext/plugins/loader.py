"""Load catalog YAML with errors that name the file, line and field.

PyYAML's node marks are kept for every path in the document, so a pydantic error at
``items[0].routing.queue`` is reported at the line where that value (or, for a missing key,
its parent mapping) is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from radiant_ext.i18n import CORE_DOMAIN, register_domain
from radiant_ext.plugins.calendar import BUILTIN_CALENDARS, DEFAULT_CALENDAR, STORE_CALENDAR
from radiant_ext.plugins.catalog import CatalogFile
from radiant_ext.plugins.errors import CatalogError, CatalogProblem
from radiant_ext.plugins.translations import old_style_texts

__all__ = ["load_catalog_dirs", "load_catalog_file", "load_catalog_resource", "load_catalog_text"]

Path_ = tuple[str | int, ...]
Marks = dict[Path_, yaml.Mark]


def _walk(node: yaml.Node, path: Path_, marks: Marks, problems: list[tuple[Path_, str]]) -> None:
    marks[path] = node.start_mark
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                marks[path + (key, "#dup")] = key_node.start_mark
                problems.append((path + (key, "#dup"), f"duplicate key {key!r}"))
            seen.add(key)
            _walk(value_node, path + (key,), marks, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, path + (index,), marks, problems)


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _parse(text: str, source: str) -> tuple[Any, Marks, yaml.Node | None]:
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise CatalogError.single(source, f"YAML syntax: {exc.problem}", line=line,
                                  column=col) from exc
    except yaml.YAMLError as exc:
        raise CatalogError.single(source, f"YAML error: {exc}") from exc
    marks: Marks = {}
    dupes: list[tuple[Path_, str]] = []
    if node is not None:
        _walk(node, (), marks, dupes)
    if dupes:
        raise CatalogError([_problem(source, p[:-1], marks[p], m) for p, m in dupes])
    return data, marks, node


def _resolve_deadline(
    deadline: dict[str, Any], index: int, calendars: dict[str, Any],
    problems: list[tuple[Path_, str]],
) -> None:
    """Resolve ``calendar`` (an id, ``store``, or inline) and ``fallback`` to calendars."""
    key = "calendar"
    ref = deadline.get("calendar", DEFAULT_CALENDAR.id)
    if ref == STORE_CALENDAR:
        deadline["store_hours"] = True
        key, ref = ("fallback", deadline.pop("fallback")) if "fallback" in deadline \
            else ("calendar", DEFAULT_CALENDAR.id)
    elif "fallback" in deadline:
        problems.append((("items", index, "deadline", "fallback"),
                         "'fallback' needs 'calendar: store'"))
        return
    if isinstance(ref, str) and ref in calendars:
        deadline["calendar"] = calendars[ref]
    elif isinstance(ref, str):
        problems.append((("items", index, "deadline", key), f"unknown calendar {ref!r}"))
    else:
        deadline["calendar"] = ref  # an inline calendar, validated by the model


def _resolve_item(
    item: dict[str, Any], index: int, dept_id: Any, calendars: dict[str, Any],
    shared: dict[str, Any], problems: list[tuple[Path_, str]],
) -> None:
    if dept_id and "department" not in item:
        item["department"] = dept_id
    deadline = item.get("deadline")
    if isinstance(deadline, dict):
        _resolve_deadline(deadline, index, calendars, problems)
    rules = item.get("rules")
    for j, rule in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(rule, str) and rule in shared:
            rules[j] = shared[rule]  # type: ignore[index]
        elif isinstance(rule, str):
            problems.append((("items", index, "rules", j), f"unknown shared rule {rule!r}"))


def _resolve_stores(data: dict[str, Any], calendars: dict[str, Any],
                    problems: list[tuple[Path_, str]]) -> None:
    """Resolve each store's ``calendar`` id (its trading hours) to the calendar."""
    stores = data.get("stores")
    for i, store in enumerate(stores if isinstance(stores, list) else []):
        ref = store.get("calendar") if isinstance(store, dict) else None
        if isinstance(ref, str) and ref in calendars:
            store["calendar"] = calendars[ref]
        elif isinstance(ref, str):
            problems.append((("stores", i, "calendar"), f"unknown calendar {ref!r}"))


def _resolve(data: dict[str, Any], problems: list[tuple[Path_, str]]) -> dict[str, Any]:
    """Fill in item departments, calendar references and shared rule references."""
    department = data.get("department")
    dept_id = department.get("id") if isinstance(department, dict) else None
    calendars = {c.id: c.model_dump(mode="json") for c in BUILTIN_CALENDARS.values()}
    for cal in data.get("calendars") or []:
        if isinstance(cal, dict) and isinstance(cal.get("id"), str):
            calendars[cal["id"]] = cal
    shared = {r["id"]: r for r in data.get("rules") or [] if isinstance(r, dict) and "id" in r}
    items = data.get("items")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            _resolve_item(item, i, dept_id, calendars, shared, problems)
    _resolve_stores(data, calendars, problems)
    data.pop("rules", None)
    return data


def _locate(loc: tuple[Any, ...], data: Any, marks: Marks) -> tuple[Path_, yaml.Mark | None]:
    """Map a pydantic error location to a document path (dropping union tags) and a mark."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # discriminated-union tag, not a key in the document
        path.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    for cut in range(len(path), -1, -1):
        mark = marks.get(tuple(path[:cut]))
        if mark is not None:
            return tuple(path), mark
    return tuple(path), None


def _problem(source: str, path: Path_, mark: yaml.Mark | None, message: str) -> CatalogProblem:
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    return CatalogProblem(source, line, col, _dotted(path), message)


def _old_style(source: str, data: Any, node: yaml.Node | None, po: str) -> None:
    """Refuse a file still written with ``{en: …, ru: …}`` texts: one problem saying what to do."""
    found = old_style_texts(node)
    if not found:
        return
    path, mark = found[0]
    where = ""
    items = data.get("items") if isinstance(data, dict) else None
    if path[:1] == ("items",) and isinstance(items, list) and isinstance(path[1], int) \
            and path[1] < len(items) and isinstance(items[path[1]], dict):
        where = f" (item {items[path[1]].get('id')!r})"
    more = f"; {len(found) - 1} more place(s) in this file" if len(found) > 1 else ""
    raise CatalogError([_problem(source, path, mark, (
        f"texts are plain English now, not {{en: …, ru: …}} pairs or '…_ru' keys{where}: "
        f"keep the English here and move the Russian to translations/ru/LC_MESSAGES/{po}.po "
        f"beside the file (docs/writing_a_department_plugin.md, 'Translations'){more}"))])


def _set_domain(data: dict[str, Any], domain: str) -> None:
    department = data.get("department")
    if isinstance(department, dict):
        department["domain"] = domain
    items = data.get("items")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            item["domain"] = domain


def load_catalog_text(text: str, source: str = "<catalog>", *, domain: str = CORE_DOMAIN,
                      po_name: str | None = None) -> CatalogFile:
    """Parse and validate one catalog document.

    :param text: the YAML text.
    :param source: file name used in error messages.
    :param domain: the gettext domain its texts are translated in (:mod:`radiant_ext.i18n`).
    :param po_name: the ``.po`` file's stem named in the old-form error (default: ``domain``).
    :raises CatalogError: listing every problem with file, line, column and field.
    """
    data, marks, node = _parse(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CatalogError.single(source, "a catalog file must be a mapping", line=1)
    _old_style(source, data, node, po_name or domain)
    refs: list[tuple[Path_, str]] = []
    data = _resolve(data, refs)
    _set_domain(data, domain)
    if refs:
        raise CatalogError([_problem(source, p, marks.get(p), m) for p, m in refs])
    try:
        return CatalogFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path, mark = _locate(tuple(err["loc"]), data, marks)
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(_problem(source, path, mark, msg))
        raise CatalogError(problems) from exc


def load_catalog_file(path: str | Path) -> CatalogFile:
    """Load a catalog file from disk; see :func:`load_catalog_text`.

    Its texts are translated from ``translations/<lang>/LC_MESSAGES/<file stem>.po`` in the
    file's folder.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError.single(path, f"cannot read: {exc}") from exc
    domain = str(path.resolve().with_suffix(""))
    register_domain(domain, path.resolve().parent / "translations", path.stem)
    return load_catalog_text(text, str(path), domain=domain, po_name=path.stem)


def load_catalog_resource(package: str, name: str) -> CatalogFile:
    """Load a catalog file shipped as package data (``importlib.resources``).

    Its texts are translated in the domain named after the package, from
    ``translations/<lang>/LC_MESSAGES/<package>.po`` inside it.
    """
    files = resources.files(package)
    text = files.joinpath(name).read_text(encoding="utf-8")
    register_domain(package, files.joinpath("translations"))
    return load_catalog_text(text, f"{package}/{name}", domain=package)


def load_catalog_dirs(dirs: Iterable[str | Path]) -> list[CatalogFile]:
    """Load every ``*.yaml``/``*.yml`` in ``dirs`` (sorted by name).

    :raises CatalogError: with every problem of every file.
    """
    files: list[CatalogFile] = []
    problems: list[CatalogProblem] = []
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise CatalogError.single(folder, "catalog directory does not exist")
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                files.append(load_catalog_file(path))
            except CatalogError as exc:
                problems.extend(exc.problems)
    if problems:
        raise CatalogError(problems)
    return files
