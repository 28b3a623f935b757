"""channels: webhook and WeCom subscriptions, their event filters, and the deliveries queued for them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "channel_subscriptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("owner_email", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("owner_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_channel_subscriptions_audience", "channel_subscriptions", ["audience"])
    op.create_index("ix_channel_subscriptions_organisation_id", "channel_subscriptions", ["organisation_id"])
    op.create_table(
        "channel_subscription_events",
        sa.Column("subscription_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["channel_subscriptions.id"]),
        sa.PrimaryKeyConstraint("subscription_id", "kind", "step"),
    )
    op.create_table(
        "channel_deliveries",
        sa.Column("delivery_id", sa.String(length=300), nullable=False),
        sa.Column("subscription_id", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=120), nullable=False),
        sa.Column("envelope", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("delivery_id"),
    )
    op.create_index("ix_channel_deliveries_pending", "channel_deliveries", ["sent_at", "failed_at", "due_at"])
    op.create_index(
        "ix_channel_deliveries_subscription", "channel_deliveries", ["subscription_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_channel_deliveries_subscription", table_name="channel_deliveries")
    op.drop_index("ix_channel_deliveries_pending", table_name="channel_deliveries")
    op.drop_table("channel_deliveries")
    op.drop_table("channel_subscription_events")
    op.drop_index("ix_channel_subscriptions_organisation_id", table_name="channel_subscriptions")
    op.drop_index("ix_channel_subscriptions_audience", table_name="channel_subscriptions")
    op.drop_table("channel_subscriptions")
