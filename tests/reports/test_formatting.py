"""Whole numbers and percentages in report tables are written as Babel writes them, in every
language, by the cheap path a 500-row table takes."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, format_percent
from hypothesis import example, given
from hypothesis import strategies as st

from radiant_ext.reports.formatting import format_value


@given(value=st.integers(-10**12, 10**12) | st.sampled_from((0, 999, 1000, -1000, 10**6)),
       language=st.sampled_from(("en", "ru", "ru-RU", "de")),
       kind=st.sampled_from(("int", "minutes", "number")))
def test_a_whole_number_reads_as_babel_writes_it(value: int, language: str, kind: str) -> None:
    locale = "ru" if language.startswith("ru") else "en"
    pattern = "#,##0.##" if kind == "number" else "#,##0"
    assert format_value(value, kind, language) == format_decimal(value, pattern, locale=locale)


def test_fractions_and_percentages_keep_their_decimals() -> None:
    assert format_value(12345.5, "number", "en") == "12,345.5"
    assert format_value(12345.5, "number", "ru") == "12\xa0345,5"
    assert format_value(12.5, "percent", "ru") == "12,5%"
    assert format_value(True, "int", "en") == "True"


@given(value=st.integers(-10**7, 10**7).map(lambda n: n / 10)
       | st.floats(-1000, 1000, allow_nan=False) | st.sampled_from((0.35, 0.25, 99.95, -0.05)),
       language=st.sampled_from(("en", "ru")))
@example(value=-0.0, language="en")  # a rate that rounds to zero from below keeps its sign
def test_a_percentage_reads_as_babel_writes_it(value: float, language: str) -> None:
    expected = format_percent(Decimal(str(value)) / 100, "#,##0.0%", locale=language)
    assert format_value(value, "percent", language) == expected
