"""The mail outbox: mails written with the projection that asked for them, claimed and sent from there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, select, update

from store.database import Database
from store.db import UTCDateTime
from store.models import OutboxMail, SentMail
from store.upsert import insert_of


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


@dataclass(frozen=True)
class OutboxStatements:
    """The outbox's statements for one dialect, built once and run through `Database.execute`."""

    queue: Any
    # The same, giving the keys it inserted: mails queued already claimed by the caller's own delivery.
    queue_claimed: Any
    claim: Any
    mark_sent: Any
    log_sent: Any
    release: Any

    @classmethod
    def build(cls, dialect: str) -> OutboxStatements:
        mails = cast(Table, OutboxMail.__table__)
        pending = pending_conditions()
        now = bindparam("now", type_=UTCDateTime())
        due = (
            select(mails.c.idempotency_key)
            .where(*pending, mails.c.due_at <= now)
            .order_by(mails.c.due_at)
            .limit(bindparam("limit", type_=Integer()))
            .scalar_subquery()
        )
        by_key = mails.c.idempotency_key == bindparam("key", type_=String())
        # A key already queued (a repeated projection) is kept as it was.
        queue = insert_of(dialect, mails).on_conflict_do_nothing(index_elements=[mails.c.idempotency_key])
        return cls(
            queue=queue,
            queue_claimed=queue.returning(mails.c.idempotency_key),
            # The conditions are repeated on the row itself: on PostgreSQL a loop that raced another to the
            # same row sees the other's new due_at after waiting for its lock, and leaves the row alone.
            claim=update(mails)
            .where(mails.c.idempotency_key.in_(due), *pending, mails.c.due_at <= now)
            .values(due_at=bindparam("until", type_=UTCDateTime()), attempts=mails.c.attempts + 1)
            .returning(mails.c.idempotency_key, mails.c.notification, mails.c.attempts),
            mark_sent=update(mails).where(by_key).values(sent_at=now, last_error=None),
            log_sent=insert_of(dialect, SentMail.__table__).on_conflict_do_nothing(
                index_elements=[SentMail.__table__.c.idempotency_key]
            ),
            # Due at once, and the claim not counted as an attempt.
            release=update(mails).where(by_key, *pending).values(due_at=now, attempts=mails.c.attempts - 1),
        )


def queued_rows(
    mails: Sequence[QueuedMail], now: datetime, claimed_until: datetime | None = None
) -> list[dict[str, object]]:
    """The outbox rows of mails queued `now`: due at once, or claimed until `claimed_until` (a first try)."""
    return [
        {
            "idempotency_key": mail.idempotency_key,
            "ticket_id": mail.ticket_id,
            "template": mail.template,
            "notification": mail.notification,
            "created_at": now,
            "due_at": claimed_until or now,
            "attempts": 0 if claimed_until is None else 1,
        }
        for mail in mails
    ]


def pending_conditions() -> list[Any]:
    """Mails neither sent nor given up: what the delivery loop still owes."""
    return [OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None)]


class MailOutbox:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._statements = OutboxStatements.build(database.dialect)

    async def queue(self, mails: Sequence[QueuedMail], now: datetime) -> None:
        """Queue mails on their own (a projection queues its mails in its own transaction instead)."""
        await self._database.execute((self._statements.queue, queued_rows(mails, now)))

    async def claim(self, *, limit: int, lease: timedelta, now: datetime) -> list[ClaimedMail]:
        """Take up to `limit` due mails for `lease`: no other loop claims them until it has run out."""
        [rows] = await self._database.execute(
            (self._statements.claim, [{"now": now, "limit": limit, "until": now + lease}])
        )
        return [ClaimedMail(key, notification, attempts) for key, notification, attempts in rows]

    async def mark_sent(self, sent: Sequence[SentRecord], now: datetime) -> None:
        """Stamp the mails sent, and log them where every sender looks before sending (`sent_mails`)."""
        if not sent:
            return
        await self._database.execute(
            (self._statements.mark_sent, [{"key": record.idempotency_key, "now": now} for record in sent]),
            (
                self._statements.log_sent,
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
            ),
        )

    async def release(self, idempotency_keys: Sequence[str], now: datetime) -> None:
        """Give claimed mails back unsent: due at once, and the claim not counted as an attempt."""
        if not idempotency_keys:
            return
        await self._database.execute(
            (self._statements.release, [{"key": key, "now": now} for key in idempotency_keys])
        )

    async def retry_later(self, idempotency_key: str, error: str, due_at: datetime) -> None:
        await self._update(idempotency_key, due_at=due_at, last_error=error[:2000])

    async def fail(self, idempotency_key: str, error: str, now: datetime) -> None:
        """Never try this mail again (it cannot be built); the reason stays on the row."""
        await self._update(idempotency_key, failed_at=now, last_error=error[:2000])

    async def pending_count(self) -> int:
        keys = await self._database.read(
            lambda session: session.scalars(
                OutboxMail.__table__.select()
                .with_only_columns(OutboxMail.idempotency_key)
                .where(*pending_conditions())
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
