"""outbox waiting indexes: the lists' waiting requests without the confirmed ones

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 07:20:00

The outbox keeps a row for every request the portal filed, so at a million requests it holds
a million confirmed rows. Every list page adds the customer's waiting requests — those not
confirmed yet, and those confirmed in the last two days that the ticket cache lacks — and read
them with a condition no index served, every row of the outbox each time; the company list
also took the chain's newest waiting requests before keeping the company's.

``customer_id`` keeps the company a request was filed for (filled here from the payload's
``CustomerID``), and two indexes give a login's or a company's rows of one state by filing
time: ``ix_outbox_login_state`` (customer_user, state, created_at), which replaces
``ix_outbox_customer_user`` and serves its look-ups by login too (SQLite read a login's whole
history through it), and ``ix_outbox_company_state`` (customer_id, state, created_at).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # no batch: on SQLite a batch would copy the whole outbox
    op.add_column('outbox', sa.Column('customer_id', sa.String(length=200), nullable=True))
    outbox = sa.table('outbox', sa.column('payload', sa.JSON()),
                      sa.column('customer_id', sa.String()))
    op.execute(outbox.update().values(
        customer_id=outbox.c.payload[("ticket", "CustomerID")].as_string()))
    op.create_index('ix_outbox_login_state', 'outbox', ['customer_user', 'state', 'created_at'],
                    unique=False)
    op.create_index('ix_outbox_company_state', 'outbox', ['customer_id', 'state', 'created_at'],
                    unique=False)
    op.drop_index('ix_outbox_customer_user', table_name='outbox')


def downgrade() -> None:
    """Revert this revision."""
    op.create_index('ix_outbox_customer_user', 'outbox', ['customer_user'], unique=False)
    op.drop_index('ix_outbox_company_state', table_name='outbox')
    op.drop_index('ix_outbox_login_state', table_name='outbox')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('customer_id')
