"""Errors of the reports package.

::

    RadiantError
    └── ReportError                 a report cannot be computed as asked
        ├── UnknownReportError      no report has that name
        └── ReportInputError        bad filter or option (dates, period, format)

:class:`ReportSettingsError` is a :class:`~radiant_ext.errors.ConfigError`: the ``[reports]``
table of the settings cannot be used.
"""

from __future__ import annotations

from radiant_ext.errors import ConfigError, RadiantError

__all__ = ["ReportError", "ReportInputError", "ReportSettingsError", "UnknownReportError"]


class ReportError(RadiantError):
    """A report cannot be computed as asked."""


class UnknownReportError(ReportError):
    """No report has the given name."""


class ReportInputError(ReportError):
    """A filter or option is not usable (dates, period, department, format)."""


class ReportSettingsError(ConfigError):
    """The ``[reports]`` settings table is invalid."""
