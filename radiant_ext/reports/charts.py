"""Charts drawn on the server as SVG, in two sizes: wide for desktops and print, narrow for
phones.

* **Wide** (720 px; the heat map 984 px): pygal bars, lines and stacked bars, a plain grid for
  the heat map. Labels are 14 px (13 px in the heat map) and the pages show the image at
  most at its own size, so they stay at least 11 px on screen from 640 px up.
* **Narrow** (340 px, for screens under 40em — under 64em for the heat map): every label on
  a line of its own above its bar, the value at the bar's end; periods as columns; the heat
  map turned to hours × weekdays. Labels are 13 px (values 12 px) at the size a 360 px phone
  shows them.

Charts carry no script and load nothing from the network; the pages show them as ``<img>``
(in a ``<picture>`` choosing the size) with the data table beside them, which is what
screen readers read. Labels are the table's values formatted for the viewer's language
(:mod:`radiant_ext.reports.formatting`); hand them a localized table.
"""

from __future__ import annotations

import base64
import math
from html import escape
from typing import Any
from xml.etree import ElementTree

from babel.numbers import format_compact_decimal

from radiant_ext.reports.formatting import format_value, weekday_short
from radiant_ext.reports.model import Chart, ReportTable

__all__ = ["NARROW_WIDTH", "WIDE_WIDTH", "chart_data_uri", "render_chart", "render_heatmap"]

WIDE_WIDTH, NARROW_WIDTH = 720, 340
_HEIGHT = 400
COLORS = ("#1f5fa8", "#c0392b", "#b86e00", "#2e7d4f", "#7d3c98", "#555555", "#0e7c86", "#8a5a00")
_INK, _GRID = "#222222", "#d0d7de"


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _chart_number(value: Any, language: str) -> str:
    """A chart's value or axis mark in ``language``: a whole float (a count, as the series
    hold them) is written as the integer it is, which :func:`format_value` writes without
    Babel's pattern (some 40 µs each; a chart of 25 stacked bars writes some 80)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_value(value, "number", language)


def _pygal_chart(spec: Chart, count: int) -> Any:
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", font_family="sans-serif",
                  colors=COLORS, label_font_size=14, major_label_font_size=14,
                  legend_font_size=14, value_font_size=13, value_label_font_size=13,
                  tooltip_font_size=13,
                  title_font_size=16, no_data_font_size=16, foreground=_INK,
                  foreground_strong=_INK, foreground_subtle="#555555")
    kinds = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line,
             "stacked": pygal.HorizontalStackedBar}
    height = _HEIGHT if spec.kind in ("bar", "line") else max(_HEIGHT, 80 + 30 * count)
    chart = kinds[spec.kind](
        js=[], disable_xml_declaration=True, width=WIDE_WIDTH, height=height, style=style,
        show_legend=len(spec.series) > 1, legend_at_bottom=True, truncate_label=36,
        x_label_rotation=45 if spec.kind in ("bar", "line") and count > 8 else 0,
        show_minor_x_labels=count <= 16, x_labels_major_every=max(1, count // 8),
        show_dots=count <= 60, print_values=False, margin=10,
    )
    # pygal writes four <desc> elements per value for its tooltip script, which a chart
    # shown as an image never runs (see _wide): left out, they are elements and time per bar
    chart._tooltip_data = _no_tooltip
    if spec.kind == "stacked":
        # pygal's stacked bars turn a missing part into 0 and draw it, a bar of no length
        # with its element and its work; without that adapter a part given as None is left
        # out (:func:`_drawn`): half the bars of ``steps-now``, where a step waits on one side
        chart._adapters = []
    return chart


def _no_tooltip(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for pygal's ``_tooltip_data``: no tooltip data."""


def _labels(table: ReportTable, rows: list[tuple[Any, ...]], language: str) -> list[str]:
    column = table.columns[table.column(table.chart.x)] if table.chart else None
    if column is None:
        return []
    i = table.column(column.key)
    labels = [format_value(r[i], column.kind, language) or "—" for r in rows]
    if table.chart and table.chart.detail:
        d = table.column(table.chart.detail)
        labels = [f"{label} · {r[d]}" if r[d] else label for label, r in zip(labels, rows,
                                                                             strict=True)]
    return labels


