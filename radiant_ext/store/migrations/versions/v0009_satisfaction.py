"""satisfaction: the requester's rating of a solved request, and the rating links sent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 05:50:00

``satisfaction_rating`` holds one rating (1-5, an optional comment) per ticket with the item,
store, department and owner it was given for, and whether its article is in Znuny yet
(``recorded_at``). ``satisfaction_invite`` records the rating link sent for a ticket and when
it was used (docs/satisfaction.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'satisfaction_rating',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=False),
        sa.Column('ticket_number', sa.String(length=64), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('item', sa.String(length=200), nullable=True),
        sa.Column('store', sa.String(length=200), nullable=True),
        sa.Column('department', sa.String(length=100), nullable=True),
        sa.Column('owner', sa.String(length=200), nullable=True),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('rated_at', sa.DateTime(), nullable=False),
        sa.Column('rated_by', sa.String(length=200), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('follow_up', sa.String(length=16), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_rating')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_satisfaction_rating_ticket_id')),
    )
    with op.batch_alter_table('satisfaction_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_rating_item'), ['item'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_rating_store'), ['store'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_rating_rated_at'), ['rated_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_rating_recorded_at'),
                              ['recorded_at'], unique=False)
    op.create_table(
        'satisfaction_invite',
        sa.Column('ticket_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('customer_user', sa.String(length=200), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_satisfaction_invite')),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table('satisfaction_invite')
    with op.batch_alter_table('satisfaction_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_rating_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_rating_rated_at'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_rating_store'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_rating_item'))
    op.drop_table('satisfaction_rating')
