"""department scope: for whom an enabled department's catalog is

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 05:20:00

A department admin enables a catalog for some store tiers, some companies or the head office
only (the admin area, docs/admin.md); the portal shows the department's items to those
customers only. NULL keeps the old meaning: everyone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('department_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('department_state', schema=None) as batch_op:
        batch_op.drop_column('scope')
