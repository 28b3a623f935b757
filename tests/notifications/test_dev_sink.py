"""The development mail sink files every message so a developer can open it."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

from notifications.dev_sink import DevMailSink
from notifications.render import MailRenderer
from notifications.sender import MailSender, SmtpConfig
from tests.notifications.contexts import rescue_context
from tests.support.ports import LOOPBACK, free_port


async def test_each_message_becomes_a_readable_eml_file(tmp_path: Path, renderer: MailRenderer) -> None:
    outbox = tmp_path / "var" / "mail"
    sink = DevMailSink(LOOPBACK, free_port(), outbox)
    sender = MailSender(SmtpConfig(host=sink.host, port=sink.port), "noreply@elevator-orders.sh.cn")
    dispatched = renderer.render("rescue_dispatched", rescue_context())
    notified = renderer.render("rescue_use_unit_notified", rescue_context())

    sink.start()
    try:
        # The sink stores a message before acknowledging it, so the files exist once send() returns.
        await sender.send(to="rescue@pd-weibao.example.cn", mail=dispatched, idempotency_key="k-1")
        await sender.send(to="safety@huarun-wuye.example.cn", mail=notified, idempotency_key="k-2")
    finally:
        sink.stop()

    files = sorted(outbox.glob("*.eml"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
    assert [path.stem.rsplit("-", 1)[1] for path in files] == ["1", "2"]
    assert set(outbox.iterdir()) == set(files)
    messages = [BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in files]
    assert [m["Subject"] for m in messages] == [dispatched.subject, notified.subject]
    assert messages[1]["X-RcptTo"] == "safety@huarun-wuye.example.cn"
    body = messages[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content() == dispatched.text


def test_stopping_a_sink_that_never_started_is_harmless(tmp_path: Path) -> None:
    DevMailSink(LOOPBACK, free_port(), tmp_path).stop()
