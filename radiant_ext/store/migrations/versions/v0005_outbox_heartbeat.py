"""outbox: the sender's heartbeat; filed requests keep no attachment bodies

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 01:40:00

A sender refreshes ``heartbeat_at`` every few seconds while its ``TicketCreate`` is under
way, so the drain takes over a request left ``sending`` by a crashed process within a minute
and never one whose sender is still at work. Requests already filed drop their attachment
bodies (name, type and size are kept): Znuny has the files, a retry never happens again.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from radiant_ext.store.models import UTCDateTime

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _without_bodies(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The payload with attachment contents replaced by their size (None: nothing to drop)."""
    attachments = payload.get("attachments") or []
    if not any(isinstance(a, dict) and "Content" in a for a in attachments):
        return None
    kept = []
    for item in attachments:
        if isinstance(item, dict) and "Content" in item:
            item = dict(item)
            content = item.pop("Content") or ""
            try:
                item["Size"] = len(base64.b64decode(content))
            except (binascii.Error, TypeError, ValueError):
                item["Size"] = None
        kept.append(item)
    return {**payload, "attachments": kept}


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', UTCDateTime(), nullable=True))
    outbox = sa.table('outbox', sa.column('id', sa.Integer()), sa.column('state', sa.String()),
                      sa.column('payload', sa.JSON()))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(outbox.c.id, outbox.c.payload)
                            .where(outbox.c.state == 'sent', outbox.c.id > last)
                            .order_by(outbox.c.id).limit(200)).all()
        if not rows:
            break
        for row_id, payload in rows:
            last = row_id
            data = json.loads(payload) if isinstance(payload, str) else payload
            stripped = _without_bodies(data) if isinstance(data, dict) else None
            if stripped is not None:
                bind.execute(sa.update(outbox).where(outbox.c.id == row_id)
                             .values(payload=stripped))


def downgrade() -> None:
    """Revert this revision (attachment bodies that were dropped stay dropped)."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
