"""price memo and live figures: the downtime pages' priced months, the live tickets' columns

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 10:50:00

The downtime pages priced every store × item × month sum of the period's settled outage cells
on every view: some 40,000 at a million tickets, three to five times what they cost at ten
thousand. ``contract_month_version`` counts the changes of each month's outage cells (the
refresh adds one to a month it changes), and ``contract_price_memo`` keeps a month's priced
figures — its totals per currency, or its dearest rows — with the version they were read at,
so a page prices again only the months that changed since. Both start empty: the first view
of each month fills them.

``contract_live`` gains the cache columns the contract figures read (item, store, SLA, state
type, creation, change, close, solution deadline), filled here from the cache and kept by the
refresh: the pages read the live tickets' outages and penalties from it instead of looking
each one up in the million-row cache, twice a page.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.models import UTCDateTime

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'contract_month_version',
        sa.Column('month', sa.Date(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_contract_month_version')),
    )
    op.create_table(
        'contract_price_memo',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('stored_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_contract_price_memo')),
    )
    with op.batch_alter_table('contract_price_memo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_price_memo_month'), ['month'],
                              unique=False)
    with op.batch_alter_table('contract_live', schema=None) as batch_op:
        for name in ('item', 'store', 'sla', 'state_type'):
            batch_op.add_column(sa.Column(name, sa.String(length=200), nullable=True))
        for name in ('created', 'changed', 'closed', 'deadline'):
            batch_op.add_column(sa.Column(name, UTCDateTime(), nullable=True))
    columns = {'item': 't.category', 'store': 'coalesce(t.store, t.customer_id)', 'sla': 't.sla',
               'state_type': 't.state_type', 'created': 't.created', 'changed': 't.changed',
               'closed': 't.closed',
               'deadline': 'coalesce(t.promised_deadline, t.solution_deadline)'}
    op.execute("UPDATE contract_live SET " + ", ".join(
        f"{name} = (SELECT {value} FROM ticket_cache t "
        "WHERE t.ticket_id = contract_live.ticket_id)" for name, value in columns.items()))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('contract_live', schema=None) as batch_op:
        for name in ('deadline', 'closed', 'changed', 'created', 'state_type', 'sla', 'store',
                     'item'):
            batch_op.drop_column(name)
    with op.batch_alter_table('contract_price_memo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_price_memo_month'))
    op.drop_table('contract_price_memo')
    op.drop_table('contract_month_version')
