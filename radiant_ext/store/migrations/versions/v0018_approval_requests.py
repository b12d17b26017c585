"""approval requests: requests waiting for an approver's decision

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 19:00:00

``approval_request`` keeps, per request of an item that needs approval, who may decide it
(resolved when it was filed), the answers shown to them, the decision once made, and when
the reminder and the escalation were sent (docs/catalogs.md, "Approvals").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.models import UTCDateTime

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'approval_request',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('ticket_id', sa.BigInteger(), nullable=True),
        sa.Column('ticket_number', sa.String(length=64), nullable=True),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('requester', sa.String(length=200), nullable=False),
        sa.Column('requester_name', sa.String(length=400), nullable=False),
        sa.Column('store', sa.String(length=200), nullable=True),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=True),
        sa.Column('role', sa.String(length=250), nullable=False),
        sa.Column('approvers', sa.JSON(), nullable=False),
        sa.Column('approver_keys', sa.String(length=4000), nullable=False),
        sa.Column('waiting_state', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('filed_at', UTCDateTime(), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('reminded_at', UTCDateTime(), nullable=True),
        sa.Column('escalated_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_request')),
        sa.UniqueConstraint('request_id', name=op.f('uq_approval_request_request_id')),
    )
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_request_ticket_id'), ['ticket_id'],
                              unique=False)
        batch_op.create_index('ix_approval_request_waiting', ['decision', 'filed_at'],
                              unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('approval_request', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_request_waiting')
        batch_op.drop_index(batch_op.f('ix_approval_request_ticket_id'))
    op.drop_table('approval_request')
