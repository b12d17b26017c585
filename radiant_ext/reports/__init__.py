"""Manager reports over the local ticket cache: computations, charts, exports, pages.

::

    from radiant_ext.reports import ReportFilter, report_settings, run_report, export_table
    with session_scope(engine) as session:
        table = run_report("sla-items", session, ReportFilter(department="maintenance"),
                           settings=report_settings(settings))
    data = export_table(table, "xlsx")

The portal registers the pages with ``app.register_blueprint(radiant_ext.reports.blueprint)``;
see ``docs/reports.md``.
"""

from __future__ import annotations

from radiant_ext.reports.charts import chart_data_uri, render_chart, render_heatmap
from radiant_ext.reports.context import (
    CLOSED_STATE_TYPES,
    ItemDirectory,
    Period,
    ReportContext,
    ReportFilter,
)
from radiant_ext.reports.errors import (
    ReportError,
    ReportInputError,
    ReportSettingsError,
    UnknownReportError,
)
from radiant_ext.reports.export import EXPORT_FORMATS, ExportFormat, export_table, media_type
from radiant_ext.reports.model import Chart, Column, ReportTable
from radiant_ext.reports.penalties import MonthPenalty, month_penalties, penalty_for
from radiant_ext.reports.registry import REPORTS, ReportSpec, report_names, run_report
from radiant_ext.reports.settings import PenaltyRule, ReportSettings, report_settings
from radiant_ext.reports.views import blueprint

__all__ = [
    "CLOSED_STATE_TYPES",
    "Chart",
    "Column",
    "EXPORT_FORMATS",
    "ExportFormat",
    "ItemDirectory",
    "MonthPenalty",
    "PenaltyRule",
    "Period",
    "REPORTS",
    "ReportContext",
    "ReportError",
    "ReportFilter",
    "ReportInputError",
    "ReportSettings",
    "ReportSettingsError",
    "ReportSpec",
    "ReportTable",
    "UnknownReportError",
    "blueprint",
    "chart_data_uri",
    "export_table",
    "media_type",
    "month_penalties",
    "penalty_for",
    "render_chart",
    "render_heatmap",
    "report_names",
    "report_settings",
    "run_report",
]
