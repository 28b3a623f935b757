"""Who filed a report or complaint, kept apart from the ticket so the read model never shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def keep(self, ticket_id: str, name: str, phone: str, email: str = "") -> None:
        """Store the identity once per ticket; a retried call leaves the first one in place."""
        async with self._sessions.begin() as session:
            insert = insert_for(session, ReporterIdentity)
            await session.execute(
                insert.values(
                    ticket_id=ticket_id, name=name, phone=phone, email=email, stored_at=datetime.now(UTC)
                ).on_conflict_do_nothing(index_elements=[ReporterIdentity.ticket_id])
            )

    async def get(self, ticket_id: str) -> StoredIdentity | None:
        async with self._sessions() as session:
            row = await session.get(ReporterIdentity, ticket_id)
            if row is None:
                return None
            return StoredIdentity(
                ticket_id=row.ticket_id,
                name=row.name,
                phone=row.phone,
                email=row.email,
                stored_at=row.stored_at,
            )
