"""outbox waiting indexes: the lists' waiting requests without the confirmed ones

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 07:20:00

The outbox keeps a row for every request the portal filed, so at a million requests it holds
a million confirmed rows. Every list page adds the customer's waiting requests — those not
confirmed yet, and those confirmed in the last two days that the ticket cache lacks — and read
them with a condition no index served, every confirmed row of the outbox each time.
``ix_outbox_waiting`` holds the unconfirmed rows alone (a partial index: ``state <> 'sent'``,
by filing time), ``ix_outbox_state_created`` (state, created_at) gives the chain's
confirmed rows of the last two days as one index range, and ``ix_outbox_login_state``
(customer_user, state, created_at) one login's, unconfirmed or lately confirmed; it replaces
``ix_outbox_customer_user``, whose look-ups by login it serves too (SQLite read the login's
whole history through it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

WAITING_SQL = "state <> 'sent'"
"""As ``radiant_ext.store.models.WAITING_SQL`` at this revision."""

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # no batch: on SQLite a batch would copy the whole outbox for one index
    op.create_index('ix_outbox_waiting', 'outbox', ['created_at'], unique=False,
                    sqlite_where=sa.text(WAITING_SQL), postgresql_where=sa.text(WAITING_SQL))
    op.create_index('ix_outbox_state_created', 'outbox', ['state', 'created_at'], unique=False)
    op.create_index('ix_outbox_login_state', 'outbox', ['customer_user', 'state', 'created_at'],
                    unique=False)
    op.drop_index('ix_outbox_customer_user', table_name='outbox')


def downgrade() -> None:
    """Revert this revision."""
    op.create_index('ix_outbox_customer_user', 'outbox', ['customer_user'], unique=False)
    op.drop_index('ix_outbox_login_state', table_name='outbox')
    op.drop_index('ix_outbox_state_created', table_name='outbox')
    op.drop_index('ix_outbox_waiting', table_name='outbox')
