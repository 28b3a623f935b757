"""document numbers: each authority's 文号 abbreviation, and the serials it issued per year

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("document_abbreviation", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("document_abbreviation_source", sa.String(length=300), nullable=False, server_default="")
        )
    op.create_table(
        "document_numbers",
        sa.Column("authority_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["authority_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("authority_id", "year", "serial"),
        sa.UniqueConstraint("ticket_id", name="uq_document_numbers_ticket_id"),
    )


def downgrade() -> None:
    op.drop_table("document_numbers")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("document_abbreviation_source")
        batch_op.drop_column("document_abbreviation")
