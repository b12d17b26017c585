"""report roll-ups: settled tickets' figures per cube, block of days and key

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 11:50:00

``report_cell`` sums, ``report_contribution`` what each settled ticket added,
``report_live`` the tickets read live, ``report_dirty`` the changes not yet taken in (filled
by triggers on ``ticket_cache``), ``report_rollup_state`` the zone and time they were built
for. The tables start empty: reports read the ticket cache as before until
``radiant-ext report-rebuild`` (or the sync job's ``report-rollups``) builds them
(docs/reports.md, "Roll-ups").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.rollups import (
    HIST_COLUMNS,
    drop_trigger_statements,
    trigger_statements,
)

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("ticket_id", "state_type", "store", "customer_id", "category", "owner", "created",
           "closed", "first_response_at", "first_response_minutes", "solution_minutes",
           "first_response_deadline", "solution_deadline", "promised_deadline")
"""The cache columns this revision's triggers watch (0025 adds the state and its time)."""


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'report_cell',
        sa.Column('cube', sa.String(length=8), nullable=False),
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ('tickets', 'r_met', 'r_missed', 's_met', 's_missed')),
        *(sa.Column(name, sa.Integer(), server_default='0', nullable=False)
          for name in HIST_COLUMNS),
        sa.PrimaryKeyConstraint('cube', 'level', 'start', 'key', name=op.f('pk_report_cell')),
    )
    op.create_table(
        'report_contribution',
        sa.Column('ticket_id', sa.BigInteger(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Date(), nullable=False)
          for name in ('day', 'b1', 'b2', 'b3', 'month')),
        sa.Column('weekday_hour', sa.String(length=8), nullable=False),
        *(sa.Column(name, sa.String(length=200), nullable=False)
          for name in ('store', 'category', 'owner')),
        *(sa.Column(name, sa.SmallInteger(), nullable=False)
          for name in ('r_met', 'r_missed', 's_met', 's_missed')),
        sa.Column('r_bucket', sa.SmallInteger(), nullable=True),
        sa.Column('s_bucket', sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_report_contribution')),
    )
    op.create_table(
        'report_live',
        sa.Column('ticket_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_report_live')),
    )
    op.create_table(
        'report_dirty',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_dirty')),
    )
    op.create_table(
        'report_rollup_state',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('time_zone', sa.String(length=100), nullable=True),
        sa.Column('as_of', sa.DateTime(), nullable=True),
        sa.Column('built_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_rollup_state')),
    )
    for statement in trigger_statements(op.get_bind().dialect.name, WATCHED):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    for statement in drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    for table in ('report_rollup_state', 'report_dirty', 'report_live', 'report_contribution',
                  'report_cell'):
        op.drop_table(table)
