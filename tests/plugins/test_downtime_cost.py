"""``downtime_cost`` in catalogs: its validation, the department default, the tier check."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from radiant_ext.cli import main
from radiant_ext.plugins import CatalogError, load_catalog_text, make_plugin_manager
from radiant_ext.plugins.checks import check_plugins, downtime_tier_warnings

CATALOG = """
department:
  id: ops
  title: Ops
  downtime_cost: {per_hour: {flagship: 4000, standard: 1500}}
items:
  - id: ops.till
    title: Till
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 4}
    downtime_cost: {currency: EUR, per_hour: {flagship: 450.50}}
  - id: ops.lamp
    title: Lamp
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 4}
"""

STORES = """
stores:
  - {id: store-1, tier: flagship}
  - {id: store-2, tier: express}
"""


def test_an_item_states_its_own_cost_and_the_department_gives_the_default() -> None:
    loaded = load_catalog_text(CATALOG)
    assert loaded.department is not None and loaded.department.downtime_cost is not None
    assert loaded.department.downtime_cost.rate("standard") == Decimal(1500)
    assert loaded.department.downtime_cost.currency == "RUB"  # the default currency
    till, lamp = loaded.items
    assert till.downtime_cost is not None
    assert till.downtime_cost.rate("flagship") == Decimal("450.50")
    assert till.downtime_cost.rate("standard") is None  # the item's block replaces it all
    assert till.downtime_cost.currency == "EUR"
    assert lamp.downtime_cost is None


@pytest.mark.parametrize(("cost", "message"), [
    ("{per_hour: {flagship: -1}}",
     "items[0].downtime_cost.per_hour.flagship: Input should be greater than or equal to 0"),
    ("{per_hour: {}}", "items[0].downtime_cost.per_hour: Dictionary should have at least 1"),
    ("{currency: rub, per_hour: {flagship: 1}}",
     "items[0].downtime_cost.currency: currency 'rub' is not a three-letter ISO 4217 code"),
    ("{per_hour: {flagship: 1.234}}", "no more than 2 decimal places"),
    ("{flagship: 1}",
     "items[0].downtime_cost: write the tiers under per_hour: {per_hour: {flagship: …}, "
     "currency: RUB}"),
])
def test_a_wrong_cost_is_one_readable_line_with_the_line_number(cost: str,
                                                                message: str) -> None:
    text = CATALOG.replace("{currency: EUR, per_hour: {flagship: 450.50}}", cost)
    with pytest.raises(CatalogError) as caught:
        load_catalog_text(text, "ops.yaml")
    line = str(caught.value.problems[0])
    assert line.startswith("ops.yaml:11:") and message in line, line


def _check(folder: Path) -> tuple[list[str], list[str]]:
    report = check_plugins(make_plugin_manager(load_entrypoints=False, catalog_dirs=[folder]))
    warnings = downtime_tier_warnings(report.departments, report.items, report.stores)
    return report.problems, warnings


def test_check_refuses_a_misspelt_tier_and_lists_the_directory_s_tiers(
        tmp_path: Path) -> None:
    (tmp_path / "ops.yaml").write_text(CATALOG, "utf-8")
    (tmp_path / "stores.yaml").write_text(STORES, "utf-8")
    assert _check(tmp_path) == ([], [])  # flagship is a store's tier, standard the default
    (tmp_path / "ops.yaml").write_text(CATALOG.replace("flagship: 4000", "flagshp: 4000"),
                                       "utf-8")
    assert _check(tmp_path) == ([
        "department 'ops': downtime_cost names unknown store tier 'flagshp' (did you mean "
        "'flagship'?); the store directory has express, flagship, standard"], [])


def test_check_warns_of_a_cost_that_never_applies_but_accepts_other_chains_tiers(
        tmp_path: Path) -> None:
    (tmp_path / "ops.yaml").write_text(CATALOG, "utf-8")
    (tmp_path / "stores.yaml").write_text(STORES.replace("flagship", "mall"), "utf-8")
    # the department's flagship is another chain's tier: its standard still applies
    assert _check(tmp_path) == ([], [
        "catalog item 'ops.till': downtime_cost names only store tiers no store has "
        "(flagship), so it never applies; the store directory has express, mall, standard"])


def test_radiant_ext_check_prints_the_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ops.yaml").write_text(CATALOG, "utf-8")
    (tmp_path / "stores.yaml").write_text(STORES.replace("flagship", "mall"), "utf-8")
    for name in ("RADIANT_ZNUNY_DB_URL", "RADIANT_ZNUNY_USER", "RADIANT_ZNUNY_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(tmp_path)]))
    with pytest.raises(SystemExit) as done:
        main(["check", "--no-znuny"])
    out = capsys.readouterr().out
    assert done.value.code in (0, None), out
    assert ("warning: catalog item 'ops.till': downtime_cost names only store tiers no store "
            "has (flagship)") in out
    assert "All catalogs are valid." in out


def test_without_a_store_directory_tiers_are_not_checked(tmp_path: Path) -> None:
    (tmp_path / "ops.yaml").write_text(CATALOG.replace("flagship", "flagshp"), "utf-8")
    assert _check(tmp_path) == ([], [])
