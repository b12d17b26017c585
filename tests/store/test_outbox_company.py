"""Migration 0022: the outbox keeps the company each request was filed for."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from radiant_ext.store import Outbox, upgrade_database


def test_the_migration_gives_every_stored_request_its_company(db_engine: Engine) -> None:
    """Requests stored before the column existed get the company from their payload (the
    company lists choose their waiting requests by it), and one without a company none."""
    upgrade_database(db_engine, "0021")
    now = datetime.now(UTC)
    base = {"state": "parked", "title": "old", "attempts": 1, "maybe_sent": False,
            "next_attempt_at": now, "created_at": now}
    table = Outbox.__table__
    with db_engine.begin() as conn:
        conn.execute(insert(table).values(
            request_id="RQ-STORE", customer_user="demo-customer",
            payload={"ticket": {"CustomerID": "store-007", "Title": "old"}}, **base))
        conn.execute(insert(table).values(
            request_id="RQ-NONE", customer_user="guest", payload={"ticket": {}}, **base))
    assert upgrade_database(db_engine) is not None
    with db_engine.connect() as conn:
        found = dict(conn.execute(select(table.c.request_id, table.c.customer_id)).all())
    assert found == {"RQ-STORE": "store-007", "RQ-NONE": None}
