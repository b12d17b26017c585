"""Fixtures for the report tests: a migrated ticket cache (SQLite, PostgreSQL), a row factory."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.reports import ItemDirectory, ReportSettings
from radiant_ext.store import TicketCache
from tests._store_fixtures import ENGINE_PARAMS, store_engine

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 12:00 in Moscow
DIRECTORY = ItemDirectory(
    items={"it.pos-down": ("it", "Cash register is down"),
           "it.receipt-printer": ("it", "Receipt printer"),
           "maintenance.hvac": ("maintenance", "Air conditioning"),
           "hr.vacation-request": ("hr", "Vacation request")},
    departments={"it": "IT", "maintenance": "Maintenance", "hr": "HR"},
    stores={"store-001": "Store 001 Moscow Tverskaya", "store-007": "Store 007 Kazan"},
)

MakeTicket = Callable[..., TicketCache]


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A store migrated to head: an SQLite file, or a fresh schema on PostgreSQL."""
    with store_engine(request.param, tmp_path, suite="report", prefix="r_") as eng:
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """An ORM session on the store; rows added with ``make_ticket`` are flushed at once."""
    with Session(engine) as s:
        yield s


@pytest.fixture
def make_ticket(session: Session) -> MakeTicket:
    """Add one cache row; keyword arguments override the defaults (an open IT ticket)."""
    ids = itertools.count(1)

    def make(**fields: Any) -> TicketCache:
        tid = next(ids)
        values: dict[str, Any] = dict(
            ticket_id=tid, ticket_number=f"2026112310{tid:06d}", title="t", state="open",
            state_type="open", queue="IT::Stores", category="it.pos-down", store="store-001",
            customer_id="store-001", owner="it-agent", created=NOW)
        values.update(fields)
        if values.get("closed") is not None and "state_type" not in fields:
            values["state_type"], values["state"] = "closed", "closed successful"
        row = TicketCache(**values)
        session.add(row)
        session.flush()
        return row

    return make


@pytest.fixture
def report_settings() -> ReportSettings:
    """Report settings with the demo manager and a 6-hour maintenance contract."""
    return ReportSettings.model_validate({
        "managers": {"store-007": ["store-manager"]},
        "penalties": [{"id": "maint-6h", "title": "Service company",
                       "sla": ["Maintenance contract"], "kind": "per_hour",
                       "amount_per_hour": 500, "cap_amount": 2000}],
    })
