"""Department scopes: stored with who, when, before and after; applied to what a customer
sees in the portal's catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from radiant_ext.config import load_settings
from radiant_ext.plugins import Viewer
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.plugins.enablement import DatabaseEnablement
from radiant_ext.plugins.factory import plugins_from_settings
from radiant_ext.store import make_engine, session_scope, upgrade_database
from radiant_ext.store.departments import (
    DepartmentScope,
    department_history,
    set_department_enabled,
    set_department_enablement,
)


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade_database(engine)
    return engine


def test_a_change_is_recorded_with_before_and_after_and_no_change_records_nothing(
        tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    scope = DepartmentScope(tiers=("flagship",), companies=("store-012",))
    with session_scope(engine) as s:
        _, changed = set_department_enablement(s, "hr", enabled=True, scope=scope,
                                               actor="hr-agent")
        assert changed
        _, again = set_department_enablement(s, "hr", enabled=True, scope=scope,
                                             actor="hr-agent")
        assert not again
        set_department_enabled(s, "hr", False, "cli:root")
    with session_scope(engine) as s:
        history = department_history(s, ["hr"])
    assert [c.action for _, c in history] == ["department.disable", "department.change"]
    disable, first = history[0][1], history[1][1]
    assert first.actor == "hr-agent" and first.before == {"enabled": True, "scope": None}
    assert first.after["scope"] == {"tiers": ["flagship"], "companies": ["store-012"],
                                    "head_office": False}
    assert disable.actor == "cli:root" and disable.after["enabled"] is False
    assert disable.after["scope"] == first.after["scope"]  # the CLI keeps the scope


def test_the_portal_catalog_shows_a_scoped_department_only_to_those_it_is_for(
        tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, database_url="",
                             catalog_dirs=[DEMO_CATALOG_DIR])
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    store = DatabaseEnablement(lambda: session_scope(engine))
    plugins = plugins_from_settings(settings, enablement=store, load_entrypoints=True)

    def sees_it(company: str) -> bool:
        return any(i.department == "it"
                   for i in plugins.catalog_items(viewer=Viewer(company=company)))

    assert sees_it("store-012") and sees_it("store-001") and sees_it("head-office")
    store.set_department_enablement("it", enabled=True, actor="it-agent",
                                    scope=DepartmentScope(companies=("store-012",)))
    assert sees_it("store-012") and not sees_it("store-001") and not sees_it("head-office")
    store.set_department_enablement("it", enabled=True, actor="it-agent",
                                    scope=DepartmentScope(tiers=("flagship",), head_office=True))
    assert sees_it("store-001") and sees_it("head-office") and not sees_it("store-012")
    store.set_department_enablement("it", enabled=True, actor="it-agent",
                                    scope=DepartmentScope())
    assert sees_it("store-012") and sees_it("store-001")


def test_requeue_refuses_a_parked_request_that_already_has_its_ticket(tmp_path: Path) -> None:
    import pytest

    from radiant_ext.store import Outbox, OutboxState, TicketCache
    from radiant_ext.sync import requeue_parked
    from radiant_ext.sync.errors import AlreadyFiledError

    engine = _engine(tmp_path)
    with session_scope(engine) as s:
        s.add(Outbox(request_id="RQ-TWICE", state=OutboxState.PARKED, customer_user="c",
                     title="t", payload={}, last_error="parked"))
        s.add(TicketCache(ticket_id=77, ticket_number="2026120510000077", request_id="RQ-TWICE"))
    with session_scope(engine) as s, pytest.raises(AlreadyFiledError, match="2026120510000077"):
        requeue_parked(s, "RQ-TWICE", actor="it-agent")
    with session_scope(engine) as s:
        assert s.scalar(select_state("RQ-TWICE")) == OutboxState.PARKED


def select_state(request_id: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from radiant_ext.store import Outbox

    return select(Outbox.state).where(Outbox.request_id == request_id)


def test_the_demo_names_a_companion_admin_and_two_department_admins(tmp_path: Path) -> None:
    from radiant_ext.cli.portal import DEMO_LOGINS, _demo_settings
    from radiant_ext.portal.admin import admin_settings

    settings = admin_settings(_demo_settings(tmp_path, "http://127.0.0.1:1"))
    role = settings.role("it-agent")
    assert role is not None and role.may("it") and not role.may("hr")
    companion = settings.role("demo-agent")
    assert companion is not None and companion.may("hr") and companion.may("it")
    assert settings.role("store-manager") is None
    assert {"it-agent", "hr-agent"} <= {login for _who, login, _pw in DEMO_LOGINS}


def test_the_cli_lists_for_whom_each_department_is_and_keeps_the_scope(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from click.testing import CliRunner

    from radiant_ext.cli import build_cli

    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RADIANT_DATABASE_URL", "")
    monkeypatch.setenv("RADIANT_CATALOG_DIRS", json.dumps([str(DEMO_CATALOG_DIR)]))
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    with session_scope(engine) as s:
        set_department_enablement(s, "it", enabled=True, actor="it-agent", scope=DepartmentScope(
            tiers=("flagship",), companies=("store-012",), head_office=True))
    runner = CliRunner()
    assert runner.invoke(build_cli(), ["plugins", "disable", "--department", "it"]).exit_code == 0
    out = runner.invoke(build_cli(), ["plugins", "--json"]).output
    rows = {r["department"]: r for r in json.loads(out) if r["department"]}
    assert rows["it"]["state"] == "disabled"
    assert rows["it"]["for"] == "tiers flagship; store-012; head office"
    assert rows["hr"]["for"] == "everyone"
