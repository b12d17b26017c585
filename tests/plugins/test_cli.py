"""``radiant-ext plugins``, ``simulate`` and ``check`` as a user runs them."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest

from radiant_ext.cli import main
from radiant_ext.config import load_settings
from radiant_ext.plugins import make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.store import make_engine, upgrade_database

Run = Callable[..., tuple[int, str, str]]
ZNUNY_SETTINGS = ("RADIANT_ZNUNY_URL", "RADIANT_ZNUNY_USER", "RADIANT_ZNUNY_PASSWORD",
                  "RADIANT_ZNUNY_WEBSERVICE", "RADIANT_ZNUNY_ROUTE_SET", "RADIANT_WEBHOOK_SECRET")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the CLI in a clean environment with its data dir under ``tmp_path``."""
    for name in ("RADIANT_ZNUNY_DB_URL", "RADIANT_DATABASE_URL", "RADIANT_CATALOG_DIRS",
                 "RADIANT_BLOCKED_PLUGINS", *ZNUNY_SETTINGS):
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
def demo_run(run: Run, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run`` in the demo world: the demo's store directory is the installation's."""
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(DEMO_CATALOG_DIR)]))
    return run


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
    assert rows["it"]["state"] == "enabled" and rows["it"]["items"] == 10
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


def test_flagship_till_on_friday_evening_beats_the_office_printer(demo_run: Run) -> None:
    till = simulate_json(demo_run, "--item", "it.pos-down", "--store", "store-001",
                         "--at", "2026-11-20T17:50", "--field", "impact=one-register")
    printer = simulate_json(demo_run, "--item", "it.office-printer", "--company",
                            "head-office", "--at", "2026-11-20T17:50")
    assert (till["priority"], printer["priority"]) == ("5 very high", "2 low")
    # The flagship trades until 22:00: 4 business hours end on Friday at 21:50 Moscow.
    assert till["deadline"] == "2026-11-20T18:50:00Z"
    assert till["deadline_utc"] == "2026-11-20 18:50:00"
    assert printer["deadline"] == "2026-11-25T08:50:00Z"  # 24 office hours later
    fired = cast(list[dict[str, str]], till["rules_fired"])
    assert [r["id"] for r in fired] == ["flagship-store", "owner-pool"]
    assert till["missing_required_fields"] == ["register", "description"]


def test_simulate_table_shows_decision_and_rules(demo_run: Run) -> None:
    code, out, _ = demo_run("simulate", "--item", "it.pos-down", "--store", "store-002",
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
        (["--item", "it.pos-down", "--field", "impact=bad"],
         "Error: --field impact: Pick one of the listed options."),
        (["--item", "it.pos-down", "--field", "colour=red"], "Error: it.pos-down has no field"),
    ],
)
def test_simulate_bad_input_is_one_line(run: Run, args: list[str], message: str) -> None:
    code, out, err = run("simulate", *args)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_an_unknown_store_is_routed_with_the_defaults_and_says_so(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A production installation whose directory has no store-001: no demo names or tiers.
    monkeypatch.setenv("RADIANT_DEFAULT_TIME_ZONE", "Asia/Novosibirsk")
    till = simulate_json(run, "--item", "it.pos-down", "--store", "store-001",
                         "--at", "2026-11-23T10:00", "--field", "impact=one-register")
    assert till["priority"] == "4 high"  # no flagship raise
    fired = cast(list[dict[str, str]], till["rules_fired"])
    assert fired[0]["id"] == "unknown-store"
    assert fired[0]["text"] == ("Store store-001 is not in the store directory: tier standard, "
                                "time zone Asia/Novosibirsk")
    # --at is Novosibirsk time; office hours (the fallback) in that zone: 10:00 + 4 h.
    assert till["deadline"] == "2026-11-23T07:00:00Z"
    assert till["calendar"] == "default (Asia/Novosibirsk), store-001 has no trading hours"
    code, out, _ = run("simulate", "--item", "it.pos-down", "--store", "store-001",
                       "--at", "2026-11-23T10:00")
    assert code == 0
    assert "Mon 2026-11-23 14:00 Asia/Novosibirsk (2026-11-23 07:00:00 UTC)" in out
    assert "unknown-store: Store store-001 is not in the store directory" in out


def test_simulate_usage_errors(run: Run) -> None:
    code, _, err = run("simulate", "--item", "it.pos-down", "--field", "impact")
    assert code == 2 and "is not key=value" in err
    code, _, err = run("simulate", "--item", "it.pos-down", "--at", "friday")
    assert code == 2 and "not an ISO date-time" in err


def test_check_without_znuny_says_names_were_not_checked(run: Run) -> None:
    code, out, _ = run("check")
    assert code == 0
    assert "it: 1 department(s), 10 item(s)" in out
    assert "Names were NOT checked against Znuny" in out


def test_check_warns_about_a_calendar_without_working_hours_ahead(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "catalogs"
    folder.mkdir()
    (folder / "stores.yaml").write_text(
        "calendars:\n"
        "  - {id: summer, hours: {mon: 08:00-18:00}, holidays: [2026-12-07, 2026-12-14,\n"
        "     2026-12-21, 2026-12-28]}\n"
        "stores:\n  - {id: kiosk-1, name: Beach kiosk, calendar: summer}\n", "utf-8")
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(folder)]))
    code, out, _ = run("check", "--at", "2026-12-01T09:00")
    assert code == 0  # a warning, not a problem
    assert ("warning: calendar 'summer' (used by kiosk-1) has no working hour between "
            "2026-12-01 09:00 and 2026-12-31 09:00 Europe/Moscow") in out
    assert "All catalogs are valid." in out
    code, out, _ = run("check", "--at", "2027-01-04T09:00+03:00", "--json")
    assert code == 0 and json.loads(out)["warnings"] == []
    code, _, err = run("check", "--at", "tomorrow")
    assert code == 2 and "not an ISO date-time" in err


def test_check_refuses_a_broken_catalog_naming_the_line(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "catalogs"
    folder.mkdir()
    # The department must not clash with an installed plugin (radiant-ext-legal has ``legal``).
    (folder / "compliance.yaml").write_text(
        "department: {id: compliance, title: Compliance}\n"
        "items:\n"
        "  - id: compliance.policy\n"
        "    title: Policy question\n"
        "    routing: {type: Service Request, queue: Legal, priority: 7}\n"
        "    deadline: {business_hours: 16}\n", "utf-8")
    (folder / "broken.yaml").write_text("items: [\n", "utf-8")
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(folder)]))
    code, out, err = run("check")
    assert code == 1
    assert f"problem: {folder / 'broken.yaml'}:2:1: YAML syntax" in out
    assert f"problem: {folder / 'compliance.yaml'}:5:62: items[0].routing.priority" in out
    assert "it: 1 department(s), 10 item(s)" in out  # installed plugins are still checked
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
    # Znuny's SLA escalates "IT standard" after 1440 minutes; the e-mail item promises 8 hours
    assert ("warning: it.email: SLA 'IT standard' has 1440 minutes in Znuny, the catalog "
            "promises 8 business hours (480 minutes)") in out
    assert "it.pos-down: SLA" not in out  # 240 minutes = the 4 hours promised
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
    assert data["plugins"]["hr"] == {"departments": 1, "items": 4}
    assert data["problems"] == [] and "NOT checked" in data["znuny"]


def test_store_at_an_old_schema_is_one_readable_error(run: Run) -> None:
    path = Path(load_settings().effective_database_url.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
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


# -- `check` and the Znuny setup (radiant_ext.webhook.setup_check) ----------------------------

@pytest.fixture(scope="module")
def retail_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A running retail sandbox: its base URL and its metadata SQLite file."""
    from radiant_ext_sandbox import serve_in_thread

    data = tmp_path_factory.mktemp("sandbox")
    server = serve_in_thread(data_dir=data, seed="retail")
    try:
        yield server.url, data / "sandbox.sqlite"
    finally:
        server.stop()


def _znuny_env(monkeypatch: pytest.MonkeyPatch, url: str, **more: str) -> None:
    values = {"RADIANT_ZNUNY_URL": url, "RADIANT_ZNUNY_USER": "radiant",
              "RADIANT_ZNUNY_PASSWORD": "radiant-demo",
              "RADIANT_ZNUNY_WEBSERVICE": "GenericTicketConnectorRESTReady2Adopt",
              "RADIANT_ZNUNY_ROUTE_SET": "znuny-r2a",
              "RADIANT_WEBHOOK_SECRET": "a-long-random-webhook-secret", **more}
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_check_runs_the_znuny_setup_check_against_the_sandbox(
    run: Run, monkeypatch: pytest.MonkeyPatch, retail_sandbox: tuple[str, Path]
) -> None:
    url, metadata = retail_sandbox
    _znuny_env(monkeypatch, url, RADIANT_ZNUNY_DB_URL=f"sqlite:///{metadata}")
    code, out, err = run("check")
    assert code == 0, err
    lines = out.splitlines()
    assert ("[ok] gi.session: GenericTicketConnectorRESTReady2Adopt: logged in (route set "
            f"znuny-r2a, {url}/znuny/nph-genericinterface.pl/Webservice/"
            "GenericTicketConnectorRESTReady2Adopt)") in lines
    assert ("[ok] db.dynamic-field.RadiantDeadline: RadiantDeadline (DateTime, Ticket) exists"
            in lines)
    assert "Checked every name against Znuny's database: 0 missing." in lines
    assert lines[-1] == f"Znuny setup at {url}: 0 error(s)."
    code, out, _ = run("check", "--json")
    setup = json.loads(out)["setup"]
    assert code == 0 and {f["status"] for f in setup} == {"ok"}
    assert [f["check"] for f in setup][:4] == [
        "webhook.secret", "gi.session", "gi.search", "gi.search-dynamic-fields"]


def test_check_fails_on_a_setup_error_and_names_it(
    run: Run, monkeypatch: pytest.MonkeyPatch, retail_sandbox: tuple[str, Path]
) -> None:
    # otrs6 has no POST search route: duplicate-free outbox delivery would not work
    _znuny_env(monkeypatch, retail_sandbox[0], RADIANT_ZNUNY_ROUTE_SET="otrs6",
               RADIANT_ZNUNY_WEBSERVICE="GenericTicketConnectorREST")
    code, out, err = run("check")
    assert code == 1
    assert "All catalogs are valid." in out.splitlines()
    assert "[ok] gi.search: GenericTicketConnectorREST: 0 ticket(s) found" in out
    assert err.startswith("Error: Znuny setup: 1 error(s); first: [error] gi.search-dynamic-"
                          "fields: dynamic-field search needs a POST search route")
    monkeypatch.setenv("RADIANT_ZNUNY_PASSWORD", "wrong")
    code, out, err = run("check")
    assert code == 1 and "[error] gi.session: Znuny refused the login of agent 'radiant'" in out
    assert "gi.search:" not in out  # later GI checks need a session


def test_check_with_an_unreachable_znuny_is_one_line_per_finding(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _closed_port_url()
    _znuny_env(monkeypatch, url)
    code, out, err = run("check")
    assert code == 1
    gi = [line for line in out.splitlines() if " gi." in line]
    assert len(gi) == 1 and gi[0].startswith(f"[error] gi.session: cannot reach {url}")
    assert "check RADIANT_ZNUNY_URL" in gi[0]
    assert err.startswith("Error: Znuny setup: 1 error(s)") and err.count("\n") == 1
    code, out, _ = run("check", "--no-znuny")
    assert code == 0
    assert out.splitlines()[-1] == "Znuny setup NOT checked (--no-znuny)."
    assert "gi." not in out


def test_check_as_a_process_prints_no_traceback_and_no_client_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _closed_port_url()
    _znuny_env(monkeypatch, url)
    for name in ("RADIANT_ZNUNY_DB_URL", "RADIANT_DATABASE_URL", "RADIANT_CATALOG_DIRS",
                 "RADIANT_BLOCKED_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path / "data"))
    command = [str(Path(sys.executable).with_name("radiant-ext")), "check"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [done.stderr.strip()]  # only the "Error: ..." line
    assert done.stderr.startswith("Error: Znuny setup: 1 error(s); first: [error] gi.session")
    assert "Traceback" not in done.stdout + done.stderr


def test_check_without_znuny_settings_skips_the_setup_unless_asked(run: Run) -> None:
    code, out, _ = run("check")
    assert code == 0
    assert out.splitlines()[-1] == ("Znuny setup NOT checked: RADIANT_ZNUNY_USER is not set "
                                    "(--znuny checks it anyway).")
    code, out, err = run("check", "--znuny")
    assert code == 1
    assert "[error] webhook.secret: RADIANT_WEBHOOK_SECRET is empty" in out
    assert "[error] gi.session: RADIANT_ZNUNY_USER is empty" in out
    assert err.startswith("Error: Znuny setup: 2 error(s); first: [error] webhook.secret")


def test_check_reports_catalog_problems_and_setup_errors_together(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "catalogs"
    folder.mkdir()
    (folder / "broken.yaml").write_text("items: [\n", "utf-8")
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(folder)]))
    _znuny_env(monkeypatch, _closed_port_url())
    code, out, err = run("check")
    assert code == 1
    assert "All catalogs are valid." not in out
    assert "[error] gi.session: cannot reach" in out
    assert err.startswith(f"Error: 1 problem(s) found; first: {folder / 'broken.yaml'}:2:1")
    assert err.rstrip().endswith("; Znuny setup: 1 error(s)")


def _canary_env(monkeypatch: pytest.MonkeyPatch, retail_sandbox: tuple[str, Path]) -> str:
    """The retail sandbox as the configured Znuny, its metadata and store directory."""
    url, metadata = retail_sandbox
    _znuny_env(monkeypatch, url, RADIANT_ZNUNY_DB_URL=f"sqlite:///{metadata}",
               RADIANT_CATALOG_DIRS=json.dumps([str(metadata.parent / "stores")]))
    return url


def test_check_canary_files_reads_back_and_closes_one_request_per_department(
    run: Run, monkeypatch: pytest.MonkeyPatch, retail_sandbox: tuple[str, Path]
) -> None:
    from radiant_ext.client import AgentCredentials, ZnunyClient

    url = _canary_env(monkeypatch, retail_sandbox)
    code, out, err = run("check", "--canary", "demo-customer", "--canary-store", "store-007")
    assert code == 0, err
    canaries = [line for line in out.splitlines() if line.startswith("[ok] canary.")]
    assert [line.split(":")[0] for line in canaries] == [
        f"[ok] canary.{d}" for d in ("accounting", "customer-service", "hr", "it", "legal",
                                     "maintenance")]
    number = re.search(r"it\.pos-down: filed as (\d+) to IT::Stores", out)
    assert number, out
    agent = ZnunyClient(url, credentials=AgentCredentials("radiant", "radiant-demo"),
                        webservice="GenericTicketConnectorRESTReady2Adopt",
                        route_set="znuny-r2a")
    try:
        ticket = agent.ticket_get_by_number(number.group(1))
    finally:
        agent.close()
    assert ticket.title.startswith("[radiant canary] it.pos-down")
    assert ticket.state_type == "closed" and ticket.customer_user_id == "demo-customer"


def test_check_canary_names_what_znuny_refuses(
    run: Run, monkeypatch: pytest.MonkeyPatch, retail_sandbox: tuple[str, Path]
) -> None:
    _canary_env(monkeypatch, retail_sandbox)
    code, out, err = run("check", "--canary", "nobody-knows-me", "--canary-store", "store-007")
    assert code == 1
    assert "[error] canary.it: it.pos-down: not filed (parked)" in out, out
    assert "CustomerUser" in out
