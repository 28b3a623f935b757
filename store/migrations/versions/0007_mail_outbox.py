"""mail outbox: mails to send are written with the projection step that asked for them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_mails",
        sa.Column("idempotency_key", sa.String(length=300), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("notification", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("idempotency_key"),
    )
    op.create_index("ix_outbox_mails_ticket_id", "outbox_mails", ["ticket_id"], unique=False)
    op.create_index("ix_outbox_mails_pending", "outbox_mails", ["sent_at", "failed_at", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_mails_pending", table_name="outbox_mails")
    op.drop_index("ix_outbox_mails_ticket_id", table_name="outbox_mails")
    op.drop_table("outbox_mails")
