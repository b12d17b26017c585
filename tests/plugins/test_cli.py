"""``radiant-ext plugins``, ``simulate`` and ``check`` as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from radiant_ext.cli import main
from radiant_ext.config import load_settings
from radiant_ext.plugins import make_plugin_manager
from radiant_ext.store import make_engine, upgrade_database

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the CLI in a clean environment with its data dir under ``tmp_path``."""
    for name in ("RADIANT_ZNUNY_DB_URL", "RADIANT_DATABASE_URL", "RADIANT_CATALOG_DIRS",
                 "RADIANT_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path / "data"))

    def invoke(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def store_ready(run: Run) -> None:
    engine = make_engine(load_settings().effective_database_url)
    upgrade_database(engine)
    engine.dispose()


def simulate_json(run: Run, *args: str) -> dict[str, object]:
    code, out, err = run("simulate", *args, "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def test_plugins_lists_departments_with_their_state(run: Run) -> None:
    code, out, _ = run("plugins")
    assert code == 0
    for name in ("it", "hr", "maintenance", "customer-service", "radiant_ext.builtin"):
        assert name in out
    code, out, _ = run("plugins", "--json")
    rows = {r["department"]: r for r in json.loads(out) if r["department"]}
    assert rows["it"]["state"] == "enabled" and rows["it"]["items"] == 8
    assert rows["hr"]["distribution"] == "radiant-ext-hr 0.1.0"


def test_blocked_plugin_is_listed_once_as_blocked(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADIANT_BLOCKED_PLUGINS", json.dumps(["legal"]))
    code, out, _ = run("plugins", "--json")
    assert code == 0
    legal = [r for r in json.loads(out) if r["plugin"] == "legal"]
    assert legal == [{"plugin": "legal", "distribution": "", "items": 0, "department": "",
                      "state": "blocked"}]
    code, out, _ = run("plugins")
    assert [line.split()[1] for line in out.splitlines() if line.split()[1:2] == ["legal"]
            ] == ["legal"]


def test_disable_without_a_store_asks_for_db_upgrade(run: Run) -> None:
    code, out, err = run("plugins", "disable", "--department", "hr")
    assert code == 1
    assert err.strip().splitlines() == [err.strip()]
    assert "radiant-ext db upgrade" in err


@pytest.mark.usefixtures("store_ready")
def test_disable_persists_and_hides_the_department(run: Run) -> None:
    assert run("plugins", "disable", "--department", "hr")[1] == "Department hr disabled.\n"
    rows = json.loads(run("plugins", "--json")[1])
    assert {r["department"]: r["state"] for r in rows if r["department"]}["hr"] == "disabled"
    code, _, err = run("simulate", "--item", "hr.onboarding")
    assert code == 1 and err == "Error: catalog item 'hr.onboarding': department 'hr' is disabled\n"
    run("plugins", "enable", "-d", "hr")
    assert run("simulate", "--item", "hr.onboarding", "--json")[0] == 0
    code, _, err = run("plugins", "enable", "-d", "payroll")
    assert code == 1 and "unknown department 'payroll'" in err


def test_flagship_till_on_friday_evening_beats_the_office_printer(run: Run) -> None:
    till = simulate_json(run, "--item", "it.pos-down", "--store", "store-001",
                         "--at", "2026-11-20T17:50", "--field", "impact=one-register")
    printer = simulate_json(run, "--item", "it.office-printer", "--company", "head-office",
                            "--at", "2026-11-20T17:50")
    assert (till["priority"], printer["priority"]) == ("5 very high", "2 low")
    assert till["deadline"] == "2026-11-23T08:50:00Z"  # Monday 11:50 Moscow
    assert till["deadline_utc"] == "2026-11-23 08:50:00"
    assert printer["deadline"] == "2026-11-25T08:50:00Z"  # 24 business hours later
    assert [r["id"] for r in till["rules_fired"]] == ["flagship-store", "owner-pool"]  # type: ignore[union-attr,index]
    assert till["missing_required_fields"] == ["register", "description"]


def test_simulate_table_shows_decision_and_rules(run: Run) -> None:
    code, out, _ = run("simulate", "--item", "it.pos-down", "--store", "store-002",
                       "--field", "impact=whole-store", "--at", "2026-11-24T10:00+03:00",
                       "--recent", "3")
    assert code == 0
    for text in ("IT::Stores", "POS critical", "5 very high", "store-cannot-sell",
                 "repeat-incident", "Tue 2026-11-24 12:00 Europe/Moscow"):
        assert text in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--item", "it.nope"], "Error: unknown catalog item 'it.nope'"),
        (["--item", "it.pos-down", "--store", "store-999"], "Error: unknown store 'store-999'"),
        (["--item", "it.pos-down", "--field", "impact=bad"],
         "Error: --field impact: Pick one of the listed options."),
        (["--item", "it.pos-down", "--field", "colour=red"], "Error: it.pos-down has no field"),
    ],
)
def test_simulate_bad_input_is_one_line(run: Run, args: list[str], message: str) -> None:
    code, out, err = run("simulate", *args)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_simulate_usage_errors(run: Run) -> None:
    code, _, err = run("simulate", "--item", "it.pos-down", "--field", "impact")
    assert code == 2 and "is not key=value" in err
    code, _, err = run("simulate", "--item", "it.pos-down", "--at", "friday")
    assert code == 2 and "not an ISO date-time" in err


def test_check_without_znuny_says_names_were_not_checked(run: Run) -> None:
    code, out, _ = run("check")
    assert code == 0
    assert "it: 1 department(s), 8 item(s)" in out
    assert "Names were NOT checked against Znuny" in out


def test_check_refuses_a_broken_catalog_naming_the_line(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "catalogs"
    folder.mkdir()
    # The department must not clash with an installed plugin (radiant-ext-legal has ``legal``).
    (folder / "compliance.yaml").write_text(
        "department: {id: compliance, title: {en: Compliance, ru: Комплаенс}}\n"
        "items:\n"
        "  - id: compliance.policy\n"
        "    title: {en: Policy question, ru: Вопрос о политике}\n"
        "    routing: {type: Service Request, queue: Legal, priority: 7}\n"
        "    deadline: {business_hours: 16}\n", "utf-8")
    (folder / "broken.yaml").write_text("items: [\n", "utf-8")
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(folder)]))
    code, out, err = run("check")
    assert code == 1
    assert f"problem: {folder / 'broken.yaml'}:2:1: YAML syntax" in out
    assert f"problem: {folder / 'compliance.yaml'}:5:62: items[0].routing.priority" in out
    assert "it: 1 department(s), 8 item(s)" in out  # installed plugins are still checked
    assert err.startswith("Error: 2 problem(s) found")
    (folder / "broken.yaml").unlink()
    good = (folder / "compliance.yaml").read_text("utf-8").replace("priority: 7", "priority: 3")
    (folder / "compliance.yaml").write_text(good, "utf-8")
    code, out, _ = run("check")
    assert code == 0 and "catalog-dirs: 1 department(s), 1 item(s)" in out


