"""outbox: the ticket-id floor of each request

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 22:30:00

Finding a ticket an unconfirmed attempt may have made no longer compares Znuny's clock with
ours: each request keeps the highest Znuny ticket id the store knew when it was stored, and
only the customer's tickets above it are candidates. Rows stored before this revision have no
floor (0: all the customer's tickets are candidates).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id_floor', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_outbox_ticket_id', ['ticket_id'], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_ticket_id')
        batch_op.drop_column('ticket_id_floor')
