"""Contract penalties from configured rules; the rules' validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from radiant_ext.config import load_settings
from radiant_ext.reports import (
    PenaltyRule,
    ReportFilter,
    ReportSettings,
    ReportSettingsError,
    penalty_for,
    report_settings,
    run_report,
)
from tests.reports.conftest import DIRECTORY, NOW, MakeTicket

H = timedelta(hours=1)
OCT = datetime(2026, 10, 5, 7, 0, tzinfo=UTC)


def _maint(make_ticket: MakeTicket, created: datetime, late: timedelta | None,
           **extra: object) -> None:
    deadline = created + 6 * H
    make_ticket(created=created, sla="Maintenance contract", category="maintenance.hvac",
                queue="Maintenance", promised_deadline=deadline,
                closed=None if late is None else deadline + late, **extra)


def test_per_hour_penalty_counts_started_hours_and_caps_each_month(
        session: Session, make_ticket: MakeTicket, report_settings: ReportSettings) -> None:
    _maint(make_ticket, OCT, timedelta(minutes=-30))  # on time
    _maint(make_ticket, OCT, timedelta(minutes=61))  # 2 started hours
    _maint(make_ticket, OCT, timedelta(hours=3))  # 3 hours
    _maint(make_ticket, NOW - 8 * H, None)  # open, 2 hours past its deadline at NOW
    _maint(make_ticket, NOW - 6 * H + timedelta(minutes=1), None)  # not yet due
    make_ticket(created=OCT, sla="IT standard", promised_deadline=OCT, closed=OCT + 9 * H)
    table = run_report("penalties", session, ReportFilter(), settings=report_settings,
                       directory=DIRECTORY, now=NOW)
    assert [(r["month"], r["due"], r["missed"], r["hours_late"], r["uncapped"], r["penalty"])
            for r in table.records()] == [
        ("2026-10", 3, 2, 5, Decimal("2500.00"), Decimal("2000.00")),  # capped at 2000
        ("2026-11", 1, 1, 2, Decimal("1000.00"), Decimal("1000.00")),
    ]
    assert [str(n) for n in table.notes] == ["Service company: 3000.00 RUB in total."]


def test_percent_of_fee_rule_with_grace_and_percentage_cap(
        session: Session, make_ticket: MakeTicket) -> None:
    rule = PenaltyRule(id="fee", departments=["maintenance"], kind="percent_of_fee",
                       monthly_fee=Decimal(100000), percent_per_miss=Decimal(5),
                       cap_percent_of_fee=Decimal(12), grace_minutes=15)
    for late in (10, 20, 30, 40):  # minutes late: the first is within the grace
        _maint(make_ticket, OCT, timedelta(minutes=late))
    settings = ReportSettings(penalties=[rule])
    table = run_report("penalties", session, settings=settings, directory=DIRECTORY, now=NOW)
    assert table.records()[0]["missed"] == 3
    assert table.records()[0]["uncapped"] == Decimal("15000.00")
    assert table.records()[0]["penalty"] == Decimal("12000.00")


def test_penalty_arithmetic_without_cap() -> None:
    rule = PenaltyRule(id="x", sla=["s"], kind="per_hour", amount_per_hour=Decimal("12.5"))
    assert penalty_for(rule, missed=2, hours_late=3) == (Decimal("37.50"), Decimal("37.50"))
    assert rule.cap is None and rule.label == "x"


@pytest.mark.parametrize(("rule", "message"), [
    ({"id": "a", "kind": "per_hour", "amount_per_hour": 1}, "at least one sla"),
    ({"id": "a", "sla": ["s"], "kind": "per_hour"}, "amount_per_hour > 0"),
    ({"id": "a", "sla": ["s"], "kind": "percent_of_fee", "monthly_fee": 10},
     "percent_per_miss"),
    ({"id": "a", "sla": ["s"], "kind": "per_hour", "amount_per_hour": 1,
      "cap_percent_of_fee": 5}, "cap_percent_of_fee needs monthly_fee"),
    ({"id": "a", "sla": ["s"], "kind": "fine"}, "kind"),
])
def test_bad_penalty_rules_are_one_line_config_errors(rule: dict[str, object],
                                                      message: str) -> None:
    with pytest.raises(ReportSettingsError, match=message) as info:
        report_settings(load_settings(reports={"penalties": [rule]}))
    assert "\n" not in str(info.value)


def test_report_settings_from_a_toml_file(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "radiant.toml"
    config.write_text(
        '[reports]\ntime_zone = "Asia/Yekaterinburg"\n'
        'managers = { "store-007" = ["store-manager"] }\n'
        '[[reports.penalties]]\nid = "m"\nsla = ["Maintenance contract"]\n'
        'kind = "per_hour"\namount_per_hour = 500\ncap_amount = 50000\n', encoding="utf-8")
    monkeypatch.setenv("RADIANT_CONFIG", str(config))
    settings = report_settings(load_settings())
    assert settings.time_zone == "Asia/Yekaterinburg"
    assert settings.managed_company("store-manager", "store-007") == "store-007"
    assert settings.managed_company("store-manager", "store-001") is None
    assert settings.rule("m") is not None and settings.rule("m").cap == Decimal(50000)  # type: ignore[union-attr]
    with pytest.raises(ReportSettingsError, match="unknown time zone"):
        report_settings(load_settings(reports={"time_zone": "Mars/Olympus"}))
