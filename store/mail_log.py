"""The log of mails handed to SMTP, keyed by idempotency key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.models import SentMail
from store.upsert import insert_for


class MailLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def was_sent(self, idempotency_key: str) -> bool:
        async with self._sessions() as session:
            return await session.get(SentMail, idempotency_key) is not None

    async def record_sent(
        self, *, idempotency_key: str, recipient: str, subject: str, ticket_id: str, sent_at: datetime
    ) -> None:
        async with self._sessions.begin() as session:
            insert = insert_for(session, SentMail)
            await session.execute(
                insert.values(
                    idempotency_key=idempotency_key,
                    recipient=recipient,
                    subject=subject,
                    ticket_id=ticket_id,
                    sent_at=sent_at,
                ).on_conflict_do_nothing(index_elements=[SentMail.idempotency_key])
            )
