"""report keys: the item and store keys with month cells, and the live tickets' own keys

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 01:20:00

Every report page offers department and store choices made of the keys any ticket has.
They were read from the month cells (a ``DISTINCT`` over every store's months) and from the
cache rows of the live tickets (a join to the whole cache) on every page; at a million
tickets that was a quarter of what a page cost more than at ten thousand. ``report_key``
keeps the keys with month cells (filled here from the cells, kept with them), and
``report_live`` gains each live ticket's item and store (filled here from the cache).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'report_key',
        sa.Column('cube', sa.String(length=8), nullable=False),
        sa.Column('key', sa.String(length=401), nullable=False),
        sa.PrimaryKeyConstraint('cube', 'key', name=op.f('pk_report_key')),
    )
    with op.batch_alter_table('report_live', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('store', sa.String(length=200), nullable=True))
    op.execute(
        "INSERT INTO report_key (cube, \"key\") SELECT DISTINCT cube, \"key\" FROM report_cell "
        "WHERE cube IN ('item', 'store') AND level = 4")
    op.execute(
        "UPDATE report_live SET "
        "item = (SELECT t.category FROM ticket_cache t WHERE t.ticket_id = report_live.ticket_id), "
        "store = (SELECT coalesce(t.store, t.customer_id) FROM ticket_cache t "
        "WHERE t.ticket_id = report_live.ticket_id)")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('report_live', schema=None) as batch_op:
        batch_op.drop_column('store')
        batch_op.drop_column('item')
    op.drop_table('report_key')
