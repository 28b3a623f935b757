"""A month's tickets as a regulator's sheet lists them: opened, accepted, on site, closed, and if late."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.credit_model import Period
from domain.kinds import TicketKind
from store.database import Database
from store.models import Ticket, TicketEvent

# The steps a sheet shows the time of: the first of each.
ACCEPTED, ARRIVED = "accept", "arrive"


@dataclass(frozen=True)
class MonthTicket:
    ticket_id: str
    number: str | None
    kind: str
    state: str
    district: str
    elevator_code: str
    use_unit_id: str
    maintenance_unit_id: str
    assigned_unit_id: str
    opened_at: datetime
    accepted_at: datetime | None
    arrived_at: datetime | None
    closed_at: datetime | None
    # The clocks the ticket missed (`<step>_overdue` flags), e.g. arrival, rectify.
    overdue_steps: tuple[str, ...]


async def month_tickets(database: Database, period: Period, district: str | None) -> list[MonthTicket]:
    """Tickets opened in the month (in one district, or the city's), oldest first."""

    def work(session: Session) -> list[MonthTicket]:
        first_step = (
            select(TicketEvent.ticket_id, TicketEvent.action, func.min(TicketEvent.at).label("at"))
            .where(TicketEvent.action.in_([ACCEPTED, ARRIVED]))
            .group_by(TicketEvent.ticket_id, TicketEvent.action)
            .subquery()
        )
        query = select(Ticket).where(Ticket.opened_at >= period.start, Ticket.opened_at < period.end)
        if district is not None:
            query = query.where(Ticket.district == district)
        tickets: Sequence[Ticket] = session.scalars(query.order_by(Ticket.opened_at, Ticket.ticket_id)).all()
        steps: dict[tuple[str, str], datetime] = {}
        ids = [ticket.ticket_id for ticket in tickets]
        for start in range(0, len(ids), 500):
            for ticket_id, action, at in session.execute(
                select(first_step.c.ticket_id, first_step.c.action, first_step.c.at).where(
                    first_step.c.ticket_id.in_(ids[start : start + 500])
                )
            ):
                steps[(ticket_id, action)] = at
        return [
            MonthTicket(
                ticket_id=ticket.ticket_id,
                number=ticket.number,
                kind=ticket.kind,
                state=ticket.state,
                district=ticket.district,
                elevator_code=ticket.elevator_code,
                use_unit_id=ticket.use_unit_id,
                maintenance_unit_id=ticket.maintenance_unit_id,
                assigned_unit_id=ticket.assigned_unit_id,
                opened_at=ticket.opened_at,
                accepted_at=_aware(steps.get((ticket.ticket_id, ACCEPTED))),
                arrived_at=_aware(steps.get((ticket.ticket_id, ARRIVED))),
                closed_at=ticket.closed_at,
                overdue_steps=tuple(flag for flag in ticket.flags if flag.endswith("_overdue")),
            )
            for ticket in tickets
        ]

    return await database.read(work)


def _aware(value: datetime | None) -> datetime | None:
    # min() over a column comes back without its type's processing: SQLite gives a naive UTC value.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def arrival_minutes(tickets: Sequence[MonthTicket]) -> list[float]:
    """Minutes from opening to arrival of each 困人救援 with an arrival, to a tenth of a minute."""
    return [
        round((ticket.arrived_at - ticket.opened_at).total_seconds() / 60, 1)
        for ticket in tickets
        if ticket.kind == TicketKind.RESCUE.value and ticket.arrived_at is not None
    ]
