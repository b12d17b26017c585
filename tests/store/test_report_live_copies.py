"""Migrations 0024 and 0025: the live tickets of the report roll-ups carry a copy of their cache
columns (0025: the state and the time the ticket entered it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, text

from radiant_ext.reports.rollups import SOURCE, _live_row
from radiant_ext.store import ReportLive, TicketCache, upgrade_database


def test_the_migration_copies_the_live_tickets_from_the_cache(db_engine: Engine) -> None:
    """Live tickets listed before the copies existed get them from their cache rows, as the
    refresh writes them: the keys unchanged, the cache's store kept apart from the key."""
    upgrade_database(db_engine, "0023")
    created = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    base = dict(ticket_number="n", title="t", queue="q", created=created, owner="it-agent",
                closed=None, first_response_at=None, first_response_minutes=None,
                solution_minutes=None, first_response_deadline=None, promised_deadline=None,
                solution_deadline=None)
    rows = [
        dict(base, ticket_id=1, state="pending reminder", state_type="pending reminder",
             state_since=created + timedelta(hours=3), category="it.pos-down",
             store="store-007", customer_id="chain",
             first_response_at=created + timedelta(minutes=12), first_response_minutes=12,
             first_response_deadline=created + timedelta(hours=1),
             promised_deadline=created + timedelta(hours=4),
             solution_deadline=created + timedelta(hours=8)),
        dict(base, ticket_id=2, state="closed", state_type="closed", category=None,
             store=None, customer_id="store-009", closed=created + timedelta(days=2),
             solution_minutes=2880, solution_deadline=created + timedelta(days=1)),
    ]
    with db_engine.begin() as conn:
        for row in rows:
            conn.execute(insert(TicketCache.__table__).values(**row))
        conn.execute(text("INSERT INTO report_live (ticket_id, item, store) "
                          "VALUES (1, 'it.pos-down', 'store-007'), (2, '', 'store-009')"))
    assert upgrade_database(db_engine) is not None
    with db_engine.connect() as conn:
        found = {r.ticket_id: dict(r._mapping) for r in conn.execute(select(ReportLive))}
        expected = {r.ticket_id: _live_row(r) for r in conn.execute(select(*SOURCE))}
    assert found == expected
    assert (found[1]["ticket_store"], found[1]["store"], found[1]["first_response_minutes"]) == (
        "store-007", "store-007", 12)
    assert (found[1]["state"], found[1]["state_since"]) == (
        "pending reminder", created + timedelta(hours=3))
    assert (found[2]["ticket_store"], found[2]["store"], found[2]["closed"]) == (
        None, "store-009", created + timedelta(days=2))
