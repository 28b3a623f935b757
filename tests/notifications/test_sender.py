"""MailSender delivers real SMTP mail that receivers can de-duplicate, and fails loudly."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import pytest

from notifications.render import MailRenderer, RenderedMail
from notifications.sender import MailSender, SmtpConfig, message_id_for
from tests.notifications.contexts import rescue_context
from tests.support.ports import LOOPBACK, free_port
from tests.support.smtp import MailCatcher

MAIL_FROM = "上海智慧电梯平台 <noreply@elevator-orders.sh.cn>"
TO = "rescue@pd-weibao.example.cn"
KEY = "KR-20261125-000123:rescue_dispatched:rescue@pd-weibao.example.cn"


SENT_AT = datetime(2026, 11, 25, 12, 5, 30, tzinfo=UTC)


def _sender(port: int, *, timeout_seconds: float = 5.0) -> MailSender:
    return MailSender(
        SmtpConfig(host=LOOPBACK, port=port, timeout_seconds=timeout_seconds),
        MAIL_FROM,
        clock=lambda: SENT_AT,
    )


def _only(messages: list[EmailMessage]) -> EmailMessage:
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


@pytest.fixture
def mail(renderer: MailRenderer) -> RenderedMail:
    """A real rendered dispatch notice."""
    return renderer.render("rescue_dispatched", rescue_context())


async def test_delivers_chinese_multipart_mail_with_idempotency_headers(
    mail_catcher: MailCatcher, mail: RenderedMail
) -> None:
    await _sender(mail_catcher.port).send(to=TO, mail=mail, idempotency_key=KEY)

    received = _only(await mail_catcher.wait_for(lambda messages: len(messages) >= 1))
    assert received["Subject"] == mail.subject
    assert received["To"] == TO
    assert received["From"].addresses[0].display_name == "上海智慧电梯平台"
    assert received["From"].addresses[0].addr_spec == "noreply@elevator-orders.sh.cn"
    # The Date header is the sender's clock, here one the test chose.
    assert received["Date"].datetime == SENT_AT
    # A key this long is folded onto its own line; unfolding leaves the folding space in front.
    assert received["X-Idempotency-Key"].strip() == KEY
    assert received["Message-ID"] == message_id_for(KEY)
    assert received.get_content_type() == "multipart/alternative"
    plain = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content() == mail.text
    assert html.get_content() == mail.html


async def test_retry_after_temporary_failure_delivers_the_same_message_id(
    mail_catcher: MailCatcher, mail: RenderedMail
) -> None:
    sender = _sender(mail_catcher.port)
    mail_catcher.fail_next()

    with pytest.raises(aiosmtplib.SMTPDataError, match="Temporary failure"):
        await sender.send(to=TO, mail=mail, idempotency_key=KEY)
    await sender.send(to=TO, mail=mail, idempotency_key=KEY)

    received = _only(await mail_catcher.wait_for(lambda messages: len(messages) >= 1))
    assert received["Message-ID"] == message_id_for(KEY)


def test_message_id_is_stable_per_key_and_distinct_across_keys() -> None:
    assert message_id_for(KEY) == message_id_for(KEY)
    assert message_id_for(KEY) != message_id_for(KEY + "-2")
    assert message_id_for(KEY).startswith("<")
    assert message_id_for(KEY).endswith("@elevator-orders>")


async def test_refused_connection_raises(mail: RenderedMail) -> None:
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await _sender(free_port()).send(to=TO, mail=mail, idempotency_key=KEY)


async def test_silent_server_times_out(mail: RenderedMail) -> None:
    disconnected = asyncio.Event()

    async def never_greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()
        finally:
            writer.close()
            disconnected.set()

    server = await asyncio.start_server(never_greet, LOOPBACK, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(aiosmtplib.SMTPTimeoutError):
            await _sender(port, timeout_seconds=0.2).send(to=TO, mail=mail, idempotency_key=KEY)
        await asyncio.wait_for(disconnected.wait(), timeout=5)
    finally:
        server.close()
        await server.wait_closed()
