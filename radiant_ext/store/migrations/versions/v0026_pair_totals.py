"""pair totals: the running totals of every store × item pair in one row per 8-day block

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 23:00:00

``recurring`` read the running totals of the ``pair`` cube as one ``report_cell`` row per pair
and month (cube ``pairsum``): two index rows per pair, some 24,000 a page for a chain of 500
stores, and the days of a partial month at either end of a period up to 15 days of ``pair``
cells. ``report_pair_total`` holds them as one row per 8-day block, every pair's total packed
in the order of the keys in ``report_pair_keys``, made here from the ``pair`` cube's block
cells (as a rebuild makes them); the ``pairsum`` rows and their index go. On PostgreSQL the
``pair`` cells get a covering index, ``ix_report_cell_pair``, for the days at a period's
edges.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.reports.pair_prefix import build_prefix

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = sa.text("cube = 'pairsum'")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('report_pair_total',
                    sa.Column('start', sa.Date(), nullable=False),
                    sa.Column('tickets', sa.LargeBinary(), nullable=False),
                    sa.PrimaryKeyConstraint('start', name=op.f('pk_report_pair_total')))
    op.create_table('report_pair_keys',
                    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
                    sa.Column('keys', sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_pair_keys')))
    build_prefix(op.get_bind())
    op.drop_index('ix_report_cell_pairsum', table_name='report_cell')
    op.execute("DELETE FROM report_cell WHERE cube = 'pairsum'")
    if op.get_bind().dialect.name == "postgresql":
        op.create_index('ix_report_cell_pair', 'report_cell', ['level', 'start', 'key', 'tickets'],
                        postgresql_where=sa.text("cube = 'pair'"))


def downgrade() -> None:
    """Revert this revision: the running totals go, and the roll-ups' state asks for the
    rebuild that makes the ``pairsum`` rows again."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_report_cell_pair', table_name='report_cell')
    op.drop_table('report_pair_keys')
    op.drop_table('report_pair_total')
    op.create_index('ix_report_cell_pairsum', 'report_cell', ['level', 'start', 'key', 'tickets'],
                    sqlite_where=_WHERE, postgresql_where=_WHERE)
    op.execute("UPDATE report_rollup_state SET version = 0")
