"""``radiant-ext webhook try``: the answer for a ticket text, without Znuny."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from radiant_ext.cli.webhook import commands, webhook


@pytest.fixture(autouse=True)
def _empty_installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "none.toml"))


def test_try_shows_the_routing_in_the_order_znuny_applies_it() -> None:
    result = CliRunner().invoke(webhook, ["try", "--title", "Cash register does not work",
                                          "--company", "store-001", "--user", "flagship-clerk"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "routed: routed as it.pos-down to IT::Stores, 5 very high"
    assert "flagship-store" in result.output
    keys = [line.split()[0] for line in lines if line.startswith("  ") and
            not line.startswith("   ")]
    assert keys == ["note", "RadiantDeadline", "RadiantStore", "Owner", "Priority", "Queue",
                    "SLA", "Service", "Type", "RadiantCategory"]


def test_try_as_json_prints_the_answer() -> None:
    result = CliRunner().invoke(webhook, ["try", "--title", "Office printer jams", "--json",
                                          "--company", "head-office"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["otrs_TicketDynamicFieldSet_RadiantCategory"] == "it.office-printer"


def test_try_says_why_nothing_would_happen() -> None:
    result = CliRunner().invoke(webhook, ["try", "--title", "Hello there"])
    assert result.exit_code == 0
    assert result.output.strip() == "ignored: no catalog item matches the ticket"


def test_the_module_exposes_its_commands() -> None:
    assert commands == [webhook]
