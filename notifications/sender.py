"""Delivers rendered mail over SMTP, failing loudly so the calling activity retries."""

from __future__ import annotations

import asyncio
import hashlib
import math
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.utils import format_datetime, parseaddr

import aiosmtplib

from elevator_orders.clock import Clock, system_clock
from notifications.mime import header_value, mailbox, multipart_alternative, multipart_mixed
from notifications.render import RenderedMail

MESSAGE_ID_DOMAIN = "elevator-orders"


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach the outgoing SMTP server."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    use_tls: bool = False
    timeout_seconds: float = 10.0


def message_id_for(idempotency_key: str) -> str:
    """A Message-ID that is the same every time the same notification is sent."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


class MailSender:
    """Sends one rendered mail per call; every failure propagates to the caller."""

    def __init__(self, config: SmtpConfig, mail_from: str, clock: Clock = system_clock) -> None:
        self._config = config
        self._mail_from = mail_from
        self._envelope_from = parseaddr(mail_from)[1]
        self._from_header = mailbox(*parseaddr(mail_from))
        self._clock = clock
        self._local_hostname: str | None = None

    async def send(self, *, to: str, mail: RenderedMail, idempotency_key: str) -> None:
        """Send `mail` to `to` on a connection of its own; raise if the server did not accept it."""
        async with self.session() as session:
            await session.send(to=to, mail=mail, idempotency_key=idempotency_key)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[MailSession]:
        """One SMTP connection for several mails (a batch from the outbox), opened on the first send."""
        session = MailSession(self)
        try:
            yield session
        finally:
            await session.close()

    async def _client(self) -> aiosmtplib.SMTP:
        config = self._config
        if self._local_hostname is None:
            # The name EHLO gives. aiosmtplib looks it up (getfqdn, on a thread) for every connection
            # it is not given; ours is the same for the life of the process.
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            local_hostname=self._local_hostname,
            username=config.username or None,
            password=config.password or None,
            use_tls=config.use_tls,
            timeout=config.timeout_seconds,
        )

    def _build(self, *, to: str, mail: RenderedMail, idempotency_key: str) -> bytes:
        """The multipart/alternative message, plain text and HTML, as it goes on the wire."""
        headers = [
            ("From", self._from_header),
            ("To", mailbox(*parseaddr(to))),
            ("Subject", header_value(mail.subject)),
            ("Date", format_datetime(self._clock())),
            # Activity retries re-send the same notification; a stable id lets receivers drop duplicates.
            ("Message-ID", message_id_for(idempotency_key)),
            ("X-Idempotency-Key", header_value(idempotency_key)),
            # RFC 3834: keeps out-of-office robots from replying to a no-reply platform address.
            ("Auto-Submitted", "auto-generated"),
        ]
        if mail.attachments:
            return multipart_mixed(headers, text=mail.text, html=mail.html, attachments=mail.attachments)
        # Base64 bodies survive relays without 8BITMIME, which plain UTF-8 Chinese text would not.
        return multipart_alternative(headers, text=mail.text, html=mail.html)


class MailSession:
    """Mails over one kept SMTP connection; a failed send closes it, and the next send opens a new one.

    A connection the server has closed meanwhile (an idle timeout, a restart) is not reused: the next
    send opens a new one.
    """

    def __init__(self, sender: MailSender) -> None:
        self._sender = sender
        self._smtp: aiosmtplib.SMTP | None = None
        # When the connection last carried a mail (time.monotonic()).
        self._last_sent = -math.inf

    async def close_if_idle(self, idle_seconds: float) -> None:
        """Close the connection if no mail went over it for `idle_seconds`: the server holds no idle one."""
        if self._smtp is not None and time.monotonic() - self._last_sent >= idle_seconds:
            await self.close()

    async def send(self, *, to: str, mail: RenderedMail, idempotency_key: str) -> None:
        """Send `mail` to `to`; raise if the server did not accept it (the connection is then dropped)."""
        message = self._sender._build(to=to, mail=mail, idempotency_key=idempotency_key)
        try:
            if self._smtp is not None and not self._smtp.is_connected:
                await self.close()
            if self._smtp is None:
                smtp = await self._sender._client()
                await smtp.connect()
                self._smtp = smtp
            await self._smtp.sendmail(self._sender._envelope_from, [parseaddr(to)[1]], message)
            self._last_sent = time.monotonic()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None or not smtp.is_connected:
            return
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            # The server went away while we said goodbye: the transport must still be released.
            smtp.close()
