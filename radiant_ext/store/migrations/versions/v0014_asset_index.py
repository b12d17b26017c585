"""asset index: each ticket's serial numbers and asset models, kept current by triggers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 14:50:00

``report_asset`` one row per ticket and asset field, ``report_asset_dirty`` the changes not
yet taken in (filled by triggers on ``ticket_cache``), ``report_asset_state`` the asset fields
it was extracted by; and the index ``ix_ticket_cache_category_created`` (one item's tickets
of a period). The tables start empty: the ``assets`` report reads the ticket cache as before
until ``radiant-ext report-rebuild`` (or the sync job's ``report-rollups``) builds the index
(docs/reports.md, "Assets").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.assets import asset_drop_trigger_statements, asset_trigger_statements

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'report_asset',
        sa.Column('ticket_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('field', sa.String(length=100), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('value_key', sa.String(length=200), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('device', sa.BigInteger(), nullable=False),
        sa.Column('created', sa.DateTime(), nullable=True),
        sa.Column('store', sa.String(length=200), nullable=True),
        sa.Column('customer_id', sa.String(length=200), nullable=True),
        sa.Column('open', sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint('ticket_id', 'field', name=op.f('pk_report_asset')),
    )
    op.create_index('ix_report_asset_period', 'report_asset', ['created', 'device', 'open'])
    op.create_index('ix_report_asset_device', 'report_asset',
                    ['device', 'created', 'item', 'field', 'value'])
    op.create_index('ix_report_asset_store', 'report_asset', ['store', 'created'])
    op.create_index('ix_report_asset_customer', 'report_asset', ['customer_id', 'created'])
    op.create_table(
        'report_asset_dirty',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_asset_dirty')),
    )
    op.create_table(
        'report_asset_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('rule', sa.String(length=64), nullable=True),
        sa.Column('built_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_asset_state')),
    )
    op.create_index('ix_ticket_cache_category_created', 'ticket_cache', ['category', 'created'])
    for statement in asset_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    for statement in asset_drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index('ix_ticket_cache_category_created', table_name='ticket_cache')
    for table in ('report_asset_state', 'report_asset_dirty', 'report_asset'):
        op.drop_table(table)
