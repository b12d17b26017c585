"""Report values as people read them, per language (Babel): numbers, money, dates, times.

The pages, the charts' labels and the notes use these; CSV keeps plain numbers (with the
decimal mark of the spreadsheet it is made for) and XLSX real numbers.

* ``int`` and ``minutes``: grouped (``12,345`` / ``12 345``);
* ``number``: up to two decimals; ``percent``: one decimal and the sign (``12.5%`` /
  ``12,5 %``);
* ``money``: the amount with its currency (``RUB 50,000.00`` / ``50 000,00 ₽``);
* ``date`` (``2026-11-23``) and ``month`` (``2026-11``): the language's medium date and
  month-and-year; ``datetime``: date and time followed by the zone it is shown in.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    format_skeleton,
    format_time,
    get_day_names,
)
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    get_group_symbol,
    get_minus_sign_symbol,
    parse_pattern,
)

from radiant_ext.i18n import supported_language
from radiant_ext.reports.model import Money, ReportTable

__all__ = ["display_rows", "format_param", "format_value", "weekday_short"]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _temporal(value: Any, kind: str, locale: str) -> str:
    if kind == "datetime" and isinstance(value, datetime):
        zone = getattr(value.tzinfo, "key", None) or value.strftime("UTC%z")
        offset = format_datetime(value, "ZZZZ", tzinfo=value.tzinfo, locale=locale)
        when = (format_date(value, "medium", locale=locale) + ", "
                + format_time(value, "short", tzinfo=value.tzinfo, locale=locale))
        return f"{when} ({zone}, {offset})"
    text = str(value)
    day = _day(text) if kind == "date" else _day(f"{text}-01") if len(text) == 7 else None
    if day is None:
        return text  # an ISO week ("2026-W47") or text that is no date stays as it is
    if kind == "date":
        return format_date(day, "medium", locale=locale)
    return format_skeleton("yMMM", day, locale=locale)


def format_value(value: Any, kind: str, language: str, currency: str | None = None) -> str:
    """``value`` of a column of ``kind`` in ``language``; ``""`` for a missing value."""
    if value is None or value == "":
        return ""
    locale = supported_language(language)
    if kind in ("date", "month", "datetime"):
        return _temporal(value, kind, locale)
    if kind == "text" or isinstance(value, str | bool):
        return str(value)
    if kind == "percent":
        signs = _whole_signs(locale)
        if type(value) is float and signs is not None and round(value, 1) == value:
            tenths = _percent_signs(locale)
            if tenths is not None:
                return _tenths(value, *signs, *tenths)
        return _number(Decimal(str(value)) / 100, "#,##0.0%", locale)
    if kind == "money":
        if currency:
            return format_currency(value, currency, locale=locale)
        return _number(value, "#,##0.00", locale)
    if type(value) is int and kind in ("int", "minutes", "number"):
        signs = _whole_signs(locale)
        if signs is not None:
            return _whole(value, *signs)
    if kind == "number":
        return _number(value, "#,##0.##", locale)
    return _number(value, "#,##0", locale)


def _whole(value: int, group: str, minus: str) -> str:
    """``value`` with its digits grouped by three (``12,345`` / ``12 345``)."""
    text = f"{abs(value):,}".replace(",", group)
    return minus + text if value < 0 else text


def _tenths(value: float, group: str, minus: str, decimal: str, percent: str) -> str:
    """``value`` (a whole number of tenths) as a percentage with one decimal."""
    text = f"{abs(value):,.1f}".replace(",", "\0").replace(".", decimal).replace("\0", group)
    return f"{minus if math.copysign(1.0, value) < 0 else ''}{text}{percent}"  # -0.0 as Babel


_TENTHS = (0.0, 0.5, 5.0, 12.5, 99.9, 100.0, 1234.5, -3.5, -1234.5)


@lru_cache(maxsize=8)
def _percent_signs(locale: str) -> tuple[str, str] | None:
    """The decimal and percent signs of ``locale`` when :func:`_tenths` writes percentages
    as Babel's ``#,##0.0%`` does (checked once per language on samples), else ``None``."""
    number_symbols = Locale.parse(locale).number_symbols.get("latn", {})
    tenths = str(number_symbols.get("decimal", ".")), str(number_symbols.get("percentSign", "%"))
    signs = _whole_signs(locale)
    same = signs is not None and all(
        _tenths(v, *signs, *tenths) == _number(Decimal(str(v)) / 100, "#,##0.0%", locale)
        for v in _TENTHS)
    return tenths if same else None


_SAMPLES = (0, 7, 999, 1000, 1234, 12345, 123456, 1234567, -1, -999, -1234, -1234567)


@lru_cache(maxsize=8)
def _whole_signs(locale: str) -> tuple[str, str] | None:
    """The group and minus signs of ``locale`` when :func:`_whole` writes its whole numbers
    as Babel does (checked once per language on samples), else ``None``: a table of 500 rows
    formats thousands of them, and Babel takes some 40 µs for each."""
    signs = get_group_symbol(locale=locale), get_minus_sign_symbol(locale=locale)
    same = all(_whole(v, *signs) == _number(v, "#,##0", locale) for v in _SAMPLES)
    return signs if same else None


@lru_cache(maxsize=32)
def _parsed(pattern: str, locale: str) -> tuple[NumberPattern, Locale]:
    """A number pattern and locale parsed once (a page of 500 rows formats thousands)."""
    return parse_pattern(pattern), Locale.parse(locale)


def _number(value: Any, pattern: str, locale: str) -> str:
    """``format_decimal(value, pattern)`` / ``format_percent`` without parsing again."""
    number_pattern, parsed = _parsed(pattern, locale)
    return str(number_pattern.apply(value, parsed))


def format_param(value: Any, language: str) -> str:
    """A note's parameter: money with its currency, numbers grouped, text as it is."""
    if isinstance(value, Money):
        return format_currency(value.amount, value.currency, locale=supported_language(language))
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_decimal(value, "#,##0.##", locale=supported_language(language))
    return str(value)


def display_rows(table: ReportTable, language: str) -> list[list[str]]:
    """Every cell of ``table`` as text in ``language`` (money with the row's currency)."""
    currency = next((i for i, c in enumerate(table.columns) if c.key == "currency"), None)
    return [[format_value(v, c.kind, language,
                          str(row[currency]) if currency is not None else None)
             for v, c in zip(row, table.columns, strict=True)] for row in table.rows]


def weekday_short(index: int, language: str) -> str:
    """The abbreviated name of weekday ``index`` (0: Monday) in ``language``."""
    return str(get_day_names("abbreviated", locale=supported_language(language))[index])