def render_chart(table: ReportTable, *, narrow: bool = False,
                 language: str = "en") -> str | None:
    """The SVG of ``table``'s chart (``narrow``: the phone size), or ``None`` when it has no
    chart or no rows."""
    spec = table.chart
    if spec is None or not table.rows:
        return None
    if spec.kind == "heatmap":
        return render_heatmap(table, narrow=narrow, language=language)
    rows = _per_period(table) if _over_time(table) else _charted(table, spec)
    series = [(table.columns[table.column(k)].label, [_number(r[table.column(k)]) for r in rows])
              for k in spec.series]
    if narrow:
        if spec.kind == "line" or (spec.kind == "bar" and _over_time(table)):
            return _narrow_columns(_labels(table, rows, language), series[0][1], language)
        return _narrow_bars(_labels(table, rows, language), series,
                            stacked=spec.kind == "stacked", language=language)
    return _wide(table, spec, rows, series, language)


def _charted(table: ReportTable, spec: Chart) -> list[tuple[Any, ...]]:
    """The rows a bar chart shows: the first :attr:`~Chart.max_points`, or with
    :attr:`~Chart.top` the ones with its highest values, in the table's order."""
    if spec.top is None or len(table.rows) <= spec.max_points:
        return table.rows[: spec.max_points]
    i = table.column(spec.top)
    ranked = sorted(range(len(table.rows)), key=lambda n: (-_number(table.rows[n][i]), n))
    return [table.rows[n] for n in sorted(ranked[: spec.max_points])]


def _per_period(table: ReportTable) -> list[tuple[Any, ...]]:
    """Rows summed per period, oldest first (``penalties`` has a row per rule and month)."""
    assert table.chart is not None
    x = table.column(table.chart.x)
    columns = [table.column(k) for k in table.chart.series]
    sums: dict[Any, list[float]] = {}
    for row in table.rows:
        total = sums.setdefault(row[x], [0.0] * len(columns))
        for i, c in enumerate(columns):
            total[i] += _number(row[c])
    if len(sums) == len(table.rows):
        return table.rows[-table.chart.max_points:]
    out = []
    for key in sorted(sums, key=str)[-table.chart.max_points:]:
        summed: list[Any] = [None] * len(table.columns)
        summed[x] = key
        for i, c in enumerate(columns):
            summed[c] = sums[key][i]
        out.append(tuple(summed))
    return out


def _over_time(table: ReportTable) -> bool:
    """Whether the chart's labels are periods (drawn as columns on a phone)."""
    assert table.chart is not None
    column = table.columns[table.column(table.chart.x)]
    return column.key == "period" or column.kind in ("date", "month")


def _wide(table: ReportTable, spec: Chart, rows: list[tuple[Any, ...]],
          series: list[tuple[str, list[float]]], language: str) -> str:
    labels = _labels(table, rows, language)
    if spec.kind in ("hbar", "stacked"):  # pygal draws the first label at the bottom
        labels = labels[::-1]
        series = [(name, values[::-1]) for name, values in series]
    chart = _pygal_chart(spec, len(rows))
    chart.value_formatter = lambda value: _chart_number(value, language)
    chart.x_labels = labels
    for name, values in _drawn(spec, series):
        chart.add(name, values)
    # pygal writes its tooltip config as an inline script even with js=[]: it is taken out
    # of the document tree pygal builds, so the file is safe to open on its own.
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).rpartition("}")[2] == "script":
                parent.remove(child)
    return ElementTree.tostring(tree, encoding="unicode")


def _drawn(spec: Chart, series: list[tuple[str, list[float]]]
           ) -> list[tuple[str, list[float | None]]]:
    """The values pygal draws: a stacked chart's parts of 0 as ``None``, left out
    (:func:`_pygal_chart`), unless every part is 0 (pygal would write "No data" instead of
    the axes of a chart of zeros)."""
    if spec.kind != "stacked" or not any(v for _name, values in series for v in values):
        return [(name, list(values)) for name, values in series]
    return [(name, [v or None for v in values]) for name, values in series]