def test_check_against_znuny_metadata(
    run: Run, make_znuny_db: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADIANT_ZNUNY_DB_URL", make_znuny_db())
    code, out, _ = run("check")
    assert code == 0 and "Checked every name against Znuny's database: 0 missing." in out
    monkeypatch.setenv("RADIANT_ZNUNY_DB_URL", make_znuny_db(skip={"POS critical"}))
    code, out, err = run("check")
    assert code == 1
    assert "problem: it.pos-down: SLA 'POS critical' not in Znuny" in out
    assert err.startswith("Error: 1 problem(s) found")
    monkeypatch.setenv("RADIANT_ZNUNY_DB_URL", "sqlite:////nonexistent/dir/znuny.db")
    code, _, err = run("check")
    assert code == 1 and "cannot read Znuny's metadata tables" in err


def test_check_json_lists_plugins_and_the_znuny_note(run: Run) -> None:
    code, out, err = run("check", "--json")
    assert code == 0 and err == "All catalogs are valid.\n"
    data = json.loads(out)
    assert data["plugins"]["hr"] == {"departments": 1, "items": 3}
    assert data["problems"] == [] and "NOT checked" in data["znuny"]


def test_store_at_an_old_schema_is_one_readable_error(run: Run) -> None:
    path = Path(load_settings().effective_database_url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    code, _, err = run("plugins")
    assert code == 1
    assert err.startswith("Error: the local store is not ready") and "db upgrade" in err


@pytest.mark.usefixtures("store_ready")
def test_plugins_items_shows_department_switches_and_catalog_check_states(run: Run) -> None:
    from radiant_ext.store import session_scope, set_catalog_item_state

    engine = make_engine(load_settings().effective_database_url)
    with session_scope(engine) as session:
        set_catalog_item_state(session, "it.email", False, "service 'IT::E-mail' not in Znuny")
    engine.dispose()
    run("plugins", "disable", "-d", "hr")
    rows = {r["item"]: r["state"] for r in json.loads(run("plugins", "items", "--json")[1])}
    installed = make_plugin_manager().hook.radiant_catalog_items()  # every installed plugin's items
    assert len(rows) == sum(len(group) for group in installed)
    assert rows["it.email"] == "disabled: service 'IT::E-mail' not in Znuny"
    assert rows["hr.onboarding"] == "department disabled"
    assert rows["it.pos-down"] == "enabled"
    code, out, _ = run("plugins", "items", "-d", "maintenance")
    assert code == 0 and "maintenance.door-lock" in out and "it.pos-down" not in out
    code, _, err = run("plugins", "items", "-d", "payroll")
    assert code == 1 and "unknown department 'payroll'" in err
