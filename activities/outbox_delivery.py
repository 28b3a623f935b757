"""Delivers the mail outbox: claims due mails, renders and sends them over one connection, stamps them sent.

Each worker runs one loop. A projection queues its mails claimed for its own worker's loop, in the
projection's transaction, and hands them over: they go out at once, with no claim of their own. Every
loop also looks every `poll_seconds`, so mails queued by a worker that died, or waiting out a failure,
go out from any worker. A claim is a lease: a loop that dies mid-batch leaves its mails to the next one.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from activities.background_loops import stop_loop
from activities.contracts import NotificationInput
from activities.notify import mail_context
from elevator_orders.clock import Clock, system_clock
from notifications.render import MailRenderer, RenderedMail, UnknownTemplate
from notifications.sender import MailSender, MailSession
from store.outbox import ClaimedMail, MailOutbox, SentRecord
from store.ticket_numbers import TicketNumbers

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
    # The loop keeps its SMTP connection between batches (a projection hands over a mail or two at a
    # time, and a connection per batch was half the cost of sending) and closes it after this long
    # without a mail, well inside the idle timeouts of SMTP servers (RFC 5321: 5 minutes).
    keep_connection: timedelta = timedelta(seconds=20)

    def retry_after(self, attempts: int) -> timedelta:
        wait: timedelta = self.first_retry * 2 ** max(attempts - 1, 0)
        return min(wait, self.longest_retry)


@dataclass(frozen=True)
class _Due:
    """A mail this loop holds a claim on: from its own projection, or claimed from the store."""

    idempotency_key: str
    # None: a stored row that does not read as a notification.
    notification: NotificationInput | None
    attempts: int
    problem: str = ""


@dataclass(frozen=True)
class _Handed:
    notification: NotificationInput
    claimed_until: datetime


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
        numbers: TicketNumbers | None = None,
    ) -> None:
        self._outbox = outbox
        self._numbers = numbers
        self._renderer = renderer
        self._sender = sender
        self._ticket_url_base = ticket_url_base
        self._policy = policy or DeliveryPolicy()
        self._now = now
        self._wake = asyncio.Event()
        self._stopping = False
        # Mails this worker's projections queued claimed for this loop, oldest first.
        self._handed: deque[_Handed] = deque()
        self._last_store_look = -math.inf
        # The running loop's connection, kept between batches; None outside `run`.
        self._kept: MailSession | None = None

    @property
    def lease(self) -> timedelta:
        """How long a claim holds; a projection that hands mails over claims them for this long."""
        return self._policy.lease

    def hand_over(self, notifications: Sequence[NotificationInput], claimed_until: datetime) -> None:
        """Mails a projection in this process queued claimed for this loop until `claimed_until`.

        They go out without a claim of their own (a write per batch). One still here when its claim is
        about to run out is left to the store: after the claim, any loop claims and sends it.
        """
        self._handed.extend(_Handed(notification, claimed_until) for notification in notifications)
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
        self._stopping = True
        self._wake.set()
        await stop_loop(loop, self._policy.stop_grace.total_seconds())
        if not loop.cancelled() and loop.exception() is not None:
            log.error("mail outbox: the delivery loop ended with an error", exc_info=loop.exception())
        await self._hand_back_unsent()

    async def _hand_back_unsent(self) -> None:
        """Mails handed over but not sent go back to the store at once, for another worker to send."""
        keys = [handed.notification.idempotency_key for handed in self._handed]
        self._handed.clear()
        try:
            await self._outbox.release(keys, self._now())
        except Exception:
            # Still claimed: they go out from any loop once the claim has run out.
            log.exception("mail outbox: handing back %d unsent mails failed", len(keys))

    async def run(self) -> None:
        """Deliver until stopped (or cancelled), over an SMTP connection kept between batches."""
        async with self._sender.session() as kept:
            self._kept = kept
            try:
                while not self._stopping:
                    try:
                        delivered_all = await self.deliver_due()
                    except Exception:
                        # The database is away (or locked): the mails stay queued; say so and look again.
                        log.exception("mail outbox: claiming or stamping mails failed; trying again")
                        delivered_all = True
                    if delivered_all and not self._stopping:
                        await self._idle()
            finally:
                self._kept = None

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
        if self._kept is not None:
            await self._kept.close_if_idle(self._policy.keep_connection.total_seconds())

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[MailSession]:
        """The running loop's kept connection; a call from outside the loop gets one for its batch."""
        if self._kept is None:
            async with self._sender.session() as smtp:
                yield smtp
            return
        yield self._kept

    async def deliver_due(self) -> bool:
        """Send one batch of due mails; True when fewer than a batch were due (nothing left to do now).

        Mails handed over come first; the store is looked at when none were, and at least once a poll
        interval besides, so that mails waiting there (a retry, another worker's) are not held up.
        """
        due = self._take_handed()
        claimed_all = True
        loop_time = asyncio.get_running_loop().time()
        if not due or loop_time - self._last_store_look >= self._policy.poll_seconds:
            self._last_store_look = loop_time
            claimed = await self._outbox.claim(
                limit=self._policy.batch, lease=self._policy.lease, now=self._now()
            )
            due += [self._due(mail) for mail in claimed]
            claimed_all = len(claimed) < self._policy.batch
        await self._send(due)
        return claimed_all and not self._handed

    def _take_handed(self) -> list[_Due]:
        # Sent only well within their claim: one sent after it ran out could go out twice.
        send_before = self._now() + self._policy.lease / 2
        taken: list[_Due] = []
        while self._handed and len(taken) < self._policy.batch:
            handed = self._handed.popleft()
            if handed.claimed_until > send_before:
                taken.append(_Due(handed.notification.idempotency_key, handed.notification, attempts=1))
        return taken

    async def _send(self, due: list[_Due]) -> None:
        if not due:
            return
        sent: list[SentRecord] = []
        # Mails are handled in order: the first `handled` are done, the rest are not.
        handled = 0
        try:
            async with self._connection() as smtp:
                for mail in due:
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
            unsent = [mail.idempotency_key for mail in due[handled:]]
            await asyncio.shield(self._settle(sent, unsent))

    async def _settle(self, sent: list[SentRecord], unsent: list[str]) -> None:
        now = self._now()
        await self._outbox.mark_sent(sent, now)
        await self._outbox.release(unsent, now)

    async def _deliver(self, smtp: MailSession, mail: _Due) -> SentRecord | None:
        # Mails print the ticket's number (工单编号); a failure to read it leaves the mail queued.
        number = await self._number_of(mail.notification)
        try:
            notification = self._sendable(mail)
            rendered = self._render(notification, number)
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

    @staticmethod
    def _due(mail: ClaimedMail) -> _Due:
        try:
            notification = _NOTIFICATION.validate_python(mail.notification)
        except ValidationError as error:
            return _Due(mail.idempotency_key, None, mail.attempts, f"unreadable outbox row: {error}")
        return _Due(mail.idempotency_key, notification, mail.attempts)

    @staticmethod
    def _sendable(mail: _Due) -> NotificationInput:
        if mail.notification is None:
            raise PermanentMailFailure(mail.problem)
        if not mail.notification.recipient.email:
            raise PermanentMailFailure(f"{mail.notification.recipient.name} has no e-mail address")
        return mail.notification

    async def _number_of(self, notification: NotificationInput | None) -> str | None:
        if self._numbers is None or notification is None:
            return None
        return await self._numbers.of(notification.ticket.ticket_id)

    def _render(self, notification: NotificationInput, number: str | None) -> RenderedMail:
        try:
            return self._renderer.render(
                notification.template, mail_context(notification, self._ticket_url_base, number)
            )
        except UnknownTemplate as error:
            raise PermanentMailFailure(f"unknown mail template {notification.template!r}") from error