def _svg(width: float, height: float, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" font-family="sans-serif" font-size="13" '
            f'fill="{_INK}"><rect width="{width}" height="{height}" fill="white"/>'
            + "".join(body) + "</svg>")


def _clip(text: str, room: float, size: float) -> str:
    """``text`` cut to what fits in ``room`` px at ``size`` px (about 0.55 em a letter)."""
    fits = max(4, int(room / (size * 0.55)))
    return text if len(text) <= fits else text[: fits - 1] + "…"


def _legend(series: list[tuple[str, list[float]]], width: float) -> tuple[list[str], float]:
    if len(series) < 2:
        return [], 0
    body = []
    for i, (name, _values) in enumerate(series):
        y = 4 + i * 20
        body.append(f'<rect x="0" y="{y}" width="12" height="12" fill="{COLORS[i % 8]}"/>'
                    f'<text x="18" y="{y + 11}">{escape(_clip(name, width - 18, 13))}</text>')
    return body, 8 + 20 * len(series)


def _narrow_bars(labels: list[str], series: list[tuple[str, list[float]]], *, stacked: bool,
                 language: str) -> str:
    """Horizontal bars for a phone: the label on its own line, the bar below, the value at
    its end (stacked: the total; several series: a bar each)."""
    width = NARROW_WIDTH
    body, y = _legend(series, width)
    totals = [sum(v[i] for _n, v in series) for i in range(len(labels))]
    ends = [[t] for t in totals] if stacked else [[v[i] for _n, v in series]
                                                   for i in range(len(labels))]
    texts = [[format_value(v, "number", language) for v in row] for row in ends]
    room = width - 8 - 7 * max((len(t) for row in texts for t in row), default=1)
    peak = max((v for row in ends for v in row), default=0) or 1
    bar = 14
    for i, label in enumerate(labels):
        body.append(f'<text x="0" y="{y + 14}">{escape(_clip(label, width, 13))}</text>')
        y += 20
        x = 0.0
        for j, (_name, values) in enumerate(series):
            length = values[i] / peak * room
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{max(length, 1):.1f}" '
                        f'height="{bar}" fill="{COLORS[j % 8]}"/>')
            x += length
            if not stacked:
                body.append(f'<text x="{length + 4:.1f}" y="{y + bar - 2}" font-size="12">'
                            f'{escape(texts[i][j])}</text>')
                y, x = y + bar + 3, 0.0
        if stacked:
            body.append(f'<text x="{x + 4:.1f}" y="{y + bar - 2}" font-size="12">'
                        f'{escape(texts[i][0])}</text>')
            y += bar + 3
        y += 8
    return _svg(width, y + 4, body)


def _tick(peak: float) -> float:
    """The step of four grid lines up to at least ``peak``: 1, 2 or 5 times a power of ten
    (whole numbers for counts of four and more)."""
    step = 10.0 ** math.floor(math.log10(peak / 4))
    return next(step * m for m in (1, 2, 5, 10) if step * m * 4 >= peak)


