"""month changes: the store × item keys each version of a month's outage cells changed

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 05:00:00

A downtime page priced a changed month's every store × item sum again — a few thousand for a
chain's newest month at a million tickets. ``contract_month_change`` names the keys each
version of a month changed (the refresh writes them with the version), so a page brings the
figures it kept for an older version up to date by pricing the changed keys alone. It starts
empty: versions made before it are priced again in full, once.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'contract_month_change',
        sa.Column('month', sa.Date(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('k1', sa.String(length=200), nullable=False),
        sa.Column('k2', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('month', 'version', 'k1', 'k2',
                                name=op.f('pk_contract_month_change')),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table('contract_month_change')
