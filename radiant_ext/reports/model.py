"""What a report returns: a titled table with typed columns and an optional chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Chart", "Column", "ColumnKind", "ReportTable"]

ColumnKind = Literal["text", "int", "number", "percent", "money", "minutes"]


@dataclass(frozen=True)
class Column:
    """One column: ``key`` for machines (JSON, CSV header), ``label`` for people."""

    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Chart:
    """How to draw a table: labels from column ``x``, one series per ``series`` column."""

    kind: Literal["bar", "hbar", "line", "heatmap", "stacked"]
    x: str
    series: tuple[str, ...]
    max_points: int = 40
    """Bar and line charts show at most this many rows (the table shows all)."""


@dataclass
class ReportTable:
    """The result of one report."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

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
