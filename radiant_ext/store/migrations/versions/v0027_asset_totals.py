"""asset totals: every device's tickets as running totals in one row per 8-day block

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 02:00:00

The ``assets`` page grouped a period's asset index rows by device: one index row per asset
ticket, some 27,000 a year for a chain's tills. ``report_asset_total`` keeps every device's
tickets up to the end of each 8-day block of UTC days as one packed row, in the order of the
devices in ``report_asset_keys``, made here from the index rows already there (as a rebuild of
the index makes them); the page reads two rows and the days at a period's edges. The open
tickets of a period are counted from their own rows: ``ix_report_asset_open``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.reports.asset_totals import build_asset_totals

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('report_asset_total',
                    sa.Column('start', sa.Date(), nullable=False),
                    sa.Column('tickets', sa.LargeBinary(), nullable=False),
                    sa.PrimaryKeyConstraint('start', name=op.f('pk_report_asset_total')))
    op.create_table('report_asset_keys',
                    sa.Column('id', sa.SmallInteger(), autoincrement=False, nullable=False),
                    sa.Column('keys', sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_asset_keys')))
    op.create_index('ix_report_asset_open', 'report_asset', ['open', 'created', 'device'])
    build_asset_totals(op.get_bind())


def downgrade() -> None:
    """Revert this revision: the totals and their index go; the index rows stay as the
    older code keeps them."""
    op.drop_index('ix_report_asset_open', table_name='report_asset')
    op.drop_table('report_asset_keys')
    op.drop_table('report_asset_total')
