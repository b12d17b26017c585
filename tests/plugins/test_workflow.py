"""Workflows (radiant_ext.plugins.workflow): a workflow is refused with a clear reason when it
cannot work, the moves it allows are answered by actor, the shipped workflows are valid, and
``radiant-ext check`` names workflow states Znuny lacks or has with another state type."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_it
from pydantic import ValidationError

from radiant_ext.plugins import CatalogError, load_catalog_text
from radiant_ext.plugins.calendar import CalendarSpec
from radiant_ext.plugins.catalog import CatalogItem
from radiant_ext.plugins.workflow import DEFAULT_WORKFLOW, MoveRefusedError, Workflow
from radiant_ext.plugins.znuny_meta import read_znuny_names, workflow_problems
from radiant_ext_sandbox.seeds.retail import WORKFLOW_STATES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_SETUP = ROOT / "znuny-package" / "var" / "packagesetup" / "RadiantExt.pm"
STOCK_STATES = {"new", "open", "closed successful"}


def _defect() -> CatalogItem:
    return next(i for i in radiant_ext_it.catalog.items() if i.id == "it.software-defect")


def _flow(**change: Any) -> dict[str, Any]:
    """A small valid workflow as YAML would give it, with ``change`` applied."""
    flow: dict[str, Any] = {
        "steps": [
            {"id": "new", "state": "new", "state_type": "new", "label": "New"},
            {"id": "test", "state": "client testing", "state_type": "pending reminder",
             "label": "Your test", "waiting_on": "customer", "remind_after": 8,
             "escalate_after": 16},
            {"id": "done", "state": "closed successful", "state_type": "closed",
             "label": "Done"},
        ],
        "moves": [
            {"from": "new", "to": "test", "by": "agent"},
            {"from": "test", "to": "done", "by": "customer"},
            {"from": "test", "to": "new", "by": "customer", "reason_required": True},
        ],
    }
    flow.update(change)
    return flow


def _refused(flow: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        Workflow.model_validate(flow)
    return str(info.value)


def test_a_small_workflow_is_accepted_and_starts_at_its_first_step() -> None:
    flow = Workflow.model_validate(_flow())
    assert flow.first.id == "new"
    assert flow.states == {"new": "new", "client testing": "pending reminder",
                           "closed successful": "closed"}
    assert flow.step("test").acts_next == "customer" and flow.step("done").acts_next is None


@pytest.mark.parametrize(("change", "reason"), [
    ({"moves": [{"from": "new", "to": "tset", "by": "agent"}]},
     "move new → tset names unknown step 'tset'"),
    ({"steps": [*_flow()["steps"], {"id": "new", "state": "open", "state_type": "open",
                                    "label": "Again"}]},
     "duplicate step ids: new"),
    ({"steps": [*_flow()["steps"], {"id": "lost", "state": "open", "state_type": "open",
                                    "label": "Lost"}]},
     "steps no move leads to from 'new': lost"),
    ({"steps": [s for s in _flow()["steps"] if s["id"] != "done"],
      "moves": [{"from": "new", "to": "test", "by": "agent"},
                {"from": "test", "to": "new", "by": "customer"}]},
     "no closed step"),
    ({"steps": [{**_flow()["steps"][0], "remind_after": 8, "escalate_after": 4},
                *_flow()["steps"][1:]]},
     "step 'new': escalate_after (4 h) must come after remind_after (8 h)"),
    ({"moves": [{"from": "new", "to": "test", "by": "agent"},
                {"from": "test", "to": "done", "by": "agent"}]},
     "step 'test' waits on the customer, but no move out of it is the customer's"),
    ({"moves": [*_flow()["moves"], {"from": "new", "to": "test", "by": "agent"}]},
     "duplicate moves: new → test by agent"),
    ({"steps": [*_flow()["steps"][:2], {**_flow()["steps"][2], "remind_after": 4}]},
     "step 'done' is closed: it waits on nobody"),
    ({"steps": [*_flow()["steps"], {"id": "again", "state": "new", "state_type": "new",
                                    "label": "Again"}]},
     "duplicate Znuny states (one step per state): new"),
    ({"start": "begin"}, "start names unknown step 'begin'"),
    ({"moves": [*_flow()["moves"], {"from": "new", "to": "new", "by": "agent"}]},
     "move new → new goes nowhere"),
    ({"steps": [{**_flow()["steps"][0], "state_type": "waiting"}, *_flow()["steps"][1:]]},
     "state_type"),
])
def test_a_workflow_that_cannot_work_is_refused_with_the_reason(
    change: dict[str, Any], reason: str,
) -> None:
    assert reason in _refused(_flow(**change))


def test_a_catalog_file_with_a_broken_workflow_names_the_line() -> None:
    flow = "\n".join([
        "    workflow:",
        "      steps:",
        "        - {id: new, state: new, state_type: new, label: New}",
        "        - {id: done, state: closed successful, state_type: closed, label: Done}",
        "      moves:",
        "        - {from: new, to: finished, by: agent}",
    ])
    text = f"""\
