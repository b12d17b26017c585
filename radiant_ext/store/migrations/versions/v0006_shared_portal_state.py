"""shared portal state: sessions, login failures, webhook announcements

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 01:43:08

What several portal hosts must share lives in the store's database (PostgreSQL when there is
more than one host): the portal and reports sessions, the failed logins the limiter counts,
and the tickets the webhook has told the plugins about.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.models import UTCDateTime

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)
        batch_op.create_index('ix_login_failure_key_at', ['key', 'at'], unique=False)

    op.create_table('portal_session',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('gi_session_id', sa.String(length=255), nullable=False),
    sa.Column('customer', sa.JSON(), nullable=False),
    sa.Column('created', sa.Float(), nullable=False),
    sa.Column('last_seen', sa.Float(), nullable=False),
    sa.Column('last_checked', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_portal_session'))
    )
    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_session_last_seen'), ['last_seen'], unique=False)

    op.create_table('ticket_announcement',
    sa.Column('ticket_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('announced_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_announcement'))
    )
    with op.batch_alter_table('ticket_announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_announcement_announced_at'), ['announced_at'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('ticket_announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_announcement_announced_at'))

    op.drop_table('ticket_announcement')
    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_session_last_seen'))

    op.drop_table('portal_session')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_key_at')
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))

    op.drop_table('login_failure')
