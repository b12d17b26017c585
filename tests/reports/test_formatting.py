"""Whole numbers in report tables are written as Babel writes them, in every language, by the
cheap path a 500-row table takes."""

from __future__ import annotations

from babel.numbers import format_decimal
from hypothesis import given
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
