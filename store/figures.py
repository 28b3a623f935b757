"""The figures the metrics report, read from the store at a scrape: counts and durations, never content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from domain.kinds import TicketKind
from store.database import Database
from store.models import OutboxMail, Ticket, TicketEvent
from store.ticket_filters import open_condition

# Rescues alarmed within this window give the response-time distributions: recent service, not all time.
RESPONSE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class KindDistrictCount:
    kind: str
    district: str
    open: int
    overdue: int


@dataclass(frozen=True)
class StoreFigures:
    tickets: list[KindDistrictCount]
    mails_pending: int
    mails_failed: int
    # Minutes from the alarm to acceptance, and to arrival, of the rescues alarmed within RESPONSE_WINDOW.
    rescue_accept_minutes: list[float]
    rescue_arrival_minutes: list[float]


async def read_figures(database: Database, now: datetime) -> StoreFigures:
    return await database.read(lambda session: _read(session, now - RESPONSE_WINDOW))


def _read(session: Session, since: datetime) -> StoreFigures:
    counts = session.execute(
        select(
            Ticket.kind,
            Ticket.district,
            func.count(),
            func.sum(case((Ticket.overdue == true(), 1), else_=0)),
        )
        .where(open_condition())
        .group_by(Ticket.kind, Ticket.district)
        .order_by(Ticket.kind, Ticket.district)
    ).all()
    pending = session.scalar(
        select(func.count()).where(OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None))
    )
    failed = session.scalar(select(func.count()).where(OutboxMail.failed_at.is_not(None)))
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
    return StoreFigures(
        tickets=[
            KindDistrictCount(kind, district, int(total), int(overdue or 0))
            for kind, district, total, overdue in counts
        ],
        mails_pending=int(pending or 0),
        mails_failed=int(failed or 0),
        rescue_accept_minutes=[
            (at - alarms[ticket_id]).total_seconds() / 60 for ticket_id, at in accepted if ticket_id in alarms
        ],
        rescue_arrival_minutes=[
            float(details["arrival_minutes"])
            for _, _, details in recent
            if isinstance(details.get("arrival_minutes"), int | float)
        ],
    )


def _alarm_at(details: dict[str, object], opened_at: datetime) -> datetime:
    alarm_at = details.get("alarm_at")
    return datetime.fromisoformat(alarm_at) if isinstance(alarm_at, str) else opened_at
