"""What a report returns: a titled table with typed columns, an optional chart and notes.

Titles, column labels, notes and the values of ``words`` columns are English msgids of the
``reports`` gettext domain; :func:`radiant_ext.reports.i18n.localize` turns a table into the
viewer's language, :mod:`radiant_ext.reports.formatting` formats its values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

__all__ = ["Chart", "Column", "ColumnKind", "Money", "Note", "ReportTable"]

ColumnKind = Literal["text", "int", "number", "percent", "money", "minutes", "date", "month",
                     "datetime"]
"""How a column's values read: ``date`` and ``month`` hold ISO text (``2026-11-23``,
``2026-11``), ``datetime`` aware datetimes in the report's zone, ``money`` decimals whose
currency is the row's ``currency`` column."""


@dataclass(frozen=True)
class Column:
    """One column: ``key`` for machines (JSON, CSV header), ``label`` for people."""

    key: str
    label: str
    kind: ColumnKind = "text"
    ident: bool = False
    """A machine id beside a name column (store id, item id): kept in exports, left off the
    pages, which show the name."""
    words: bool = False
    """The values are report words (``Monday``): translated like the labels."""


@dataclass(frozen=True)
class Chart:
    """How to draw a table: labels from column ``x``, one series per ``series`` column."""

    kind: Literal["bar", "hbar", "line", "heatmap", "stacked"]
    x: str
    series: tuple[str, ...]
    max_points: int = 40
    """Bar and line charts show at most this many rows (the table shows all)."""
    detail: str | None = None
    """A second column whose value follows the label ("Store 012 · Receipt printer")."""
    top: str | None = None
    """With more rows than :attr:`max_points`, the chart shows those with the highest value
    in this column (in the table's order), not the first ones: a table in workflow order of
    140 item steps charts the 25 with the most open tickets."""


@dataclass(frozen=True)
class Money:
    """An amount in a currency, as a note's parameter (formatted per language)."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


@dataclass(frozen=True)
class Note:
    """A sentence under a report: an English msgid with ``{name}`` parameters.

    ``admin_text``, when set, is what someone who can change the settings reads instead
    (it names the setting to change); everyone else reads ``text``.
    """

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    admin_text: str | None = None

    def __str__(self) -> str:
        return (self.admin_text or self.text).format(
            **{k: str(v) for k, v in self.params.items()})


@dataclass
class ReportTable:
    """The result of one report."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    chart: Chart | None = None
    notes: list[str | Note] = field(default_factory=list)

    def column(self, key: str) -> int:
        """Index of column ``key``."""
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def values(self, key: str) -> list[Any]:
        """Every row's value in column ``key``."""
        i = self.column(key)
        return [row[i] for row in self.rows]

    def records(self) -> list[dict[str, Any]]:
        """Rows as ``{column key: value}`` dictionaries."""
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]

    def lookup(self, key: str, value: Any) -> dict[str, Any] | None:
        """The first row whose column ``key`` equals ``value``, as a dictionary."""
        return next((r for r in self.records() if r[key] == value), None)
