"""Exports of a report table: CSV, XLSX (openpyxl) and JSON, in the reader's language.

Every export is :func:`~radiant_ext.reports.i18n.localize`\\ d first: titles, column labels,
sheet names, notes and report words in the language asked for (English by default, as the
command line writes them); keys, ids and figures are the same in every language.

CSV is made for the spreadsheet that opens it: ``comma`` (``,`` between fields, ``.`` in
decimals — English Excel, LibreOffice, scripts) or ``semicolon`` (``;`` between fields, ``,``
in decimals — Excel with Russian regional settings). Without a choice, Russian gets
``semicolon`` and English ``comma``. Both start with a UTF-8 byte-order mark, so Excel reads
Cyrillic right. CSV and XLSX carry the column labels in the first row; text cells that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``) are prefixed with an
apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from radiant_ext.reports.errors import ReportInputError
from radiant_ext.reports.i18n import W_, localize, translate
from radiant_ext.reports.model import ReportTable

__all__ = ["CSV_DIALECTS", "EXPORT_FORMATS", "CsvDialect", "ExportFormat", "csv_dialect",
           "export_table", "media_type"]

ExportFormat = Literal["csv", "xlsx", "json"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "json")
CsvDialect = Literal["comma", "semicolon"]
CSV_DIALECTS: dict[CsvDialect, tuple[str, str]] = {"comma": (",", "."), "semicolon": (";", ",")}
"""Dialect → (field separator, decimal mark)."""
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
_META_LABELS = {"from": W_("From"), "to": W_("To"), "period": W_("Period"),
                "department": W_("Department"), "store": W_("Store"),
                "item": W_("Catalog item"),
                "company": W_("Company"), "generated": W_("Generated")}
"""The XLSX "About" sheet's names of the filter's keys."""


def media_type(fmt: str) -> str:
    """The HTTP media type of export format ``fmt``."""
    return _MEDIA[fmt]


def csv_dialect(language: str, asked: str | None = None) -> CsvDialect:
    """The CSV dialect ``asked`` for, else the one Excel in ``language`` expects."""
    if asked in CSV_DIALECTS:
        return asked
    return "semicolon" if language.startswith("ru") else "comma"


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _moment(value: datetime) -> str:
    """A time with the zone it is in: ``2026-11-20 14:05 (Europe/Moscow, UTC+0300)``."""
    zone = getattr(value.tzinfo, "key", None) or "UTC"
    return f"{value:%Y-%m-%d %H:%M} ({zone}, UTC{value:%z})"


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return _moment(value)
    return "" if value is None else _safe_text(value)


def _csv_value(value: Any, decimal_mark: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", decimal_mark)
    return str(_safe_text(str(value)))


def to_csv(table: ReportTable, dialect: CsvDialect = "comma") -> bytes:
    """The table as UTF-8 CSV with a BOM (Excel then reads the encoding right)."""
    separator, decimal_mark = CSV_DIALECTS[dialect]
    out = io.StringIO()
    # ";" files quote every field: decimal commas then cannot be taken for separators
    writer = csv.writer(out, delimiter=separator,
                        quoting=csv.QUOTE_ALL if separator == ";" else csv.QUOTE_MINIMAL)
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(v, decimal_mark) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _number_formats(table: ReportTable) -> dict[int, str]:
    kinds = {"money": "#,##0.00", "percent": "0.0", "int": "#,##0", "minutes": "#,##0"}
    return {i: kinds[c.kind] for i, c in enumerate(table.columns, start=1) if c.kind in kinds}


def to_xlsx(table: ReportTable, meta: dict[str, Any], language: str = "en") -> bytes:
    """The table as an XLSX workbook: a sheet with the table ("Report" / "Отчёт") and one
    with the report's title, filter and notes ("About" / "Сведения")."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = translate(W_("Report"), language)
    sheet.append([c.label for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
    for i, pattern in _number_formats(table).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
            cell.number_format = pattern
    for i, column in enumerate(table.columns, start=1):
        width = max([len(column.label)] + [len(str(r[i - 1] or "")) for r in table.rows[:200]])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
    sheet.freeze_panes = "A2"
    about = book.create_sheet(translate(W_("About"), language))
    about.append([translate(W_("Report"), language), table.title])
    for key, value in meta.items():
        label = translate(_META_LABELS[key], language) if key in _META_LABELS else key
        about.append([label, _safe_text(str(value))])
    for note in table.notes:
        about.append([translate(W_("Note"), language), _safe_text(str(note))])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(table: ReportTable, meta: dict[str, Any]) -> bytes:
    """The table as JSON: name, title, filter, columns, rows (as objects) and notes."""
    document = {
        "report": table.name, "title": table.title, "filter": meta,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": table.records(), "notes": [str(n) for n in table.notes],
    }
    return json.dumps(document, default=_json_default, ensure_ascii=False, indent=2).encode()


def export_table(table: ReportTable, fmt: str, meta: dict[str, Any] | None = None, *,
                 language: str = "en", admin: bool = True,
                 dialect: CsvDialect | None = None) -> bytes:
    """Render ``table`` as ``fmt`` (``csv``, ``xlsx`` or ``json``) in ``language``.

    :param meta: the filter and generation time, written to XLSX and JSON.
    :param admin: the reader can change the settings (the command line's user can), so
        notes may name settings; the pages pass whether their viewer can.
    :param dialect: the CSV dialect; default: the one of ``language`` (:func:`csv_dialect`).
    :raises ReportInputError: for an unknown format.
    """
    meta = meta or {}
    if fmt not in EXPORT_FORMATS:
        raise ReportInputError(f"unknown format {fmt!r}: use csv, xlsx or json")
    table = localize(table, language, admin=admin)
    if fmt == "csv":
        return to_csv(table, dialect or csv_dialect(language))
    if fmt == "xlsx":
        return to_xlsx(table, meta, language)
    return to_json(table, meta)
