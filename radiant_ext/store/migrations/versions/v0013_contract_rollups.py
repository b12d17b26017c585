"""contract roll-ups: penalty and outage figures of settled tickets per block of days

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 14:50:00

``contract_cell`` sums, ``contract_contribution`` what each settled ticket added,
``contract_live`` the tickets read live, ``contract_dirty`` the changes not yet taken in
(filled by triggers of their own on ``ticket_cache``), ``contract_rollup_state`` the
fingerprint of the settings and the time they were built for. The tables start empty: the
penalty and downtime pages read the ticket cache as before until ``radiant-ext
report-rebuild`` (or the sync job's ``report-rollups``) builds them (docs/reports.md,
"Contract roll-ups").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.contract_rollups import (
    contract_drop_trigger_statements,
    contract_trigger_statements,
)

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'contract_cell',
        sa.Column('family', sa.String(length=1), nullable=False),
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('k1', sa.String(length=200), nullable=False),
        sa.Column('k2', sa.String(length=200), nullable=False),
        sa.Column('tickets', sa.Integer(), nullable=False),
        sa.Column('missed', sa.Integer(), nullable=False),
        sa.Column('late_hours', sa.BigInteger(), nullable=False),
        sa.Column('seconds', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('family', 'level', 'start', 'k1', 'k2',
                                name=op.f('pk_contract_cell')),
    )
    op.create_table(
        'contract_contribution',
        sa.Column('ticket_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('family', sa.String(length=1), nullable=False),
        sa.Column('k1', sa.String(length=200), nullable=False),
        sa.Column('k2', sa.String(length=200), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('tickets', sa.SmallInteger(), nullable=False),
        sa.Column('missed', sa.SmallInteger(), nullable=False),
        sa.Column('late_hours', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('ticket_id', 'family', 'k1',
                                name=op.f('pk_contract_contribution')),
    )
    op.create_table(
        'contract_live',
        sa.Column('ticket_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_contract_live')),
    )
    op.create_table(
        'contract_dirty',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_dirty')),
    )
    op.create_table(
        'contract_rollup_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=True),
        sa.Column('as_of', sa.DateTime(), nullable=True),
        sa.Column('built_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_rollup_state')),
    )
    for statement in contract_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    for statement in contract_drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    for table in ('contract_rollup_state', 'contract_dirty', 'contract_live',
                  'contract_contribution', 'contract_cell'):
        op.drop_table(table)
