"""report pairs: report_cell keys wide enough for a store × item pair

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 16:15:00

The ``recurring`` report reads the ``pair`` and ``pairsum`` cubes of ``report_cell`` (a store
id and an item id, up to 200 characters each, and a separator), so the key column grows from
200 to 401 characters (on SQLite the cells are emptied first), and the running totals get
a covering index, ``ix_report_cell_pairsum``. The roll-ups' rule version 4
makes the ``report-rollups`` job rebuild them once after the upgrade (docs/reports.md,
"Roll-ups").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key_length(before: int, after: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite copies the table to change a column: the cells go first (the rule version
        # keeps them unread until the rebuild that makes them again).
        op.execute("DELETE FROM report_cell")
    with op.batch_alter_table('report_cell') as batch:
        batch.alter_column('key', type_=sa.String(length=after),
                           existing_type=sa.String(length=before), existing_nullable=False)


def upgrade() -> None:
    """Apply this revision."""
    _key_length(200, 401)
    op.create_index('ix_report_cell_pairsum', 'report_cell',
                    ['cube', 'level', 'start', 'key', 'tickets'],
                    sqlite_where=sa.text("cube = 'pairsum'"),
                    postgresql_where=sa.text("cube = 'pairsum'"))


def downgrade() -> None:
    """Revert this revision: the pair cubes go, then the keys shrink back."""
    op.drop_index('ix_report_cell_pairsum', table_name='report_cell')
    op.execute("DELETE FROM report_cell WHERE cube IN ('pair', 'pairsum')")
    _key_length(401, 200)
