"""ticket cache: last known deadlines beside Znuny's current ones

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:50:00

Znuny clears a ticket's response escalation time after the first answer and its solution
escalation time on close. ``first_response_deadline`` and ``solution_deadline`` now keep the
last known value (what the reports judge against); Znuny's current values get their own columns
(what the deadline watch acts on). Existing rows start with both equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import radiant_ext.store.models

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('ticket_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('znuny_first_response_deadline',
                                      radiant_ext.store.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('znuny_solution_deadline',
                                      radiant_ext.store.models.UTCDateTime(), nullable=True))
    op.execute("UPDATE ticket_cache SET znuny_first_response_deadline = first_response_deadline,"
               " znuny_solution_deadline = solution_deadline")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('ticket_cache', schema=None) as batch_op:
        batch_op.drop_column('znuny_solution_deadline')
        batch_op.drop_column('znuny_first_response_deadline')
