"""Every rescue notification says what happened, to whom, where and by when, in safe HTML."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from domain.calendar import CHINA_TIME
from domain.policies import policy_rules, policy_table
from notifications.render import MailRenderer, RenderedMail, UnknownTemplate
from tests.notifications.contexts import ADDRESS, ALARM_AT, TICKET_ID, TICKET_NUMBER, rescue_context

# A mainland mobile number standing alone; the 20-digit registration code must not count.
TICKET_URL = f"http://127.0.0.1:8000/tickets/{TICKET_ID}"
_MOBILE_NUMBER = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@dataclass(frozen=True)
class Case:
    template: str
    phrases: tuple[str, ...]
    event: dict[str, Any] = field(default_factory=dict)
    ticket: dict[str, Any] = field(default_factory=dict)


# Before release the platform knows nothing about the rescue outcome yet.
TRAPPED: dict[str, Any] = {
    "state_label": "已派单",
    "confirm_by": None,
    "people_freed": None,
    "handler_name": None,
    "released_at": None,
    "closed_at": None,
}

CASES = (
    Case(
        "rescue_dispatched",
        ("发生困人", "2026-11-25 20:10 前在平台接单", "2026-11-25 20:35 前到达现场", "30 分钟"),
        ticket=TRAPPED,
    ),
    Case(
        "rescue_use_unit_notified",
        ("贵单位管理", "平台已派单至上海三菱电梯有限公司浦东维保站", "与被困乘客保持联系"),
        ticket=TRAPPED,
    ),
    Case(
        "rescue_accept_overdue",
        ("上海奥的斯电梯维保有限公司未在规定时限内接单", "改派至上海三菱电梯有限公司浦东维保站"),
        {"original_unit_name": "上海奥的斯电梯维保有限公司"},
        TRAPPED,
    ),
    Case(
        "rescue_arrival_overdue",
        ("2026-11-25 20:35", "仍无救援人员到达现场", "记录在案"),
        ticket={**TRAPPED, "state_label": "已接单"},
    ),
    Case(
        "rescue_accident",
        ("超过 2 小时", "一般事故", "《特种设备安全监察条例》"),
        ticket={**TRAPPED, "state_label": "已到场"},
    ),
    Case(
        "rescue_confirmation_requested",
        ("已解困", "2 人", "王建国", "2026-11-25 20:47", "2026-11-26 20:47 前", "困人救援工单确认"),
    ),
    Case(
        "rescue_confirmation_overdue",
        ("上海华润物业管理有限公司未在确认时限 2026-11-26 20:47 前完成困人救援工单确认",),
    ),
    Case(
        "rescue_closed",
        ("已经使用管理单位确认", "2026-11-25 23:05 办结", "2 人", "王建国"),
        ticket={"state_label": "已办结", "closed_at": ALARM_AT + timedelta(hours=3)},
    ),
    Case(
        "rescue_cancelled",
        ("已撤销", "撤销原因：经电话核实为乘客误触报警按钮"),
        {"reason": "经电话核实为乘客误触报警按钮"},
        {**TRAPPED, "state_label": "已撤销"},
    ),
    Case(
        "rescue_report_after_release",
        ("2026-11-25 20:47 解困", "来源：乘客扫码报警", "新的困人事件", "核实"),
        {"source_label": "乘客扫码报警"},
    ),
)


def _visible_text(markup: str) -> str:
    """What a mail client shows of an HTML body: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def _render(renderer: MailRenderer, case: Case) -> RenderedMail:
    return renderer.render(case.template, rescue_context(ticket=case.ticket, **case.event))


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_subject_names_the_rescue_the_place_and_the_ticket(renderer: MailRenderer, case: Case) -> None:
    subject = _render(renderer, case).subject

    assert subject.startswith("【困人救援")
    assert ADDRESS in subject
    assert TICKET_NUMBER in subject
    assert TICKET_ID not in subject
    assert "\n" not in subject


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_both_bodies_carry_the_facts_and_the_platform_signature(renderer: MailRenderer, case: Case) -> None:
    mail = _render(renderer, case)

    for body in (mail.text, _visible_text(mail.html)):
        assert "浦东新区市场监督管理局：" in body
        assert TICKET_NUMBER in body
        assert ADDRESS in body
        assert "上海智慧电梯平台" in body
        for phrase in case.phrases:
            assert phrase in body, f"{case.template}: {phrase!r} missing"
        assert "None" not in body
        assert not _MOBILE_NUMBER.search(body)
    assert f"工单链接：{TICKET_URL}" in mail.text
    assert f'href="{TICKET_URL}"' in mail.html
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")


def test_alarm_time_is_shown_in_shanghai_time(renderer: MailRenderer) -> None:
    mail = renderer.render("rescue_dispatched", rescue_context())

    assert "报警时间：2026-11-25 20:05" in mail.text


def test_dispatch_mentions_redispatch_only_when_redispatched(renderer: MailRenderer) -> None:
    first = renderer.render("rescue_dispatched", rescue_context())
    redispatched = renderer.render("rescue_dispatched", rescue_context(redispatched=True))

    assert "改派" not in first.subject + first.text + first.html
    assert "改派" in redispatched.subject
    for body in (redispatched.text, _visible_text(redispatched.html)):
        assert "维保单位未在规定时限内接单" in body
        assert "改派至贵站" in body


