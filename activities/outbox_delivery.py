"""Delivers the mail outbox: claims due mails, renders and sends them over one connection, stamps them sent.

Each worker runs one loop. A projection that queued mails wakes its own worker's loop at once; every loop
also looks every `poll_seconds`, so mails queued by a worker that died, or waiting out a failure, go
out from any worker. A claim is a lease: a loop that dies mid-batch leaves its mails to the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from activities.contracts import NotificationInput
from activities.notify import mail_context
from notifications.render import MailRenderer, RenderedMail, UnknownTemplate
from notifications.sender import MailSender, MailSession
from store.outbox import ClaimedMail, MailOutbox, SentRecord

log = logging.getLogger(__name__)
_NOTIFICATION = TypeAdapter(NotificationInput)


@dataclass(frozen=True)
class DeliveryPolicy:
    batch: int = 50
    poll_seconds: float = 1.0
    # Longer than a batch can take to send, so that no other loop claims a mail still being sent.
    lease: timedelta = timedelta(minutes=2)
    # SMTP outages can last hours: a mail waits them out, further apart each time, instead of being dropped.
    first_retry: timedelta = timedelta(seconds=2)
    longest_retry: timedelta = timedelta(minutes=5)

    def retry_after(self, attempts: int) -> timedelta:
        wait: timedelta = self.first_retry * 2 ** max(attempts - 1, 0)
        return min(wait, self.longest_retry)


class PermanentMailFailure(Exception):
    """A mail that can never be sent as it is (no address, an unknown template, an unreadable row)."""


class OutboxDelivery:
    def __init__(
        self,
        outbox: MailOutbox,
        renderer: MailRenderer,
        sender: MailSender,
        ticket_url_base: str,
        policy: DeliveryPolicy | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = outbox
        self._renderer = renderer
        self._sender = sender
        self._ticket_url_base = ticket_url_base
        self._policy = policy or DeliveryPolicy()
        self._now = now
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Mails were queued in this process: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            try:
                delivered_all = await self.deliver_due()
            except Exception:
                # The database is away (or locked): the mails stay queued; say so and look again.
                log.exception("mail outbox: claiming or stamping mails failed; trying again")
                delivered_all = True
            if delivered_all:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._policy.poll_seconds)
                self._wake.clear()

    async def deliver_due(self) -> bool:
        """Send one batch of due mails; True when fewer than a batch were due (nothing left to do now)."""
        claimed = await self._outbox.claim(
            limit=self._policy.batch, lease=self._policy.lease, now=self._now()
        )
        sent: list[SentRecord] = []
        async with self._sender.session() as smtp:
            for mail in claimed:
                record = await self._deliver(smtp, mail)
                if record is not None:
                    sent.append(record)
        await self._outbox.mark_sent(sent, self._now())
        return len(claimed) < self._policy.batch

    async def _deliver(self, smtp: MailSession, mail: ClaimedMail) -> SentRecord | None:
        try:
            notification = self._notification(mail)
            rendered = self._render(notification)
        except PermanentMailFailure as failure:
            log.error("mail %s can never be sent: %s", mail.idempotency_key, failure)
            await self._outbox.fail(mail.idempotency_key, str(failure), self._now())
            return None
        try:
            await smtp.send(
                to=notification.recipient.email, mail=rendered, idempotency_key=mail.idempotency_key
            )
        except Exception as error:
            # Any SMTP failure keeps the mail queued: a down server delays mail but never loses it.
            wait = self._policy.retry_after(mail.attempts)
            log.warning("mail %s not sent (%s); next try in %s", mail.idempotency_key, error, wait)
            await self._outbox.retry_later(
                mail.idempotency_key, f"{type(error).__name__}: {error}", self._now() + wait
            )
            return None
        return SentRecord(
            idempotency_key=mail.idempotency_key,
            recipient=notification.recipient.email,
            subject=rendered.subject,
            ticket_id=notification.ticket.ticket_id,
        )

    def _notification(self, mail: ClaimedMail) -> NotificationInput:
        try:
            notification = _NOTIFICATION.validate_python(mail.notification)
        except ValidationError as error:
            raise PermanentMailFailure(f"unreadable outbox row: {error}") from error
        if not notification.recipient.email:
            raise PermanentMailFailure(f"{notification.recipient.name} has no e-mail address")
        return notification

    def _render(self, notification: NotificationInput) -> RenderedMail:
        try:
            return self._renderer.render(
                notification.template, mail_context(notification, self._ticket_url_base)
            )
        except UnknownTemplate as error:
            raise PermanentMailFailure(f"unknown mail template {notification.template!r}") from error