department: {{id: ops, title: Operations}}
items:
  - id: ops.fix
    department: ops
    title: Fix
    routing: {{type: Incident, queue: IT}}
    deadline: {{business_hours: 8, calendar: default}}
{flow}
"""
    with pytest.raises(CatalogError) as info:
        load_catalog_text(text, "ops.yaml")
    assert re.search(r"^ops\.yaml:\d+:\d+: items\[0\]\.workflow: .*move new → finished names "
                     r"unknown step 'finished'", str(info.value))


def test_the_default_workflow_lets_agents_work_and_requesters_reopen() -> None:
    flow = DEFAULT_WORKFLOW
    assert flow.allows("new", "open", "agent") and flow.allows("open", "closed successful",
                                                                 "agent")
    assert not flow.allows("new", "open", "customer")
    reopen = flow.check("closed successful", "open", "customer")
    assert reopen.reason_required and flow.translate(str(reopen.label), "ru") == \
        "Проблема не решена"
    assert [m.to for m in flow.next_moves("new", "agent")] == ["open", "solved"]
    assert flow.next_moves("merged") == []


def test_an_item_without_a_workflow_has_the_default() -> None:
    item = next(i for i in radiant_ext_it.catalog.items() if i.id == "it.pos-down")
    assert item.workflow is None and item.process is DEFAULT_WORKFLOW


def test_the_software_defect_runs_the_whole_path() -> None:
    flow = _defect().process
    path = ["new", "in review", "approved for action", "open", "ready to test", "in testing",
            "ready to install", "client testing", "closed successful"]
    actors = ["agent"] * 7 + ["customer"]
    for (here, there), actor in zip(zip(path, path[1:], strict=False), actors, strict=True):
        assert flow.allows(here, there, actor), (here, there, actor)
    side = [("in review", "cannot replicate", "agent"), ("in review", "needs estimate", "agent"),
            ("needs estimate", "estimate ready", "agent"),
            ("estimate ready", "estimate pending client approval", "agent"),
            ("estimate pending client approval", "approved for action", "customer")]
    assert all(flow.allows(*move) for move in side)  # type: ignore[arg-type]


def test_customer_moves_of_the_software_defect() -> None:
    flow = _defect().process
    assert {(m.to, m.reason_required) for m in flow.next_moves("client testing", "customer")
            } == {("completed", False), ("in-progress", True)}
    assert [m.label for m in flow.next_moves("estimate pending client approval", "customer")
            ] == ["Accept", "Decline"]
    assert not flow.allows("estimate pending client approval", "approved for action", "agent")
    assert not flow.allows("new", "closed successful", "agent")  # no short cut past the path
    assert flow.step("client-testing").acts_next == "customer"
    assert flow.step("in-testing").acts_next == "agent"


def test_a_refused_move_says_why_in_both_languages() -> None:
    flow = _defect().process
    with pytest.raises(MoveRefusedError) as info:
        flow.check("estimate pending client approval", "approved for action", "agent")
    assert info.value.get("en") == ("Only the requester can move a request from Estimate "
                                    "waiting for your approval to Approved for action.")
    assert info.value.get("ru") == ("Перевести заявку из шага «Оценка ждёт вашего "
                                    "согласования» в шаг «Одобрена к работе» может только "
                                    "заявитель.")
    with pytest.raises(MoveRefusedError) as info:
        flow.check("new", "closed successful", "customer")
    assert info.value.get("en") == "A request cannot go from Submitted to Completed."
    with pytest.raises(MoveRefusedError) as info:
        flow.check("new", "pending auto close+", "agent")
    assert "pending auto close+" in info.value.get("ru") and "не входит" in info.value.get("ru")


def test_every_step_of_the_defect_is_labelled_in_russian() -> None:
    item = _defect()
    flow = item.process
    assert flow.domain == "radiant_ext_it"
    texts = [s.label for s in flow.steps] + [str(m.label) for m in flow.moves]
    for text in texts:
        russian = flow.translate(text, "ru")
        assert re.search("[а-яё]", russian, re.I) and russian != text, text


def test_step_limits_count_business_hours_of_a_calendar() -> None:
    step = _defect().process.step("client-testing")  # remind after 16 h, escalate after 24 h
    calendar = CalendarSpec(id="office", time_zone="Europe/Moscow",
                            hours={d: "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                            ).build()
    friday = datetime(2031, 3, 7, 16, 0, tzinfo=ZoneInfo("Europe/Moscow"))  # a Friday, 16:00
    remind, escalate = step.due(calendar, friday)
    assert remind == datetime(2031, 3, 11, 16, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert escalate == datetime(2031, 3, 12, 16, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert _defect().process.step("completed").due(calendar, friday) == (None, None)


def test_shipped_workflows_name_states_the_package_and_the_sandbox_create() -> None:
    import radiant_ext_hr

    custom = {s.state: s.state_type for s in _defect().process.steps}
    custom = {k: v for k, v in custom.items() if k not in STOCK_STATES}
    approvals = [i.approval for i in radiant_ext_hr.catalog.items() if i.approval]
    assert approvals  # the vacation request waits for its approval in a state of its own
    custom.update({a.state: "pending reminder" for a in approvals})
    assert custom == WORKFLOW_STATES
    package = dict(re.findall(r"^\s*\[\s*'([^']+)',\s*'([^']+)'",
                              PACKAGE_SETUP.read_text()[
                                  PACKAGE_SETUP.read_text().index("our @States"):],
                              re.MULTILINE))
    assert package == WORKFLOW_STATES


def test_check_names_a_missing_state_and_a_wrong_state_type(
    make_znuny_db: Callable[..., str],
) -> None:
    items = radiant_ext_it.catalog.items()
    assert workflow_problems(items, read_znuny_names(make_znuny_db())) == []
    names = read_znuny_names(make_znuny_db(skip={"client testing"},
                                           state_types={"in review": "pending reminder"}))
    assert workflow_problems(items, names) == [
        "it.software-defect: workflow state 'in review' (step in-review) has state type "
        "'pending reminder' in Znuny, the workflow expects 'open'",
        "it.software-defect: workflow state 'client testing' (step client-testing) not in "
        "Znuny: create it with state type 'pending reminder' (the Znuny package RadiantExt "
        "does)",
    ]


def test_the_default_workflow_is_checked_once_for_all_items(
    make_znuny_db: Callable[..., str],
) -> None:
    names = read_znuny_names(make_znuny_db(state_types={"open": "pending reminder"}))
    problems = workflow_problems(radiant_ext_it.catalog.items(), names)
    assert [p for p in problems if p.startswith("default workflow")] == [
        "default workflow: workflow state 'open' (step open) has state type 'pending "
        "reminder' in Znuny, the workflow expects 'open'"]


@pytest.fixture
def sandbox_db(tmp_path: Path) -> str:
    """The retail sandbox's database (the demo world's Znuny), as a read-only URL would see it."""
    from radiant_ext_sandbox import create_app

    create_app(tmp_path / "sandbox", seed="retail")
    return f"sqlite:///{tmp_path / 'sandbox' / 'sandbox.sqlite'}"


def _check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str,
           capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from radiant_ext.cli import main

    for name in ("RADIANT_DATABASE_URL", "RADIANT_CATALOG_DIRS", "RADIANT_BLOCKED_PLUGINS",
                 "RADIANT_ZNUNY_URL", "RADIANT_ZNUNY_USER", "RADIANT_ZNUNY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RADIANT_ZNUNY_DB_URL", db_url)
    capsys.readouterr()
    try:
        main(["check"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_check_against_the_sandbox_names_workflow_state_problems(
    sandbox_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlalchemy import create_engine, text

    code, out, err = _check(monkeypatch, tmp_path, sandbox_db, capsys)
    assert code == 0, err
    assert "Checked the workflows' ticket states and state types: 0 problem(s)." in out
    engine = create_engine(sandbox_db)
    with engine.begin() as conn:  # an admin deleted one state and changed another's type
        conn.execute(text("DELETE FROM ticket_state WHERE name = 'ready to install'"))
        conn.execute(text("UPDATE ticket_state SET type_id = (SELECT id FROM ticket_state_type"
                          " WHERE name = 'open') WHERE name = 'client testing'"))
    engine.dispose()
    code, out, err = _check(monkeypatch, tmp_path, sandbox_db, capsys)
    assert code == 1 and "Traceback" not in out + err
    lines = out.splitlines()
    assert ("problem: it.software-defect: workflow state 'ready to install' (step "
            "ready-to-install) not in Znuny: create it with state type 'open' (the Znuny "
            "package RadiantExt does)") in lines
    assert ("problem: it.software-defect: workflow state 'client testing' (step "
            "client-testing) has state type 'open' in Znuny, the workflow expects 'pending "
            "reminder'") in lines
    assert "Checked the workflows' ticket states and state types: 2 problem(s)." in lines
    assert err.startswith("Error: 2 problem(s) found; first: it.software-defect: workflow")


def test_check_without_access_to_the_states_checks_the_rest(
    sandbox_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(sandbox_db)
    with engine.begin() as conn:  # as for an account granted SELECT before workflows existed
        conn.execute(text("ALTER TABLE ticket_state RENAME TO ticket_state_hidden"))
    engine.dispose()
    code, out, err = _check(monkeypatch, tmp_path, sandbox_db, capsys)
    assert code == 0, err
    assert "Checked every name against Znuny's database: 0 missing." in out
    assert ("Workflow states NOT checked: cannot read Znuny's metadata tables: no such table: "
            "ticket_state (grant SELECT on ticket_state and ticket_state_type — "
            "docs/znuny-setup.md).") in out


def test_the_tutorials_workflow_is_valid() -> None:
    import yaml

    tutorial = (ROOT / "docs" / "writing_a_department_plugin.md").read_text("utf-8")
    section = tutorial[tutorial.index("### Steps and moves"):]
    start = section.index("```yaml\n") + len("```yaml\n")
    block = section[start:section.index("\n```", start)]
    flow = Workflow.model_validate(yaml.safe_load(block)["workflow"])
    assert flow.allows("pending reminder", "open", "customer")
    assert flow.check("pending reminder", "open", "customer").reason_required
    assert flow.step("signature").acts_next == "customer"


def test_check_refuses_workflows_that_give_a_state_two_types() -> None:
    from radiant_ext.plugins.checks import workflow_state_conflicts

    text = """\
department: {id: ops, title: Operations}
items:
  - id: ops.plain
    title: Plain
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 8, calendar: default}
  - id: ops.odd
    title: Odd
    routing: {type: Incident, queue: IT}
    deadline: {business_hours: 8, calendar: default}
    workflow:
      steps:
        - {id: new, state: new, state_type: new, label: New}
        - {id: wait, state: open, state_type: pending reminder, label: Waiting,
           waiting_on: customer}
        - {id: done, state: closed successful, state_type: closed, label: Done}
      moves:
        - {from: new, to: wait, by: agent}
        - {from: wait, to: done, by: customer}
"""
    items = load_catalog_text(text, "ops.yaml").items
    assert workflow_state_conflicts(items) == [
        "workflow state 'open' has different state types: 'open' in the default workflow; "
        "'pending reminder' in ops.odd"]
    assert workflow_state_conflicts([*radiant_ext_it.catalog.items()]) == []
