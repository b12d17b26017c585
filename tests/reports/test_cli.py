"""``radiant-ext report NAME --from --to --format``: files that open, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from radiant_ext.cli import build_cli
from radiant_ext.cli.report import _NAMES
from radiant_ext.reports import report_names
from tests.cli.conftest import make_store


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite store with three tickets, named by RADIANT_DATA_DIR."""
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("RADIANT_DATABASE_URL", raising=False)
    make_store(tmp_path)
    return tmp_path


def _run(*args: str) -> tuple[int, str, bytes]:
    result = CliRunner().invoke(build_cli(), ["report", *args])
    return result.exit_code, result.stderr, result.stdout_bytes


def test_every_report_is_offered_on_the_command_line() -> None:
    assert list(_NAMES) == report_names()


def test_csv_to_stdout_respects_the_dates(store: Path) -> None:
    code, _, out = _run("stores", "--from", "2026-10-01", "--to", "2026-10-10")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig"))))
    assert rows[1][0] == "store-001" and rows[1][2] == "2" and len(rows) == 2


def test_xlsx_file_opens_and_json_is_scoped_to_a_company(store: Path) -> None:
    target = store / "out.xlsx"
    code, err, _ = _run("items", "--format", "xlsx", "--output", str(target))
    assert code == 0 and "1 rows written" in err
    sheet = load_workbook(target)["Report"]
    assert [c.value for c in sheet[2]][4] == 3  # item id, item, department id, department
    code, _, out = _run("stores", "--format", "json", "--company", "store-007")
    assert [r["store"] for r in json.loads(out)["rows"]] == ["store-007"]


def test_the_step_reports_take_a_catalog_item(store: Path) -> None:
    code, _, out = _run("steps-now", "--format", "json", "--item", "it.pos-down")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [(r["item"], r["state"], r["tickets"]) for r in rows] == [("it.pos-down", "", 3)]
    code, _, out = _run("time-per-step", "--format", "json", "--item", "it.software-defect")
    assert code == 0 and json.loads(out)["rows"] == []


@pytest.mark.parametrize(("args", "message"), [
    (("items", "--from", "2026-13-01"), "expected a date as YYYY-MM-DD"),
    (("items", "--from", "2026-10-05", "--to", "2026-10-01"), "must not be before --from"),
    (("nope",), "'nope' is not one of"),
    (("items", "--format", "pdf"), "'pdf' is not one of"),
])
def test_bad_input_is_one_line(store: Path, args: tuple[str, ...], message: str) -> None:
    code, err, _ = _run(*args)
    assert code == 2
    assert message in err
    assert len([line for line in err.splitlines() if line.startswith("Error")]) == 1


def test_missing_store_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "none.toml"))
    code, err, _ = _run("items", "--database-url", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert code == 1
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1


def test_russian_csv_for_russian_excel_and_a_separator_asked_for(store: Path) -> None:
    code, _, out = _run("items", "--language", "ru")
    assert code == 0
    text = out.decode("utf-8-sig")
    assert out.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    header = text.splitlines()[0]
    assert ";" in header and "Пункт каталога" in header, header
    assert "Не работает касса" in text  # the item's title in Russian
    code, _, out = _run("items", "--language", "ru", "--csv-separator", "comma")
    assert code == 0 and ";" not in out.decode("utf-8-sig").splitlines()[0]
