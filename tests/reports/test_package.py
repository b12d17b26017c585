"""The reports package exports a sorted, complete ``__all__``."""

from __future__ import annotations

import importlib
import inspect

import pytest


@pytest.mark.parametrize("name", ["radiant_ext.reports"])
def test_all_is_sorted_complete_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    for attr in exported:
        assert hasattr(module, attr), attr
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and not inspect.ismodule(v)
              and getattr(v, "__module__", name).startswith("radiant_ext")
              and n not in {"annotations"}}
    assert not public - set(exported)


def test_russian_covers_every_report_title_and_column() -> None:
    from radiant_ext.reports import REPORTS, ReportFilter
    from radiant_ext.reports.i18n import translate
    from radiant_ext.reports.sla import COLUMNS

    for spec in REPORTS.values():
        for text in (spec.title, spec.description):
            assert translate(text, "ru") != text, text
    assert all(translate(c.label, "ru") != c.label for c in COLUMNS)
    assert translate("Share %", "ru") == "Доля, %"  # no %-formatting on the way
    assert translate("Share %", "en") == "Share %"
    assert ReportFilter().period == "week"
