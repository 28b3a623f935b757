"""Delivers the mail outbox: claims due mails, renders and sends them over one connection, stamps them sent.

Each worker runs one loop. A projection that queued mails wakes its own worker's loop at once; every loop
also looks every `poll_seconds`, so mails queued by a worker that died, or waiting out a failure, go
out from any worker. A claim is a lease: a loop that dies mid-batch leaves its mails to the next one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from pydantic import TypeAdapter, ValidationError

from activities.contracts import NotificationInput
from activities.notify import mail_context
from elevator_orders.clock import Clock, system_clock
from notifications.render import MailRenderer, RenderedMail, UnknownTemplate
from notifications.sender import MailSender, MailSession
from store.outbox import ClaimedMail, MailOutbox, SentRecord

log = logging.getLogger(__name__)
_NOTIFICATION = TypeAdapter(NotificationInput)


@dataclass(frozen=True)
class DeliveryPolicy:
    batch: int = 50
    poll_seconds: float = 1.0
    # Longer than a batch can take to send (50 mails take well under a second on one connection), so
    # that no other loop claims a mail still being sent; short, because a worker killed mid-batch leaves
    # its claimed mails waiting this long for the next loop.
    lease: timedelta = timedelta(seconds=30)
    # SMTP outages can last hours: a mail waits them out, further apart each time, instead of being dropped.
    first_retry: timedelta = timedelta(seconds=2)
    longest_retry: timedelta = timedelta(minutes=5)
    # How long a stopping worker lets the batch in hand finish before it interrupts it.
    stop_grace: timedelta = timedelta(seconds=10)

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
        now: Clock = system_clock,
    ) -> None:
        self._outbox = outbox
        self._renderer = renderer
        self._sender = sender
        self._ticket_url_base = ticket_url_base
        self._policy = policy or DeliveryPolicy()
        self._now = now
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Mails were queued in this process: look now rather than at the next poll."""
        self._wake.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Deliver in the background while the block runs; on exit, finish the batch in hand and stop."""
        self._stopping = False
        loop = asyncio.create_task(self.run(), name="mail outbox delivery")
        try:
            yield
        finally:
            await self._stop(loop)

    async def _stop(self, loop: asyncio.Task[None]) -> None:
        # A flag, not only a cancel: Python 3.11's wait_for and some database drivers can swallow a
        # CancelledError, and a loop that never saw it would keep the worker from ever shutting down.
        self._stopping = True
        self._wake.set()
        await asyncio.wait({loop}, timeout=self._policy.stop_grace.total_seconds())
        while not loop.done():
            loop.cancel()
            await asyncio.wait({loop}, timeout=1.0)
        if not loop.cancelled() and loop.exception() is not None:
            log.error("mail outbox: the delivery loop ended with an error", exc_info=loop.exception())

    async def run(self) -> None:
        """Deliver until stopped (or cancelled)."""
        while not self._stopping:
            try:
                delivered_all = await self.deliver_due()
            except Exception:
                # The database is away (or locked): the mails stay queued; say so and look again.
                log.exception("mail outbox: claiming or stamping mails failed; trying again")
                delivered_all = True
            if delivered_all and not self._stopping:
                await self._idle()

    async def _idle(self) -> None:
        """Wait for a wake-up or the next poll, whichever comes first."""
        # asyncio.wait, not wait_for: on 3.11 wait_for returns normally when the event is set in the same
        # loop iteration as a cancel, and the cancel is lost.
        woken = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait({woken}, timeout=self._policy.poll_seconds)
        finally:
            woken.cancel()
        self._wake.clear()

    async def deliver_due(self) -> bool:
        """Send one batch of due mails; True when fewer than a batch were due (nothing left to do now)."""
        claimed = await self._outbox.claim(
            limit=self._policy.batch, lease=self._policy.lease, now=self._now()
        )
        sent: list[SentRecord] = []
        # Mails are handled in order: the first `handled` of the claim are done, the rest are not.
        handled = 0
        try:
            async with self._sender.session() as smtp:
                for mail in claimed:
                    if self._stopping:
                        # A stopping worker finishes the mail in flight and hands the rest back below,
                        # rather than keep the shutdown waiting on a slow server for the whole batch.
                        break
                    record = await self._deliver(smtp, mail)
                    handled += 1
                    if record is not None:
                        sent.append(record)
        finally:
            # On a stop, and on a cancel too: what went out is stamped, and what did not is handed back
            # at once rather than after the lease, for the next worker to send.
            unsent = [mail.idempotency_key for mail in claimed[handled:]]
            await asyncio.shield(self._settle(sent, unsent))
        return len(claimed) < self._policy.batch

    async def _settle(self, sent: list[SentRecord], unsent: list[str]) -> None:
        now = self._now()
        await self._outbox.mark_sent(sent, now)
        await self._outbox.release(unsent, now)

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
