"""outbox and ticket cache: the request form's values

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:00:00

The portal's form values (serial numbers, register numbers, …) are kept with the outbox row
and copied into the ticket cache by the ticket pull, for the per-asset report.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_values', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('ticket_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_values', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('ticket_cache', schema=None) as batch_op:
        batch_op.drop_column('form_values')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('form_values')
