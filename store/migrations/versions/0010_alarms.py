"""alarms: what each remote-monitoring alarm did, the car's service mode its device last sent, and when
each device was last heard from

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elevators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_mode", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("service_mode_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "alarms",
        sa.Column("platform_id", sa.String(length=64), nullable=False),
        sa.Column("alarm_id", sa.String(length=64), nullable=False),
        sa.Column("elevator_code", sa.String(length=64), nullable=False),
        sa.Column("event_code", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("platform_id", "alarm_id"),
    )
    op.create_index("ix_alarms_platform_outcome", "alarms", ["platform_id", "outcome"])
    op.create_table(
        "monitoring_devices",
        sa.Column("elevator_code", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offline_ticket_id", sa.String(length=200), nullable=True),
        sa.Column("offline_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("elevator_code"),
    )
    op.create_index("ix_monitoring_devices_last_seen_at", "monitoring_devices", ["last_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_monitoring_devices_last_seen_at", table_name="monitoring_devices")
    op.drop_table("monitoring_devices")
    op.drop_index("ix_alarms_platform_outcome", table_name="alarms")
    op.drop_table("alarms")
    with op.batch_alter_table("elevators", schema=None) as batch_op:
        batch_op.drop_column("service_mode_at")
        batch_op.drop_column("service_mode")
