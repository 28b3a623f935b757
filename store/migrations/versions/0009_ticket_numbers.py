"""ticket numbers: the 工单编号 people read (KR-PD-20261207-0001), given to every stored ticket

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from domain.kinds import TicketKind
from domain.ticket_numbers import number_prefix

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number_prefix", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("number_serial", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_tickets_number", ["number_prefix", "number_serial"])
    # Tickets already stored are numbered in the order they were opened, as they would have been.
    tickets = sa.table(
        "tickets",
        sa.column("ticket_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("district", sa.String),
        sa.column("opened_at", sa.DateTime(timezone=True)),
        sa.column("number_prefix", sa.String),
        sa.column("number_serial", sa.Integer),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(tickets.c.ticket_id, tickets.c.kind, tickets.c.district, tickets.c.opened_at).order_by(
            tickets.c.opened_at, tickets.c.ticket_id
        )
    ).all()
    serials: dict[str, int] = {}
    for ticket_id, kind, district, opened_at in rows:
        prefix = number_prefix(TicketKind(kind), district, _aware(opened_at))
        serials[prefix] = serials.get(prefix, 0) + 1
        connection.execute(
            tickets.update()
            .where(tickets.c.ticket_id == ticket_id)
            .values(number_prefix=prefix, number_serial=serials[prefix])
        )


def _aware(value: datetime | str) -> datetime:
    # SQLite hands a stored time back as text, without the zone it was stored in (UTC).
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint("uq_tickets_number", type_="unique")
        batch_op.drop_column("number_serial")
        batch_op.drop_column("number_prefix")
