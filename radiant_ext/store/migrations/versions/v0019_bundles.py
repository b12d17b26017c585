"""bundles: a request filed as a parent ticket and one ticket per part

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 19:30:00

``bundle`` keeps each bundle request (its parent's outbox reference, item, requester and
when the parent was closed because every part was); ``bundle_part`` each part with its
own outbox reference, title, text and the routing decided when it was filed
(docs/catalogs.md, "Bundles").
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.models import UTCDateTime

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'bundle',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('customer_user', sa.String(length=200), nullable=False),
        sa.Column('sender', sa.String(length=400), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('closed_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle')),
        sa.UniqueConstraint('request_id', name=op.f('uq_bundle_request_id')),
    )
    op.create_table(
        'bundle_part',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('bundle_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('department', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('answers', sa.JSON(none_as_null=True), nullable=True),
        sa.Column('decision', sa.JSON(), nullable=False),
        sa.Column('customer_id', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'],
                                name=op.f('fk_bundle_part_bundle_id_bundle')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_part')),
        sa.UniqueConstraint('request_id', name=op.f('uq_bundle_part_request_id')),
    )
    with op.batch_alter_table('bundle_part', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_part_bundle_id'), ['bundle_id'],
                              unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('bundle_part', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_part_bundle_id'))
    op.drop_table('bundle_part')
    op.drop_table('bundle')
