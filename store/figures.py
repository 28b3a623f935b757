"""The figures /metrics shows, read from the store at a scrape: counts, never content."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.database import Database
from store.models import OutboxMail
from store.outbox import pending_conditions
from store.ticket_filters import OpenCount
from store.tickets import count_open


@dataclass(frozen=True)
class StoreFigures:
    tickets: list[OpenCount]
    mails_pending: int
    mails_failed: int


async def read_figures(database: Database) -> StoreFigures:
    return await database.read(_read)


def _read(session: Session) -> StoreFigures:
    pending = session.scalar(select(func.count()).where(*pending_conditions()))
    failed = session.scalar(select(func.count()).where(OutboxMail.failed_at.is_not(None)))
    return StoreFigures(
        tickets=count_open(session, visible_to=None),
        mails_pending=int(pending or 0),
        mails_failed=int(failed or 0),
    )
