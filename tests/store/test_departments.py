"""Department enablement, catalog item states, cursors and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine

from radiant_ext.store import (
    get_catalog_item_states,
    get_cursor,
    get_department_states,
    is_department_enabled,
    recent_audit,
    session_scope,
    set_catalog_item_state,
    set_cursor,
    set_department_enabled,
)


def test_disabling_a_department_is_remembered_with_who_and_when(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert is_department_enabled(s, "hr") is True
        set_department_enabled(s, "hr", False, actor="admin")
    with session_scope(engine) as s:
        states = get_department_states(s)
        assert states["hr"].enabled is False
        assert states["hr"].changed_by == "admin"
        assert states["hr"].changed_at.tzinfo is not None
        assert is_department_enabled(s, "hr") is False
        assert is_department_enabled(s, "it", default=False) is False
        set_department_enabled(s, "hr", True, actor="boss")
    with session_scope(engine) as s:
        assert get_department_states(s)["hr"].changed_by == "boss"
        actions = [e.action for e in recent_audit(s)]
        assert actions == ["department.enable", "department.disable"]


def test_catalog_item_state_changes_only_when_something_changed(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert set_catalog_item_state(s, "it.pos-down", True, None) is False
        assert set_catalog_item_state(s, "it.pos-down", False, "queue IT is gone") is True
        assert set_catalog_item_state(s, "it.pos-down", False, "queue IT is gone") is False
    with session_scope(engine) as s:
        row = get_catalog_item_states(s)["it.pos-down"]
        assert (row.enabled, row.reason) == (False, "queue IT is gone")
        assert set_catalog_item_state(s, "it.pos-down", True, None) is True
    with session_scope(engine) as s:
        assert get_catalog_item_states(s)["it.pos-down"].enabled is True
        assert len(recent_audit(s, action="catalog_item.disable")) == 1


def test_cursor_round_trips_as_aware_utc(engine: Engine) -> None:
    moscow = timezone(timedelta(hours=3))
    with session_scope(engine) as s:
        assert get_cursor(s, "tickets") is None
        set_cursor(s, "tickets", datetime(2026, 5, 1, 15, 0, tzinfo=moscow))
    with session_scope(engine) as s:
        assert get_cursor(s, "tickets") == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        set_cursor(s, "tickets", None)
    with session_scope(engine) as s:
        assert get_cursor(s, "tickets") is None


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    try:
        with session_scope(engine) as s:
            set_department_enabled(s, "legal", False, actor="admin")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with session_scope(engine) as s:
        assert "legal" not in get_department_states(s)
