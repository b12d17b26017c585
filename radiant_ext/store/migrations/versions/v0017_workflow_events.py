"""workflow events: refused moves, step reminders and escalations, customers' languages

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 18:30:00

``workflow_event`` records, once per ticket, a move outside an item's workflow that was put
back, a step's reminder and escalation (per entry into the step), and the moves the portal
makes for a requester (so that they are not taken for refused ones). ``customer_language``
remembers the language a customer user last used the portal in, for the reminders sent to
them (docs/deadlines.md, "Step limits").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.models import UTCDateTime

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'workflow_event',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=500), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=True),
        sa.Column('from_state', sa.String(length=200), nullable=True),
        sa.Column('to_state', sa.String(length=200), nullable=True),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('since', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('done_at', UTCDateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_event')),
        sa.UniqueConstraint('ticket_id', 'kind', 'key',
                            name=op.f('uq_workflow_event_ticket_id')),
    )
    with op.batch_alter_table('workflow_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_event_ticket_id'), ['ticket_id'],
                              unique=False)
        batch_op.create_index('ix_workflow_event_pending', ['kind', 'done_at'], unique=False)
    op.create_table(
        'customer_language',
        sa.Column('customer_user', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('seen_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('customer_user', name=op.f('pk_customer_language')),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table('customer_language')
    with op.batch_alter_table('workflow_event', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_event_pending')
        batch_op.drop_index(batch_op.f('ix_workflow_event_ticket_id'))
    op.drop_table('workflow_event')
