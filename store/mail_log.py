"""The log of mails handed to SMTP, keyed by idempotency key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store.database import Database
from store.models import SentMail
from store.upsert import insert_for


class MailLog:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def was_sent(self, idempotency_key: str) -> bool:
        found = await self._database.read(lambda session: session.get(SentMail, idempotency_key))
        return found is not None

    async def record_sent(
        self, *, idempotency_key: str, recipient: str, subject: str, ticket_id: str, sent_at: datetime
    ) -> None:
        def record(session: Session) -> None:
            session.execute(
                insert_for(session, SentMail)
                .values(
                    idempotency_key=idempotency_key,
                    recipient=recipient,
                    subject=subject,
                    ticket_id=ticket_id,
                    sent_at=sent_at,
                )
                .on_conflict_do_nothing(index_elements=[SentMail.idempotency_key])
            )

        await self._database.write(record)
