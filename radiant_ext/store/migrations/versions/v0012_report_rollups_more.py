"""report roll-ups with the satisfaction ratings: rated, rating sum and poor per cell

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 14:50:00

``report_cell`` gains ``rated``, ``rating_sum`` and ``poor``, and the histograms' group sums
``r_g0`` … ``s_g7`` (a percentile reads its group's buckets only); ``report_contribution`` the
ticket's ``rating`` and the owner it was rated for (``rating_owner``). Triggers on
``satisfaction_rating`` record a rating given, changed or removed in ``report_dirty``, and
``ix_satisfaction_rating_worst`` (rating, rated_at) lets the worst-rated comments report read
its 50 rows instead of the period. The roll-ups' rule version changes with this revision, so
they are rebuilt (``radiant-ext report-rebuild`` or the ``report-rollups`` job) before pages
read them again (docs/reports.md, "Roll-ups").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.rollups import (
    GROUP_COLUMNS,
    drop_rating_trigger_statements,
    rating_trigger_statements,
)

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('report_cell', schema=None) as batch_op:
        for name in ('rated', 'rating_sum', 'poor', *GROUP_COLUMNS):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0',
                                          nullable=False))
    with op.batch_alter_table('report_contribution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('rating_owner', sa.String(length=200), server_default='',
                                      nullable=False))
    with op.batch_alter_table('satisfaction_rating', schema=None) as batch_op:
        batch_op.create_index('ix_satisfaction_rating_worst', ['rating', 'rated_at'],
                              unique=False)
    for statement in rating_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    for statement in drop_rating_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('satisfaction_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_satisfaction_rating_worst')
    with op.batch_alter_table('report_contribution', schema=None) as batch_op:
        batch_op.drop_column('rating_owner')
        batch_op.drop_column('rating')
    with op.batch_alter_table('report_cell', schema=None) as batch_op:
        for name in (*reversed(GROUP_COLUMNS), 'poor', 'rating_sum', 'rated'):
            batch_op.drop_column(name)
