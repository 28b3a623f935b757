"""The figures /metrics shows, read from the store at a scrape: counts, never content."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from store.database import Database
from store.models import OutboxMail, Ticket
from store.ticket_filters import open_condition


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


async def read_figures(database: Database) -> StoreFigures:
    return await database.read(_read)


def _read(session: Session) -> StoreFigures:
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
    return StoreFigures(
        tickets=[
            KindDistrictCount(kind, district, int(total), int(overdue or 0))
            for kind, district, total, overdue in counts
        ],
        mails_pending=int(pending or 0),
        mails_failed=int(failed or 0),
    )
