"""How soon rescues were answered, read from the store at a scrape for /metrics: minutes, never content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.kinds import TicketKind
from store.database import Database
from store.models import Ticket, TicketEvent

# Rescues alarmed within this window give the distributions: recent service, not all time.
RESPONSE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class RescueResponses:
    # Minutes from the alarm to acceptance, and to arrival, of the rescues alarmed within RESPONSE_WINDOW.
    accept_minutes: list[float]
    arrival_minutes: list[float]


async def rescue_responses(database: Database, now: datetime) -> RescueResponses:
    return await database.read(lambda session: _read(session, now - RESPONSE_WINDOW))


def _read(session: Session, since: datetime) -> RescueResponses:
    rescue = TicketKind.RESCUE.value
    recent = session.execute(
        select(Ticket.ticket_id, Ticket.opened_at, Ticket.details).where(
            Ticket.kind == rescue, Ticket.opened_at >= since
        )
    ).all()
    alarms = {ticket_id: _alarm_at(details, opened_at) for ticket_id, opened_at, details in recent}
    accepted = session.execute(
        select(TicketEvent.ticket_id, func.min(TicketEvent.at))
        .join(Ticket, Ticket.ticket_id == TicketEvent.ticket_id)
        .where(Ticket.kind == rescue, Ticket.opened_at >= since, TicketEvent.action == "accept")
        .group_by(TicketEvent.ticket_id)
    ).all()
    return RescueResponses(
        accept_minutes=[
            (at - alarms[ticket_id]).total_seconds() / 60 for ticket_id, at in accepted if ticket_id in alarms
        ],
        arrival_minutes=[
            float(details["arrival_minutes"])
            for _, _, details in recent
            if isinstance(details.get("arrival_minutes"), int | float)
        ],
    )


def _alarm_at(details: dict[str, object], opened_at: datetime) -> datetime:
    alarm_at = details.get("alarm_at")
    return datetime.fromisoformat(alarm_at) if isinstance(alarm_at, str) else opened_at
