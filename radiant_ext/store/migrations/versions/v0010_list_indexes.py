"""list indexes: the portal's request lists served by index at any size of the ticket cache

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 11:30:00

Four columns the database computes from others (generated columns: every existing row has
them at once, and every writer fills them without knowing of them): ``list_login`` (the
customer login in lower case), ``list_store`` (``store``, else the customer company),
``list_open`` (the state type is not closed, removed or merged) and ``list_created``
(``created``, 1970 when unknown). Twelve composite indexes
start with the login or the company and the open flag and go on with a sort key and the
ticket id, so a list page (keyset pagination, ``docs/portal.md``) reads one short index
range in order instead of counting and sorting the customer's or company's whole history.
The single-column indexes on ``customer_id`` and ``customer_user_id`` go: the new ones serve
what they served.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ('list_login', sa.String(length=200), "lower(customer_user_id)"),
    ('list_store', sa.String(length=200), "coalesce(nullif(store, ''), customer_id)"),
    ('list_open', sa.Boolean(), "state_type NOT IN ('closed', 'removed', 'merged')"),
    ('list_created', sa.DateTime(), "coalesce(created, '1970-01-01 00:00:00.000000')"),
)
_INDEXES = {
    'created': ('list_created', 'ticket_id', 'title', 'ticket_number'),  # search: index only
    'category': ('category', 'list_created', 'ticket_id'),
    'store': ('list_store', 'list_created', 'ticket_id'),
    'deadline': ('promised_deadline', 'ticket_id'),
    'state': ('state', 'ticket_id'),
    'number': ('ticket_number', 'ticket_id'),
}
_SCOPES = (('login', 'list_login'), ('company', 'customer_id'))


def upgrade() -> None:
    """Apply this revision."""
    # Plain ADD COLUMN (no batch copy): SQLite adds a generated column only as VIRTUAL
    # (its indexes hold the values); PostgreSQL stores it, computed for every row now.
    stored = True if op.get_bind().dialect.name != 'sqlite' else None
    for name, type_, expression in _COLUMNS:
        op.add_column('ticket_cache', sa.Column(
            name, type_, sa.Computed(expression, persisted=stored), nullable=True))
    for who, scope in _SCOPES:
        for name, columns in _INDEXES.items():
            op.create_index(f'ix_ticket_cache_list_{who}_{name}', 'ticket_cache',
                            [scope, 'list_open', *columns], unique=False)
    # Replaced: the company indexes start with customer_id, the login ones with list_login;
    # two indexes fewer for every write of the sync pull.
    op.drop_index('ix_ticket_cache_customer_id', table_name='ticket_cache')
    op.drop_index('ix_ticket_cache_customer_user_id', table_name='ticket_cache')


def downgrade() -> None:
    """Revert this revision."""
    op.create_index('ix_ticket_cache_customer_user_id', 'ticket_cache', ['customer_user_id'],
                    unique=False)
    op.create_index('ix_ticket_cache_customer_id', 'ticket_cache', ['customer_id'],
                    unique=False)
    for who, _scope in _SCOPES:
        for name in _INDEXES:
            op.drop_index(f'ix_ticket_cache_list_{who}_{name}', table_name='ticket_cache')
    with op.batch_alter_table('ticket_cache', schema=None) as batch_op:
        for name, _type, _expression in reversed(_COLUMNS):
            batch_op.drop_column(name)
