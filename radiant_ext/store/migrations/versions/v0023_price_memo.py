"""price memo: the downtime pages' priced months, valid while their cells stay the same

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 10:50:00

The downtime pages priced every store × item × month sum of the period's settled outage cells
on every view: some 40,000 at a million tickets, three to five times what they cost at ten
thousand. ``contract_month_version`` counts the changes of each month's outage cells (the
refresh adds one to a month it changes), and ``contract_price_memo`` keeps a month's priced
figures — its totals per currency, or its dearest rows — with the version they were read at,
so a page prices again only the months that changed since (usually the newest) and corrects
the rest for the live tickets' outages. Both start empty: the first view of each month fills
them.
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


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('contract_price_memo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_price_memo_month'))
    op.drop_table('contract_price_memo')
    op.drop_table('contract_month_version')
