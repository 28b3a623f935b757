"""credit grades: each unit's grade per month and formula version, with its explanation and figures

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "credit_grades",
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("formula_version", sa.String(length=40), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("vetoed", sa.Boolean(), nullable=False),
        sa.Column("explanation", _JSON, nullable=False),
        sa.Column("figures", _JSON, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "role", "month", "formula_version"),
    )
    op.create_index("ix_credit_grades_month", "credit_grades", ["month"])


def downgrade() -> None:
    op.drop_index("ix_credit_grades_month", table_name="credit_grades")
    op.drop_table("credit_grades")
