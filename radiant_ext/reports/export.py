"""Exports of a report table: CSV, XLSX (openpyxl) and JSON.

CSV and XLSX carry the column labels in the first row; text cells that a spreadsheet would
take for a formula (``=``, ``+``, ``-``, ``@``) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from radiant_ext.reports.errors import ReportInputError
from radiant_ext.reports.model import ReportTable

__all__ = ["EXPORT_FORMATS", "ExportFormat", "export_table", "media_type"]

ExportFormat = Literal["csv", "xlsx", "json"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "json")
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def media_type(fmt: str) -> str:
    """The HTTP media type of export format ``fmt``."""
    return _MEDIA[fmt]


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else _safe_text(value)


def to_csv(table: ReportTable) -> bytes:
    """The table as UTF-8 CSV (with a BOM, so spreadsheet programs pick the encoding)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if v is None else _safe_text(str(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: ReportTable, meta: dict[str, Any]) -> bytes:
    """The table as an XLSX workbook: sheet "Report", plus "About" with filters and notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Report"
    sheet.append([c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
    for i, column in enumerate(table.columns, start=1):
        width = max([len(column.label)] + [len(str(r[i - 1] or "")) for r in table.rows[:200]])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    sheet.freeze_panes = "A2"
    about = book.create_sheet("About")
    about.append(["Report", table.title])
    for key, value in meta.items():
        about.append([key, _safe_text(str(value))])
    for note in table.notes:
        about.append(["Note", _safe_text(note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(table: ReportTable, meta: dict[str, Any]) -> bytes:
    """The table as JSON: name, title, filter, columns, rows (as objects) and notes."""
    document = {
        "report": table.name, "title": table.title, "filter": meta,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": table.records(), "notes": table.notes,
    }
    return json.dumps(document, default=_json_default, ensure_ascii=False, indent=2).encode()


def export_table(table: ReportTable, fmt: str, meta: dict[str, Any] | None = None) -> bytes:
    """Render ``table`` as ``fmt`` (``csv``, ``xlsx`` or ``json``).

    :param meta: the filter and generation time, written to XLSX and JSON.
    :raises ReportInputError: for an unknown format.
    """
    meta = meta or {}
    if fmt == "csv":
        return to_csv(table)
    if fmt == "xlsx":
        return to_xlsx(table, meta)
    if fmt == "json":
        return to_json(table, meta)
    raise ReportInputError(f"unknown format {fmt!r}: use csv, xlsx or json")
