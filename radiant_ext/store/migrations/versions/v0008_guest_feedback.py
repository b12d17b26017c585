"""guest feedback: which stores take feedback from shoppers without an account

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 05:45:00

The public feedback page of a store (``/feedback/<store>``, docs/feedback.md) is off until an
admin enables it for that store: ``feedback_store`` holds the switch (who changed it and
when; the history is in the audit log). ``feedback_hit`` counts accepted guest submissions by
key (a client address, a store) so every portal host enforces the same rate limits.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'feedback_store',
        sa.Column('store', sa.String(length=100), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('changed_by', sa.String(length=200), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('store', name=op.f('pk_feedback_store')),
    )
    op.create_table(
        'feedback_hit',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_hit')),
    )
    with op.batch_alter_table('feedback_hit', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_hit_key_at', ['key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_hit_at'), ['at'], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('feedback_hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_hit_at'))
        batch_op.drop_index('ix_feedback_hit_key_at')
    op.drop_table('feedback_hit')
    op.drop_table('feedback_store')
