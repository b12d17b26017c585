"""Charts drawn on the server as SVG: pygal for bars and lines, a plain grid for the heat map.

Charts carry no script and load nothing from the network (``js=[]``); the pages show them as
``<img>`` with the data table beside them, which is what screen readers read.
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any
from xml.etree import ElementTree

from radiant_ext.reports.model import Chart, ReportTable

__all__ = ["chart_data_uri", "render_chart", "render_heatmap"]

_WIDTH, _HEIGHT = 800, 400


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _pygal_chart(spec: Chart, count: int) -> Any:
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", font_family="sans-serif",
                  colors=("#1f5fa8", "#c0392b", "#e08e0b", "#2e8b57", "#7d3c98", "#555555"))
    kinds = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "line": pygal.Line,
             "stacked": pygal.HorizontalStackedBar}
    height = _HEIGHT if spec.kind in ("bar", "line") else max(_HEIGHT, 60 + 22 * count)
    return kinds[spec.kind](
        js=[], disable_xml_declaration=True, width=_WIDTH, height=height, style=style,
        show_legend=len(spec.series) > 1, legend_at_bottom=True, truncate_label=40,
        x_label_rotation=45 if spec.kind in ("bar", "line") and count > 12 else 0,
        show_minor_x_labels=count <= 40, x_labels_major_every=max(1, count // 20),
        show_dots=count <= 60, print_values=False, margin=10,
    )


def render_chart(table: ReportTable) -> str | None:
    """The SVG of ``table``'s chart, or ``None`` when it has no chart or no rows."""
    spec = table.chart
    if spec is None or not table.rows:
        return None
    if spec.kind == "heatmap":
        return render_heatmap(table)
    rows = table.rows[: spec.max_points]
    if spec.kind in ("hbar", "stacked"):
        rows = list(reversed(rows))  # pygal draws the first label at the bottom
    chart = _pygal_chart(spec, len(rows))
    x = table.column(spec.x)
    chart.x_labels = [str(r[x]) for r in rows]
    for key in spec.series:
        i = table.column(key)
        chart.add(table.columns[i].label, [_number(r[i]) for r in rows])
    # pygal writes its tooltip config as an inline script even with js=[]: it is taken out
    # of the document tree pygal builds, so the file is safe to open on its own.
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).rpartition("}")[2] == "script":
                parent.remove(child)
    return ElementTree.tostring(tree, encoding="unicode")


def _shade(value: float, peak: float) -> str:
    share = value / peak if peak else 0.0
    # from a pale blue to a dark blue; text turns white on the dark half
    r, g, b = (int(235 - share * (235 - 16)), int(242 - share * (242 - 63)),
               int(250 - share * (250 - 122)))
    return f"#{r:02x}{g:02x}{b:02x}"


def render_heatmap(table: ReportTable) -> str:
    """A grid of ``table``'s series columns (x) by its rows (y), darker for higher counts."""
    assert table.chart is not None
    spec = table.chart
    cols = [table.column(k) for k in spec.series]
    x = table.column(spec.x)
    cell, left, top = 30, 90, 30
    peak = max((_number(r[c]) for r in table.rows for c in cols), default=0.0)
    width, height = left + cell * len(cols) + 10, top + cell * len(table.rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    for j, c in enumerate(cols):
        label = escape(table.columns[c].label)
        parts.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 8}" '
                     f'text-anchor="middle">{label}</text>')
    for i, row in enumerate(table.rows):
        y = top + i * cell
        parts.append(f'<text x="{left - 6}" y="{y + cell / 2 + 4}" text-anchor="end">'
                     f'{escape(str(row[x]))}</text>')
        for j, c in enumerate(cols):
            value = _number(row[c])
            ink = "white" if peak and value / peak > 0.5 else "#222"
            parts.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" '
                f'fill="{_shade(value, peak)}"><title>{escape(str(row[x]))} '
                f'{escape(table.columns[c].label)}: {int(value)}</title></rect>'
                f'<text x="{left + j * cell + cell / 2}" y="{y + cell / 2 + 4}" '
                f'text-anchor="middle" fill="{ink}" font-size="9">{int(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chart_data_uri(svg: str) -> str:
    """``svg`` as a ``data:`` URI for an ``<img>`` (the portal's CSP allows ``data:`` images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
