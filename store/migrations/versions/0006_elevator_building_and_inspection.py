"""elevator building and inspection date: the QR page shows 下次检验日期; QR sheets are printed per building

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elevators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("building", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("inspection_valid_until", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_elevators_building"), ["building"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("elevators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_elevators_building"))
        batch_op.drop_column("inspection_valid_until")
        batch_op.drop_column("building")
