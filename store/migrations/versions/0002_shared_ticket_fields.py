"""shared ticket fields: provisional deadlines, the ticket a ticket was spawned from

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "provisional_deadlines",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.add_column(sa.Column("spawned_from", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_spawned_from"), ["spawned_from"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_spawned_from"))
        batch_op.drop_column("spawned_from")
        batch_op.drop_column("provisional_deadlines")
