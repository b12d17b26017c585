"""Exports open in a spreadsheet: CSV read by the csv module, XLSX by openpyxl, JSON parsed."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from radiant_ext.reports import (
    Column,
    ReportInputError,
    ReportTable,
    chart_data_uri,
    export_table,
    render_chart,
)

TABLE = ReportTable(
    "penalties", "Contract penalties",
    (Column("title", "Contract"), Column("month", "Month"), Column("missed", "Missed", "int"),
     Column("penalty", "Penalty", "money"), Column("rate", "Met %", "percent")),
    [("=HYPERLINK(\"http://x\")", "2026-10", 2, Decimal("2000.00"), None),
     ("Service company", "2026-11", 1, Decimal("1000.50"), 87.5)],
)
TABLE.notes.append("Service company: 3000.50 RUB in total.")


def test_csv_reads_back_with_labels_and_defused_formulas() -> None:
    data = export_table(TABLE, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Contract", "Month", "Missed", "Penalty", "Met %"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "2026-10", "2", "2000.00", ""]
    assert rows[2] == ["Service company", "2026-11", "1", "1000.50", "87.5"]


def test_xlsx_opens_with_numbers_as_numbers_and_an_about_sheet() -> None:
    book = load_workbook(io.BytesIO(export_table(TABLE, "xlsx", {"from": "2026-10-01"})))
    sheet = book["Report"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Contract", "Month", "Missed", "Penalty", "Met %")
    assert values[1] == ("'=HYPERLINK(\"http://x\")", "2026-10", 2, 2000.0, None)
    assert values[2][3] == 1000.5
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Report"] == "Contract penalties"
    assert about["From"] == "2026-10-01"
    assert about["Note"] == "Service company: 3000.50 RUB in total."


def test_json_has_keys_labels_and_exact_money() -> None:
    doc = json.loads(export_table(TABLE, "json", {"store": "store-007"}))
    assert doc["report"] == "penalties" and doc["filter"] == {"store": "store-007"}
    assert doc["columns"][3] == {"key": "penalty", "label": "Penalty", "kind": "money"}
    assert doc["rows"][1] == {"title": "Service company", "month": "2026-11", "missed": 1,
                              "penalty": "1000.50", "rate": 87.5}


def test_unknown_format_is_a_typed_error() -> None:
    with pytest.raises(ReportInputError, match="unknown format 'pdf'"):
        export_table(TABLE, "pdf")


def test_charts_are_scriptless_svg_with_every_label() -> None:
    import xml.etree.ElementTree as ET

    table = ReportTable("stores", "Tickets per store",
                        (Column("store", "Store"), Column("tickets", "Tickets", "int")),
                        [("store-001", 30), ("store-012", 12)])
    from radiant_ext.reports import Chart

    table.chart = Chart("hbar", "store", ("tickets",))
    svg = render_chart(table)
    assert svg is not None
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "<script" not in svg
    assert "store-001" in svg and "store-012" in svg
    assert chart_data_uri(svg).startswith("data:image/svg+xml;base64,")
    table.rows = []
    assert render_chart(table) is None


def test_a_chart_of_many_rows_shows_those_with_the_highest_values_in_table_order() -> None:
    import re

    from radiant_ext.reports import Chart

    rows = [(f"step-{n:02d}", (n * 7) % 30) for n in range(30)]  # workflow order, not ranked
    table = ReportTable("steps-now", "Open tickets per step",
                        (Column("step", "Step"), Column("tickets", "Tickets now", "int")), rows,
                        Chart("hbar", "step", ("tickets",), max_points=5, top="tickets"))
    busiest = [s for s, n in rows if n >= 25]  # 25…29, one step each
    for narrow in (False, True):
        svg = render_chart(table, narrow=narrow)
        assert svg is not None
        shown = [s for s in re.findall(r"step-\d\d", svg) if s in dict(rows)]
        assert sorted(set(shown)) == busiest, narrow
    if (narrow_svg := render_chart(table, narrow=True)) is not None:  # in the table's order
        assert re.findall(r"step-\d\d", narrow_svg) == busiest
    table.chart = Chart("hbar", "step", ("tickets",), max_points=5)  # without: the first five
    first = render_chart(table, narrow=True)
    assert first is not None and re.findall(r"step-\d\d", first) == [s for s, _ in rows[:5]]


def test_a_stacked_chart_draws_only_the_parts_with_a_value() -> None:
    """A step waits on one side: its bar is one part, not a part and one of no length; a
    chart of zeros still draws its axes and labels."""
    import re

    from radiant_ext.reports import Chart

    table = ReportTable("steps-now", "Open tickets per step",
                        (Column("step", "Step"), Column("desk", "Service desk", "int"),
                         Column("customer", "Requester", "int")),
                        [("triage", 4, 0), ("waiting", 0, 3), ("review", 2, 1)],
                        Chart("stacked", "step", ("desk", "customer")))
    svg = render_chart(table)
    assert svg is not None
    bars = re.findall(r'<rect[^>]*class="rect reactive tooltip-trigger"[^>]*>', svg)
    sizes = [float(v) for b in bars for v in re.findall(r' (?:width|height)="([-\d.]+)"', b)]
    assert len(bars) == 4 and len(sizes) == 8 and min(sizes) > 0  # the 4 parts with tickets
    table.rows = [("triage", 0, 0), ("waiting", 0, 0)]
    empty = render_chart(table)
    assert empty is not None and "triage" in empty and "waiting" in empty
    assert ">No data<" not in empty


def test_heat_map_cells_carry_their_counts() -> None:
    from radiant_ext.reports import Chart

    table = ReportTable("weekday-hour", "Heat", (Column("weekday", "Weekday"),
                        Column("h09", "09", "int"), Column("h10", "10", "int")),
                        [("Monday", 8, 2), ("Thursday", 4, 0)],
                        Chart("heatmap", "weekday", ("h09", "h10")))
    svg = render_chart(table)
    assert svg is not None
    assert "<title>Monday 09: 8</title>" in svg and "<title>Thursday 10: 0</title>" in svg


def test_charts_over_time_sum_each_period_and_draw_phone_labels_large() -> None:
    import re

    from radiant_ext.reports import Chart

    table = ReportTable("penalties", "Contract penalties",
                        (Column("rule", "Rule"), Column("month", "Month", "month"),
                         Column("penalty", "Penalty", "money")),
                        [("a", "2026-10", Decimal(500)), ("a", "2026-11", Decimal(100)),
                         ("b", "2026-10", Decimal(250))],
                        Chart("bar", "month", ("penalty",)))
    narrow = render_chart(table, narrow=True, language="ru")
    assert narrow is not None
    bars = re.findall(r"<title>([^<]*)</title>", narrow)
    assert len(bars) == 2 and bars[0].startswith("окт. 2026") and bars[0].endswith("750")
    assert min(float(s) for s in re.findall(r'font-size="([\d.]+)"', narrow)) >= 12
    assert 'width="340"' in narrow  # drawn at the width a phone shows it


def test_phone_columns_write_millions_short_and_leave_them_room() -> None:
    import re

    from radiant_ext.reports import Chart

    table = ReportTable("downtime", "Downtime cost",
                        (Column("month", "Month", "month"), Column("cost", "Cost", "money")),
                        [("2026-09", Decimal(3_900_000)), ("2026-10", Decimal(2_600_000))],
                        Chart("bar", "month", ("cost",)))
    for language, top in (("ru", "4\xa0млн"), ("en", "4M")):
        narrow = render_chart(table, narrow=True, language=language)
        assert narrow is not None
        grid = re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="end" font-size="12">([^<]*)<',
                          narrow)
        assert grid[-1][1] == top, grid
        # right-aligned at x: the longest label (7 px a character at 12 px) starts inside
        assert all(float(x) - 7 * len(label) >= 0 for x, label in grid), grid
