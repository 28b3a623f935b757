"""The wire form of a notification reads back, in any mail client's parser, as exactly what was rendered."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from notifications.mime import HeaderInjection, header_value, mailbox, multipart_alternative

LONG_SUBJECT = "【困人救援】浦东新区世纪大道100号1号楼2号梯困人，请于30分钟内到达现场并在平台上确认到场 (KR-20261125-000123)"
TEXT = "您好：\n.以英文句点开头的一行\n" + "救援单位已接单。" * 40 + "\n"
HTML = "<p>您好：</p>\n<p>救援单位已接单 &amp; 出发。</p>\n"


def _parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _message(subject: str = LONG_SUBJECT) -> bytes:
    return multipart_alternative(
        [
            ("From", mailbox("上海智慧电梯平台", "noreply@elevator-orders.sh.cn")),
            ("To", mailbox("", "rescue@pd-weibao.example.cn")),
            ("Subject", header_value(subject)),
        ],
        text=TEXT,
        html=HTML,
    )


def test_a_long_chinese_subject_folds_within_78_characters_and_reads_back_whole() -> None:
    raw = _message()

    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert _parsed(raw)["Subject"] == LONG_SUBJECT


def test_both_bodies_read_back_exactly_as_rendered() -> None:
    received = _parsed(_message())

    assert received.get_content_type() == "multipart/alternative"
    plain = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content() == TEXT
    assert html.get_content() == HTML
    # Every line of the wire form is plain ASCII within RFC 5322's 78 characters.
    assert all(len(line) <= 78 for line in _message().split(b"\r\n"))


def test_sender_and_recipient_names_survive_in_any_script() -> None:
    received = _parsed(_message())

    assert received["From"].addresses[0].display_name == "上海智慧电梯平台"
    assert received["From"].addresses[0].addr_spec == "noreply@elevator-orders.sh.cn"
    assert received["To"] == "rescue@pd-weibao.example.cn"
    assert mailbox('Ops "night" desk', "ops@e.cn") == '"Ops \\"night\\" desk" <ops@e.cn>'


@pytest.mark.parametrize(
    "forged",
    ["浦东\r\nBcc: victim@example.com", "KR-1\nBcc: victim@example.com", "KR-1\rX: y"],
)
def test_a_line_break_in_a_value_cannot_start_a_header_of_its_own(forged: str) -> None:
    with pytest.raises(HeaderInjection):
        header_value(forged)
    with pytest.raises(HeaderInjection):
        multipart_alternative([("X-Idempotency-Key", forged)], text=TEXT, html=HTML)
    with pytest.raises(HeaderInjection):
        mailbox("", "a@b.cn\r\nBcc: victim@example.com")
