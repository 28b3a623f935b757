"""Delivers rendered mail over SMTP, failing loudly so the calling activity retries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

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

    def __init__(self, config: SmtpConfig, mail_from: str) -> None:
        self._config = config
        self._mail_from = mail_from

    async def send(self, *, to: str, mail: RenderedMail, idempotency_key: str) -> None:
        """Send `mail` to `to`; raise if the server did not accept it."""
        message = self._build(to=to, mail=mail, idempotency_key=idempotency_key)
        config = self._config
        # With a single recipient aiosmtplib raises on any refusal, so returning means the server took it.
        await aiosmtplib.send(
            message,
            # Headers may carry display names ("上海智慧电梯平台 <noreply@…>"); the envelope takes bare addresses.
            sender=parseaddr(self._mail_from)[1],
            recipients=[parseaddr(to)[1]],
            hostname=config.host,
            port=config.port,
            username=config.username or None,
            password=config.password or None,
            use_tls=config.use_tls,
            timeout=config.timeout_seconds,
        )

    def _build(self, *, to: str, mail: RenderedMail, idempotency_key: str) -> EmailMessage:
        """Assemble the multipart/alternative message."""
        message = EmailMessage()
        message["From"] = self._mail_from
        message["To"] = to
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        # Activity retries re-send the same notification; a stable id lets receivers drop duplicates.
        message["Message-ID"] = message_id_for(idempotency_key)
        message["X-Idempotency-Key"] = idempotency_key
        # RFC 3834: keeps out-of-office robots from replying to a no-reply platform address.
        message["Auto-Submitted"] = "auto-generated"
        # Base64 survives relays without 8BITMIME, which plain UTF-8 Chinese text would not.
        message.set_content(mail.text, charset="utf-8", cte="base64")
        message.add_alternative(mail.html, subtype="html", charset="utf-8", cte="base64")
        return message
