"""The benchmark's lean SMTP sink takes the product's mails as a real SMTP server would, byte for byte."""

from __future__ import annotations

import importlib.util
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path
from types import ModuleType

import aiosmtplib

from notifications.render import MailRenderer
from notifications.sender import MailSender, SmtpConfig
from tests.notifications.contexts import rescue_context

_SINK_PATH = Path(__file__).resolve().parent.parent / "bench" / "mail_sink.py"


def _sink_module() -> ModuleType:
    # bench/ holds scripts run with bench/ on sys.path, not a package.
    spec = importlib.util.spec_from_file_location("bench_mail_sink", _SINK_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_mails_sent_over_one_connection_arrive_whole_and_in_order() -> None:
    renderer = MailRenderer()
    dispatched = renderer.render("rescue_dispatched", rescue_context())
    notified = renderer.render("rescue_use_unit_notified", rescue_context())
    with _sink_module().LeanSmtpSink() as sink:
        sender = MailSender(SmtpConfig(host=sink.host, port=sink.port), "noreply@elevator-orders.sh.cn")
        async with sender.session() as session:
            await session.send(to="rescue@pd-weibao.example.cn", mail=dispatched, idempotency_key="k-1")
            await session.send(to="safety@huarun-wuye.example.cn", mail=notified, idempotency_key="k-2")
        await sink.wait_for_count(2, timeout=10)
        raw = sink.messages

    messages = [BytesParser(policy=policy.default).parsebytes(data) for data in raw]
    assert [m["Subject"] for m in messages] == [dispatched.subject, notified.subject]
    assert [m["To"] for m in messages] == ["rescue@pd-weibao.example.cn", "safety@huarun-wuye.example.cn"]
    texts = [m.get_body(preferencelist=("plain",)) for m in messages]
    assert [t.get_content() if t is not None else None for t in texts] == [dispatched.text, notified.text]


async def test_lines_that_start_with_a_dot_come_out_as_written() -> None:
    # They go on the wire dot-stuffed (RFC 5321 4.5.2); a lone dot would otherwise end the message.
    message = b"Subject: dots\r\n\r\n.first\r\n..second\r\n.\r\nlast\r\n"
    with _sink_module().LeanSmtpSink() as sink:
        await aiosmtplib.send(
            message, sender="a@example.cn", recipients=["b@example.cn"], hostname=sink.host, port=sink.port
        )
        await sink.wait_for_count(1, timeout=10)
        assert sink.messages == [message]
