"""report_live copies the state: the open tickets' step and time in it beside the roll-ups

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 15:50:00

The pages of open tickets (``steps-now`` and the item choices of the step pages) group every
open ticket by its state and measure its time since ``state_since``; they read those two
columns from the cache by the open tickets' ids, a thousand lookups in the million-row
cache per page. ``report_live`` (every open ticket is live) gains copies of ``state`` and
``state_since``, filled here from the cache, and the ``report_dirty`` update trigger watches
both, so the refresh keeps the copies as it keeps the others (``LIVE_COPIED``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.migrations.versions.v0011_report_rollups import WATCHED as WATCHED_0011
from radiant_ext.store.models import UTCDateTime
from radiant_ext.store.rollups import watch_statements

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = WATCHED_0011
"""The columns the update trigger watched up to 0024 (those revision 0011 made it watch)."""
WATCHED = (*BEFORE, "state", "state_since")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('report_live', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('state_since', UTCDateTime(), nullable=True))
    op.execute("UPDATE report_live SET " + ", ".join(
        f"{name} = (SELECT t.{name} FROM ticket_cache t "
        "WHERE t.ticket_id = report_live.ticket_id)" for name in ('state', 'state_since')))
    for statement in watch_statements(op.get_bind().dialect.name, "report_dirty", WATCHED):
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    for statement in watch_statements(op.get_bind().dialect.name, "report_dirty", BEFORE):
        op.execute(statement)
    with op.batch_alter_table('report_live', schema=None) as batch_op:
        batch_op.drop_column('state_since')
        batch_op.drop_column('state')
