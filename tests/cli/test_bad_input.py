"""Every command given bad values: a non-zero exit, one line on standard error, no traceback
(and nothing half-done on standard output)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from tests.cli.conftest import Run, make_store

BAD = [
    # (arguments, what the line must say)
    (["nope"], "No such command 'nope'"),
    (["report", "nope"], "'nope' is not one of 'volume'"),
    (["report", "stores", "--from", "2026-13-01"], "expected a date as YYYY-MM-DD"),
    (["report", "stores", "--from", "2026-10-05", "--to", "2026-10-01"],
     "must not be before --from"),
    (["report", "stores", "--format", "pdf"], "'pdf' is not one of 'csv', 'xlsx', 'json'"),
    (["report", "stores", "--to", "2026-02-30"], "expected a date as YYYY-MM-DD"),
    (["report", "stores", "--period", "year"], "'year' is not one of 'day', 'week', 'month'"),
    (["report", "stores", "--store", "store-999"],
     "unknown store 'store-999' (stores: store-001, store-002,"),
    (["report", "stores", "--company", "acme"], "unknown company 'acme' (stores: store-001,"),
    (["report", "stores", "--department", "it-desk"],
     "unknown department 'it-desk' (departments: accounting, customer-service, hr, it,"),
    (["report", "steps-now", "--item", "it.nope"],
     "unknown item 'it.nope' (catalog items: "),
    (["report", "stores", "--item", "it.pos-down"],
     "report 'stores' takes no item filter; these do: steps-now, time-per-step"),
    (["report", "stores", "--database-url", "mysql://u:pw@db/x"], "RADIANT_DATABASE_URL"),
    (["report", "stores", "--database-url", "sqlite:////nonexistent/x.sqlite3"],
     "does not exist"),
    (["report", "stores", "--output", "/nonexistent/out.csv"], "cannot write /nonexistent"),
    (["report-rebuild", "--database-url", "sqlite:////nonexistent/x.sqlite3"],
     "does not exist"),
    (["simulate"], "Missing option '--item'"),
    (["simulate", "--item", "it.nope"], "unknown catalog item 'it.nope' (items: "),
    (["simulate", "--item", "it.pos-down", "--field", "impact=bad"],
     "--field impact: Pick one of the listed options. (options: one-register, "),
    (["simulate", "--item", "it.pos-down", "--field", "colour=red"],
     "it.pos-down has no field 'colour' (fields: description, impact,"),
    (["simulate", "--item", "it.pos-down", "--field", "impact"], "'impact' is not key=value"),
    (["simulate", "--item", "it.pos-down", "--at", "friday"], "not an ISO date-time"),
    (["simulate", "--item", "it.pos-down", "--recent", "-1"], "-1 is not in the range x>=0"),
    (["plugins", "items", "--department", "nope"], "unknown department 'nope' (known: "),
    (["plugins", "enable", "--department", "nope"], "unknown department 'nope' (known: "),
    (["plugins", "--colour"], "No such option '--colour'"),
    (["check", "--at", "friday"], "not an ISO date-time"),
    (["sync", "run", "nope"], "unknown job 'nope' (known: outbox-drain, ticket-pull,"),
    (["sync", "--job", "nope"], "unknown job 'nope'"),
    (["sync", "run", "ticket-pull"], "ticket-pull failed (config): MissingCredentialsError"),
    (["sync", "run", "outbox-drain", "--full"], "--full applies to ticket-pull only"),
    (["sync", "requeue", "no-such-request"], "no-such-request"),
    (["sync", "--lease-seconds", "0", "status"], "0.0 is not in the range 1.0<=x<=3600.0"),
    (["sync", "--lease-seconds", "nan", "--job", "outbox-drain"], "nan is not a number"),
    (["sync", "--database-url", "nope://x", "status"], "RADIANT_DATABASE_URL"),
    (["db", "upgrade", "--revision", "9999"], "'9999' (revisions: 0001,"),
    (["db", "current", "--database-url", "nope://x"], "unknown database dialect or driver"),
    (["webhook", "try"], "Missing option '--title'"),
    (["webhook", "try", "--title", "x", "--bogus"], "No such option '--bogus'"),
    (["serve", "--port", "99999"], "99999 is not in the range 0<=x<=65535"),
    (["serve", "--workers", "0"], "0 is not in the range 1<=x<=64"),
    (["demo", "--port", "-1"], "-1 is not in the range 0<=x<=65535"),
    (["demo", "--data", "/proc/radiant-demo"], "--data"),
    (["sandbox", "mail"], "give --from/--subject/--body, or an .eml file on stdin"),
    (["sandbox", "seed", "--tickets", "-5"], "-5 is not in the range 1<=x<=200000"),
    (["sandbox", "seed", "--tickets", "5000000"], "5000000 is not in the range 1<=x<=200000"),
    (["sandbox", "--invoker-timeout", "nan", "serve"], "nan is not a number of seconds"),
]


@pytest.fixture
def installation(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated store and the demo's store directory: bad values are the only problem."""
    make_store(folder / "data")
    monkeypatch.setenv("RADIANT_DATA_DIR", str(folder / "data"))
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(DEMO_CATALOG_DIR)]))
    monkeypatch.setenv("RADIANT_CONFIG", str(folder / "absent.toml"))
    return folder


@pytest.mark.parametrize(("args", "said"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line(installation: Path, run: Run, args: list[str],
                               said: str) -> None:
    ran = run(*args)
    assert ran.code not in (0, None)
    assert "Traceback" not in ran.err + ran.out and ran.out == ""
    lines = ran.err.splitlines()
    assert len(lines) == 1, ran.err
    assert lines[0].startswith("Error: ") and said in lines[0], lines[0]


def test_every_command_is_in_the_table() -> None:
    from radiant_ext.cli import COMMANDS

    assert {args[0] for args, _ in BAD} >= set(COMMANDS)


@pytest.mark.parametrize(("variable", "value", "args"), [
    ("RADIANT_ZNUNY_TIMEOUT", "-1", ["plugins"]),
    ("RADIANT_DEFAULT_TIME_ZONE", "Mars/Base", ["simulate", "--item", "it.pos-down"]),
    ("RADIANT_SYNC_INTERVALS", "{not json", ["sync", "status"]),
    ("RADIANT_REPORTS", '{"managers": 5}', ["report", "stores"]),
])
def test_a_bad_setting_is_one_line_naming_it(installation: Path, run: Run,
                                             monkeypatch: pytest.MonkeyPatch, variable: str,
                                             value: str, args: list[str]) -> None:
    monkeypatch.setenv(variable, value)
    ran = run(*args)
    assert ran.code == 1 and ran.out == "" and "Traceback" not in ran.err
    assert len(ran.err.splitlines()) == 1 and ran.err.startswith("Error: ")
    assert variable in ran.err or variable.removeprefix("RADIANT_").lower() in ran.err
