"""The mail outbox: mails written with the projection that asked for them, claimed and sent from there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.database import Database
from store.models import OutboxMail, SentMail
from store.upsert import insert_for


@dataclass(frozen=True)
class QueuedMail:
    """One mail as the projection queues it: its key, its ticket and template, the notification as JSON."""

    idempotency_key: str
    ticket_id: str
    template: str
    notification: dict[str, Any]


@dataclass(frozen=True)
class ClaimedMail:
    """A mail this delivery loop holds until its lease runs out; `attempts` counts this one."""

    idempotency_key: str
    notification: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class SentRecord:
    idempotency_key: str
    recipient: str
    subject: str
    ticket_id: str


def queue_mails(session: Session, mails: Sequence[QueuedMail], now: datetime) -> None:
    """Add mails in the caller's transaction; a key already queued (a repeated projection) is kept as it was."""
    if not mails:
        return
    # One statement, the rows as its parameters: a multi-row VALUES clause is compiled anew for every
    # set of rows (6% of the worker's CPU in `make bench`'s lifecycle), this one once.
    session.execute(
        insert_for(session, OutboxMail).on_conflict_do_nothing(index_elements=[OutboxMail.idempotency_key]),
        [
            {
                "idempotency_key": mail.idempotency_key,
                "ticket_id": mail.ticket_id,
                "template": mail.template,
                "notification": mail.notification,
                "created_at": now,
                "due_at": now,
                "attempts": 0,
            }
            for mail in mails
        ],
    )


def _pending() -> list[Any]:
    return [OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None)]


class MailOutbox:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim(self, *, limit: int, lease: timedelta, now: datetime) -> list[ClaimedMail]:
        """Take up to `limit` due mails for `lease`: no other loop claims them until it has run out."""
        due = (
            OutboxMail.__table__.select()
            .with_only_columns(OutboxMail.idempotency_key)
            .where(*_pending(), OutboxMail.due_at <= now)
            .order_by(OutboxMail.due_at)
            .limit(limit)
            .scalar_subquery()
        )
        # The conditions are repeated on the row itself: on PostgreSQL a loop that raced another to the
        # same row sees the other's new due_at after waiting for its lock, and leaves the row alone.
        claim = (
            update(OutboxMail)
            .where(OutboxMail.idempotency_key.in_(due), *_pending(), OutboxMail.due_at <= now)
            .values(due_at=now + lease, attempts=OutboxMail.attempts + 1)
            .returning(OutboxMail.idempotency_key, OutboxMail.notification, OutboxMail.attempts)
            .execution_options(synchronize_session=False)
        )
        rows = await self._database.write(lambda session: session.execute(claim).all())
        return [ClaimedMail(key, notification, attempts) for key, notification, attempts in rows]

    async def mark_sent(self, sent: Sequence[SentRecord], now: datetime) -> None:
        """Stamp the mails sent, and log them where every sender looks before sending (`sent_mails`)."""
        if not sent:
            return

        def mark(session: Session) -> None:
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.idempotency_key.in_([record.idempotency_key for record in sent]))
                .values(sent_at=now, last_error=None)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                insert_for(session, SentMail).on_conflict_do_nothing(
                    index_elements=[SentMail.idempotency_key]
                ),
                [
                    {
                        "idempotency_key": record.idempotency_key,
                        "recipient": record.recipient,
                        "subject": record.subject,
                        "ticket_id": record.ticket_id,
                        "sent_at": now,
                    }
                    for record in sent
                ],
            )

        await self._database.write(mark)

    async def release(self, idempotency_keys: Sequence[str], now: datetime) -> None:
        """Give claimed mails back unsent: due at once, and the claim not counted as an attempt."""
        if not idempotency_keys:
            return
        await self._database.write(
            lambda session: session.execute(
                update(OutboxMail)
                .where(OutboxMail.idempotency_key.in_(idempotency_keys), *_pending())
                .values(due_at=now, attempts=OutboxMail.attempts - 1)
                .execution_options(synchronize_session=False)
            )
        )

    async def retry_later(self, idempotency_key: str, error: str, due_at: datetime) -> None:
        await self._update(idempotency_key, due_at=due_at, last_error=error[:2000])

    async def fail(self, idempotency_key: str, error: str, now: datetime) -> None:
        """Never try this mail again (it cannot be built); the reason stays on the row."""
        await self._update(idempotency_key, failed_at=now, last_error=error[:2000])

    async def pending_count(self) -> int:
        keys = await self._database.read(
            lambda session: session.scalars(
                OutboxMail.__table__.select().with_only_columns(OutboxMail.idempotency_key).where(*_pending())
            ).all()
        )
        return len(keys)

    async def _update(self, idempotency_key: str, **values: Any) -> None:
        await self._database.write(
            lambda session: session.execute(
                update(OutboxMail)
                .where(OutboxMail.idempotency_key == idempotency_key)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        )
