"""Migration 0023: the live tickets of the contract roll-ups carry the columns the pages read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, text

from radiant_ext.reports.contract_rollups import SOURCE, live_row
from radiant_ext.store import ContractLive, TicketCache, upgrade_database


def test_the_migration_fills_the_live_tickets_from_the_cache(db_engine: Engine) -> None:
    """Live tickets listed before the columns existed get them from their cache rows, as the
    refresh writes them: the store falls back to the company, the deadline to Znuny's."""
    upgrade_database(db_engine, "0022")
    created = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    base = dict(ticket_number="n", title="t", queue="q", created=created,
                changed=created + timedelta(hours=1), sla=None, closed=None,
                promised_deadline=None)
    rows = [
        dict(base, ticket_id=1, state="open", state_type="open", category="it.pos-down",
             store="store-007", customer_id="chain", sla="POS critical",
             promised_deadline=created + timedelta(hours=4),
             solution_deadline=created + timedelta(hours=8)),
        dict(base, ticket_id=2, state="closed", state_type="closed", category=None,
             store=None, customer_id="store-009", closed=created + timedelta(days=2),
             solution_deadline=created + timedelta(days=1)),
    ]
    with db_engine.begin() as conn:
        for row in rows:
            conn.execute(insert(TicketCache.__table__).values(**row))
        conn.execute(text("INSERT INTO contract_live (ticket_id) VALUES (1), (2)"))
    assert upgrade_database(db_engine) is not None
    with db_engine.connect() as conn:
        found = {r.ticket_id: dict(r._mapping) for r in conn.execute(select(ContractLive))}
        expected = {r.ticket_id: live_row(r) for r in conn.execute(select(*SOURCE))}
    assert found == expected
    assert (found[1]["store"], found[1]["deadline"]) == ("store-007", created + timedelta(hours=4))
    assert (found[2]["store"], found[2]["item"]) == ("store-009", None)
