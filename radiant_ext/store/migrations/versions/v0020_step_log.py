"""step log: every entry of a catalogued ticket into an open state

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 21:30:00

``step_entry`` keeps one row per entry of a ticket with a catalog item into an open state
(entered, left, the state it went to), kept by the ticket pull, the outbox, the workflow
guard and the state-update webhook, for the ``time-per-step`` report (docs/reports.md,
"Workflow steps"). The open tickets the cache holds start their current entry from the
cache's ``state_since``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.models import UTCDateTime

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'step_entry',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=200), nullable=False),
        sa.Column('entered_at', UTCDateTime(), nullable=False),
        sa.Column('left_at', UTCDateTime(), nullable=True),
        sa.Column('next_state', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_step_entry')),
    )
    with op.batch_alter_table('step_entry', schema=None) as batch_op:
        batch_op.create_index('ix_step_entry_ticket', ['ticket_id', 'left_at'], unique=False)
        batch_op.create_index('ix_step_entry_left', ['left_at'], unique=False)
    op.execute(
        "INSERT INTO step_entry (ticket_id, item, state, entered_at) "
        "SELECT ticket_id, category, state, state_since FROM ticket_cache "
        "WHERE category IS NOT NULL AND category <> '' AND state_since IS NOT NULL "
        "AND state_type IN ('new', 'open', 'pending reminder', 'pending auto')")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('step_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_step_entry_left')
        batch_op.drop_index('ix_step_entry_ticket')
    op.drop_table('step_entry')