def test_limits_are_stated_from_the_policy_rows_in_force(renderer: MailRenderer) -> None:
    # A deployment whose policy sets 20 minutes to arrive and 90 to free the people mails those limits.
    local = MailRenderer(policies=policy_table({"rescue.arrive": 20, "rescue.accident": 1.5}))

    default_dispatch = renderer.render("rescue_dispatched", rescue_context())
    local_dispatch = local.render("rescue_dispatched", rescue_context())
    local_accident = local.render("rescue_accident", rescue_context())

    assert "应在接到报警后 30 分钟内抵达现场" in default_dispatch.text
    assert "应在接到报警后 20 分钟内抵达现场" in local_dispatch.text
    assert "应在接到报警后 20 分钟内抵达现场" in local_dispatch.html
    assert "被困超过 1.5 小时" in local_accident.subject
    assert "自报警起已超过 1.5 小时" in local_accident.text
    # The regulation's own words are quoted as written, whatever the local limit.
    assert "电梯轿厢滞留人员 2 小时以上的，为一般事故" in local_accident.text


def test_unknown_freed_count_and_handler_show_as_dash(renderer: MailRenderer) -> None:
    context = rescue_context(ticket={"people_freed": None, "handler_name": None})

    mail = renderer.render("rescue_confirmation_requested", context)

    assert "解困人数：—" in mail.text
    assert "现场处置人员：—" in mail.text
    assert "None" not in mail.text + mail.html


def test_missing_deadlines_ask_for_immediate_action(renderer: MailRenderer) -> None:
    context = rescue_context(ticket={"accept_by": None, "arrive_by": None})

    mail = renderer.render("rescue_dispatched", context)

    assert "请立即在平台接单" in mail.text
    assert "None" not in mail.text + mail.html


def test_cancellation_without_reason_says_so(renderer: MailRenderer) -> None:
    mail = renderer.render("rescue_cancelled", rescue_context(reason=""))

    assert "撤销原因：未填写" in mail.text


def test_html_escapes_markup_from_the_data(renderer: MailRenderer) -> None:
    address = "<script>alert('困人')</script>张杨路500号"

    mail = renderer.render("rescue_dispatched", rescue_context(elevator={"address": address}))

    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    # Plain text and headers are not HTML, so the address reads exactly as entered there.
    assert address in mail.text
    assert address in mail.subject


def test_missing_required_extra_fails_instead_of_mailing_a_blank(renderer: MailRenderer) -> None:
    with pytest.raises(UndefinedError):
        renderer.render("rescue_accept_overdue", rescue_context())


def test_naive_time_is_refused_rather_than_guessed(renderer: MailRenderer) -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        renderer.render(
            "rescue_dispatched", rescue_context(ticket={"alarm_at": datetime(2026, 11, 25, 20, 5)})
        )


@pytest.mark.parametrize("name", ["rescue_unknown", "../mail/rescue_closed", "Rescue_Closed", ""])
def test_unknown_template_is_rejected(renderer: MailRenderer, name: str) -> None:
    with pytest.raises(UnknownTemplate):
        renderer.render(name, rescue_context())


def test_unknown_template_is_a_value_error() -> None:
    assert issubclass(UnknownTemplate, ValueError)


def test_templates_dir_can_be_replaced_and_subject_is_one_line(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    (mail_dir / "hello").mkdir(parents=True)
    (mail_dir / "base.html").write_text("<p>{% block content %}{% endblock %}</p>", encoding="utf-8")
    (mail_dir / "hello" / "subject.txt").write_text("  您好\n  {{ name }}  \n\n", encoding="utf-8")
    (mail_dir / "hello" / "body.txt").write_text("{{ name }}：您好", encoding="utf-8")
    (mail_dir / "hello" / "body.html").write_text(
        '{% extends "mail/base.html" %}{% block content %}{{ name }}{% endblock %}', encoding="utf-8"
    )

    mail = MailRenderer(tmp_path).render("hello", {"name": "<徐汇区>"})

    assert mail == RenderedMail(
        subject="您好 <徐汇区>", text="<徐汇区>：您好\n", html="<p>&lt;徐汇区&gt;</p>\n"
    )


def test_a_limit_is_stated_from_the_rules_in_force_when_the_ticket_was_filed(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail" / "decision_due"
    mail_dir.mkdir(parents=True)
    for name in ("subject.txt", "body.txt", "body.html"):
        (mail_dir / name).write_text(
            '自收到投诉之日起 {{ limit("complaint.decide") }}内作出决定', encoding="utf-8"
        )
    # The limit a deployment set after reading Order 121; complaints filed under Order 20 keep its 7 days.
    renderer = MailRenderer(tmp_path, policies=policy_rules({"complaint.decide": 10}))

    def text(filed_at: datetime) -> str:
        return renderer.render("decision_due", {"ticket": {"alarm_at": filed_at}}).text

    assert "7 个工作日内" in text(datetime(2026, 4, 14, 12, tzinfo=CHINA_TIME))
    assert "10 个工作日内" in text(datetime(2026, 4, 15, 9, tzinfo=CHINA_TIME))
