"""Who filed a 举报 or 投诉, kept apart from the ticket so the read model never shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from elevator_orders.clock import Clock, system_clock
from store.database import Database
from store.models import ReporterIdentity
from store.upsert import insert_for


@dataclass(frozen=True)
class StoredIdentity:
    ticket_id: str
    name: str
    phone: str
    email: str
    stored_at: datetime


class IdentityRepository:
    def __init__(self, database: Database, clock: Clock = system_clock) -> None:
        self._database = database
        self._clock = clock

    async def keep(self, ticket_id: str, name: str, phone: str, email: str = "") -> None:
        """Store the identity once per ticket; a retried call leaves the first one in place."""

        def keep_once(session: Session) -> None:
            session.execute(
                insert_for(session, ReporterIdentity)
                .values(ticket_id=ticket_id, name=name, phone=phone, email=email, stored_at=self._clock())
                .on_conflict_do_nothing(index_elements=[ReporterIdentity.ticket_id])
            )

        await self._database.write(keep_once)

    async def get(self, ticket_id: str) -> StoredIdentity | None:
        row = await self._database.read(lambda session: session.get(ReporterIdentity, ticket_id))
        if row is None:
            return None
        return StoredIdentity(
            ticket_id=row.ticket_id,
            name=row.name,
            phone=row.phone,
            email=row.email,
            stored_at=row.stored_at,
        )
