"""Errors raised by the plugins area.

::

    RadiantError
    └── ConfigError
        └── PluginError                 plugins and catalogs that cannot be used
            ├── CatalogError            a catalog file is invalid (file, line, field)
            ├── UnknownItemError        no enabled catalog item has that id
            ├── DepartmentDisabledError the item's department is switched off
            ├── ItemDisabledError       the catalog check switched the item off
            └── ZnunyMetadataError      Znuny's metadata tables could not be read
"""

from __future__ import annotations

from pathlib import Path

from radiant_ext.errors import ConfigError

__all__ = [
    "CatalogError",
    "CatalogProblem",
    "DepartmentDisabledError",
    "ItemDisabledError",
    "PluginError",
    "UnknownItemError",
    "ZnunyMetadataError",
]


class PluginError(ConfigError):
    """A plugin, catalog or routing input that cannot be used."""


class CatalogProblem:
    """One problem in a catalog file, located by file, line, column and field path.

    :param file: the catalog file (or a package resource name).
    :param line: 1-based line, ``None`` when unknown.
    :param column: 1-based column, ``None`` when unknown.
    :param field: dotted field path such as ``items[0].routing.queue``.
    :param message: what is wrong.
    """

    __slots__ = ("column", "field", "file", "line", "message")

    def __init__(
        self, file: str, line: int | None, column: int | None, field: str, message: str
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"

    def __repr__(self) -> str:
        return f"CatalogProblem({str(self)!r})"


class CatalogError(PluginError):
    """A catalog file failed validation; :attr:`problems` lists every problem found.

    The message is the first problem (``file:line:column: field: message``) plus a count
    of the others, so a CLI can print it as one line.
    """

    def __init__(self, problems: list[CatalogProblem]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "invalid catalog"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)

    @classmethod
    def single(cls, file: str | Path, message: str, *, line: int | None = None,
               column: int | None = None, field: str = "") -> CatalogError:
        """Build an error with one problem."""
        return cls([CatalogProblem(str(file), line, column, field, message)])


class UnknownItemError(PluginError):
    """No enabled catalog item has the requested id."""


class DepartmentDisabledError(PluginError):
    """The catalog item belongs to a department an admin disabled."""


class ItemDisabledError(PluginError):
    """The catalog check disabled the item (Znuny lacks a name it routes to)."""


class ZnunyMetadataError(PluginError):
    """Znuny's metadata tables could not be read."""