def _narrow_columns(labels: list[str], values: list[float], language: str) -> str:
    """Columns for a phone (periods): four grid lines, the first, middle and last label."""
    top = 4 * _tick(max(values, default=0) or 1)
    # grid labels short enough for a phone: 4 000 000 is "4 млн" / "4M"
    grid = [format_compact_decimal(top * k / 4, format_type="short", locale=language,
                                   fraction_digits=1) for k in range(5)]
    left = max(36, 7 * max(len(g) for g in grid) + 10)
    width, height, bottom = NARROW_WIDTH, 240, 44
    plot_w, plot_h = width - left - 4, height - bottom - 8
    body = []
    for k, label in enumerate(grid):
        y = 8 + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{_GRID}"/><text x="{left - 4}" y="{y + 4:.1f}" '
                    f'text-anchor="end" font-size="12">{escape(label)}</text>')
    step = plot_w / max(1, len(values))
    for i, value in enumerate(values):
        h = value / top * plot_h
        body.append(f'<rect x="{left + i * step + step * 0.1:.1f}" y="{8 + plot_h - h:.1f}" '
                    f'width="{max(step * 0.8, 1):.1f}" height="{h:.1f}" fill="{COLORS[0]}">'
                    f'<title>{escape(labels[i])}: {escape(_chart_number(value, language))}'
                    f'</title></rect>')
    last = len(labels) - 1
    for i in sorted({0, last // 2, last}):
        anchor = "start" if i == 0 else "end" if i == last else "middle"
        x = {"start": left, "middle": left + (i + 0.5) * step, "end": width - 4}[anchor]
        body.append(f'<text x="{x:.1f}" y="{height - bottom + 24}" text-anchor="{anchor}">'
                    f'{escape(labels[i])}</text>')
    return _svg(width, height, body)


def _shade(value: float, peak: float) -> str:
    share = value / peak if peak else 0.0
    # from a pale blue to a dark blue; text turns white on the dark half
    r, g, b = (int(235 - share * (235 - 16)), int(242 - share * (242 - 63)),
               int(250 - share * (250 - 122)))
    return f"#{r:02x}{g:02x}{b:02x}"


def _cell(x: float, y: float, w: float, h: float, value: float, peak: float, tip: str) -> str:
    ink = "white" if peak and value / peak > 0.5 else _INK
    return (f'<rect x="{x}" y="{y}" width="{w - 1}" height="{h - 1}" fill="{_shade(value, peak)}">'
            f'<title>{escape(tip)}: {int(value)}</title></rect>'
            f'<text x="{x + w / 2}" y="{y + h / 2 + 4}" text-anchor="middle" fill="{ink}" '
            f'font-size="12">{int(value)}</text>')


def render_heatmap(table: ReportTable, *, narrow: bool = False, language: str = "en") -> str:
    """A grid of ``table``'s series columns (x) by its rows (y), darker for higher counts;
    ``narrow`` turns it (series down, rows across, rows named by short weekday names)."""
    assert table.chart is not None
    cols = [table.column(k) for k in table.chart.series]
    x = table.column(table.chart.x)
    peak = max((_number(r[c]) for r in table.rows for c in cols), default=0.0)
    if narrow:
        return _turned_heatmap(table, cols, x, peak, language)
    body = []
    cell, left, top = 36, 110, 30
    for j, c in enumerate(cols):
        body.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 8}" '
                    f'text-anchor="middle">{escape(table.columns[c].label)}</text>')
    for i, row in enumerate(table.rows):
        y = top + i * cell
        body.append(f'<text x="{left - 6}" y="{y + cell / 2 + 4}" text-anchor="end">'
                    f'{escape(_clip(str(row[x]), left - 6, 13))}</text>')
        body.extend(_cell(left + j * cell, y, cell, cell, _number(row[c]), peak,
                          f"{row[x]} {table.columns[c].label}") for j, c in enumerate(cols))
    return _svg(left + cell * len(cols) + 10, top + cell * len(table.rows) + 10, body)


def _turned_heatmap(table: ReportTable, cols: list[int], x: int, peak: float,
                    language: str) -> str:
    """The heat map for a phone: series (hours) down, rows (weekdays, short names) across."""
    body = []
    cw, ch, left, top = 41, 24, 40, 24
    for i, row in enumerate(table.rows):
        name = weekday_short(i, language) if len(table.rows) == 7 else str(row[x])
        body.append(f'<text x="{left + i * cw + cw / 2}" y="{top - 8}" '
                    f'text-anchor="middle">{escape(_clip(name, cw, 13))}</text>')
    for j, c in enumerate(cols):
        y = top + j * ch
        body.append(f'<text x="{left - 6}" y="{y + ch / 2 + 4}" text-anchor="end">'
                    f'{escape(table.columns[c].label)}</text>')
        body.extend(_cell(left + i * cw, y, cw, ch, _number(row[c]), peak,
                          f"{row[x]} {table.columns[c].label}")
                    for i, row in enumerate(table.rows))
    return _svg(left + cw * len(table.rows) + 4, top + ch * len(cols) + 6, body)


def chart_data_uri(svg: str) -> str:
    """``svg`` as a ``data:`` URI for an ``<img>`` (the portal's CSP allows ``data:`` images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
