"""The generic work-order notifications, shown with a fault-repair ticket: facts, deadlines, safe HTML."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from jinja2 import UndefinedError

from notifications.render import MailRenderer, RenderedMail

# 2026-11-26 09:12 in Shanghai; given in UTC so the tests prove the conversion.
OPENED_AT = datetime(2026, 11, 26, 1, 12, tzinfo=UTC)
TICKET_ID = "GZ-20261126-000045"
TICKET_NUMBER = "GZ-PD-20261126-0045"
TICKET_URL = f"http://127.0.0.1:8000/tickets/{TICKET_ID}"
ADDRESS = "张杨路500号华润时代广场2号楼"
MAINTAINER = "上海三菱电梯有限公司浦东维保站"
USE_UNIT = "上海华润物业管理有限公司"
REGULATOR = "浦东新区市场监督管理局"
# A mainland mobile number standing alone; the 20-digit registration code must not count.
_MOBILE_NUMBER = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def fault_repair_context(
    *,
    ticket: dict[str, Any] | None = None,
    elevator: dict[str, Any] | None = None,
    recipient: str = MAINTAINER,
    **event: Any,
) -> dict[str, Any]:
    """An accepted fault repair; `ticket`/`elevator` override fields, keywords become `event`."""
    return {
        "ticket": {
            "ticket_id": TICKET_ID,
            "number": TICKET_NUMBER,
            "kind": "fault_repair",
            "kind_label": "故障维修",
            "state_label": "已接单",
            "source_label": "使用单位报修",
            "alarm_at": OPENED_AT,
            "assigned_unit_name": MAINTAINER,
            # 2026-11-26 11:12 in Shanghai.
            "due_at": OPENED_AT + timedelta(hours=2),
            "step_label": "到场",
            "note": "",
            "accept_by": OPENED_AT + timedelta(minutes=30),
            "arrive_by": OPENED_AT + timedelta(hours=2),
            "confirm_by": None,
            "people_freed": None,
            "handler_name": None,
            "released_at": None,
            "closed_at": None,
            "url": TICKET_URL,
            **(ticket or {}),
        },
        "elevator": {
            "code": "31103101002013120045",
            "address": ADDRESS,
            "district": "浦东新区",
            "use_unit_name": USE_UNIT,
            "maintenance_unit_name": MAINTAINER,
            **(elevator or {}),
        },
        "recipient": {"name": recipient},
        "event": event,
    }


@dataclass(frozen=True)
class Case:
    template: str
    recipient: str
    phrases: tuple[str, ...]
    event: dict[str, Any] = field(default_factory=dict)
    ticket: dict[str, Any] = field(default_factory=dict)


FIXED: dict[str, Any] = {
    "state_label": "已修复待确认",
    "handler_name": "王建国",
    "step_label": "确认",
    # 2026-11-29 18:00 in Shanghai: three working days to confirm.
    "due_at": datetime(2026, 11, 29, 10, 0, tzinfo=UTC),
}

CASES = (
    Case(
        "work_order_assigned",
        MAINTAINER,
        (
            "平台生成一张故障维修工单",
            "工单内容：电梯停在3楼无法运行",
            "请于 2026-11-26 09:42 前在平台完成接单",
        ),
        {"summary": "电梯停在3楼无法运行"},
        {"state_label": "已报修", "step_label": "接单", "due_at": OPENED_AT + timedelta(minutes=30)},
    ),
    Case(
        "work_order_reminder",
        MAINTAINER,
        (
            "“到场”环节的办理时限为 2026-11-26 11:12",
            "请贵单位于 2026-11-26 11:12 前在平台完成到场",
            "上报区市场监管部门",
        ),
        {"step_label": "到场"},
    ),
    Case(
        "work_order_escalated",
        REGULATOR,
        (
            f"{MAINTAINER}未在规定时限 2026-11-26 11:12 前完成“到场”",
            "转入贵单位的监管待办",
            "记录在案",
        ),
        {"step_label": "到场"},
    ),
    Case(
        "confirmation_requested",
        USE_UNIT,
        (
            f"承办单位{MAINTAINER}报告已处理完毕",
            "处理情况：更换门机皮带，运行正常",
            "现场处置人员：王建国",
            "2026-11-29 18:00 前在平台确认或提出异议",
        ),
        {"summary": "更换门机皮带，运行正常"},
        FIXED,
    ),
    Case(
        "confirmation_disputed",
        MAINTAINER,
        (f"使用管理单位{USE_UNIT}对处理结果提出异议", "退回贵单位重新处理", "异议理由：运行时仍有异响"),
        {"reason": "运行时仍有异响"},
    ),
    Case(
        "work_order_closed",
        USE_UNIT,
        (
            "已经使用管理单位确认",
            "于 2026-11-26 15:30 办结",
            "处理情况：更换门机皮带",
            "现场处置人员：王建国",
        ),
        {"summary": "更换门机皮带"},
        {
            **FIXED,
            "state_label": "已办结",
            "step_label": "",
            "due_at": None,
            "closed_at": OPENED_AT + timedelta(hours=6, minutes=18),
        },
    ),
)


def _visible_text(markup: str) -> str:
    """What a mail client shows of an HTML body: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def _render(renderer: MailRenderer, case: Case, **overrides: Any) -> RenderedMail:
    context = fault_repair_context(
        ticket={**case.ticket, **overrides.pop("ticket", {})},
        elevator=overrides.pop("elevator", None),
        recipient=case.recipient,
        **{**case.event, **overrides},
    )
    return renderer.render(case.template, context)


def _case(template: str) -> Case:
    return next(case for case in CASES if case.template == template)


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_subject_names_the_kind_the_place_and_the_ticket(renderer: MailRenderer, case: Case) -> None:
    subject = _render(renderer, case).subject

    assert subject.startswith("【故障维修】")
    assert ADDRESS in subject
    assert TICKET_NUMBER in subject
    assert "\n" not in subject


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_both_bodies_carry_the_facts_and_the_platform_signature(renderer: MailRenderer, case: Case) -> None:
    mail = _render(renderer, case)

    for body in (mail.text, _visible_text(mail.html)):
        assert f"{case.recipient}：" in body
        assert TICKET_NUMBER in body
        assert ADDRESS in body
        assert "故障维修" in body
        assert "上海智慧电梯平台" in body
        for phrase in case.phrases:
            assert phrase in body, f"{case.template}: {phrase!r} missing"
        assert "None" not in body
        assert not _MOBILE_NUMBER.search(body)
    assert f"工单链接：{TICKET_URL}" in mail.text
    assert f'href="{TICKET_URL}"' in mail.html
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("template", ["work_order_assigned", "work_order_closed", "confirmation_requested"])
def test_a_missing_summary_is_not_an_error(renderer: MailRenderer, template: str) -> None:
    case = _case(template)
    context = fault_repair_context(ticket=case.ticket, recipient=case.recipient)

    mail = renderer.render(template, context)

    assert "工单内容：" not in mail.text
    assert "None" not in mail.text + mail.html


def test_assignment_without_deadline_asks_to_act_soon(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("work_order_assigned"), ticket={"due_at": None})

    for body in (mail.text, _visible_text(mail.html)):
        assert "请尽快处理" in body
        assert "逾期" not in body
        assert "None" not in body


def test_reminder_without_deadline_asks_to_act_soon(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("work_order_reminder"), ticket={"due_at": None})

    for body in (mail.text, _visible_text(mail.html)):
        assert "“到场”环节即将到期" in body
        assert "请贵单位尽快在平台完成到场" in body
        assert "None" not in body


@pytest.mark.parametrize("template", ["work_order_assigned", "work_order_reminder"])
def test_a_regulators_own_clock_names_the_city_bureau_as_the_next_step(
    renderer: MailRenderer, template: str
) -> None:
    district = _render(renderer, _case(template))
    own_clock = _render(renderer, _case(template), escalates_to="上海市市场监督管理局")

    for body in (district.text, _visible_text(district.html)):
        assert "上报区市场监管部门" in body
    for body in (own_clock.text, _visible_text(own_clock.html)):
        assert "上报上海市市场监督管理局" in body
        assert "区市场监管部门" not in body


def test_confirmation_without_deadline_asks_to_confirm_soon(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("confirmation_requested"), ticket={"due_at": None, "handler_name": None})

    assert "尽快在平台确认或提出异议" in mail.text
    assert "现场处置人员：—" in mail.text
    assert "None" not in mail.text + mail.html


def test_dispute_without_reason_says_so(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("confirmation_disputed"), reason="")

    assert "异议理由：未填写" in mail.text


@pytest.mark.parametrize(
    ("template", "missing"),
    [
        ("work_order_reminder", "step_label"),
        ("work_order_escalated", "step_label"),
        ("confirmation_disputed", "reason"),
    ],
)
def test_missing_required_event_key_fails_instead_of_mailing_a_blank(
    renderer: MailRenderer, template: str, missing: str
) -> None:
    case = _case(template)
    event = {key: value for key, value in case.event.items() if key != missing}

    with pytest.raises(UndefinedError):
        renderer.render(template, fault_repair_context(ticket=case.ticket, recipient=case.recipient, **event))


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_html_escapes_markup_from_the_data(renderer: MailRenderer, case: Case) -> None:
    address = "<script>alert('故障')</script>张杨路500号"

    mail = _render(renderer, case, elevator={"address": address}, summary="<b>门机</b>", reason="<i>异响</i>")

    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert "<b>" not in mail.html
    assert "<i>" not in mail.html
    # Plain text and headers are not HTML, so the address reads exactly as entered there.
    assert address in mail.text
    assert address in mail.subject


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_text_paragraphs_are_separated_by_a_blank_line(renderer: MailRenderer, case: Case) -> None:
    content = _render(renderer, case).text.split("【工单信息】")[0].strip().splitlines()

    for line, following in pairwise(content):
        if line.endswith("。"):
            assert following == "", f"{case.template}: no blank line after {line!r}"


def test_escalation_of_a_missed_confirmation_can_name_the_use_unit(renderer: MailRenderer) -> None:
    mail = _render(
        renderer, _case("work_order_escalated"), ticket=FIXED, step_label="确认", due_party_name=USE_UNIT
    )

    for body in (mail.text, _visible_text(mail.html)):
        assert f"{USE_UNIT}未在规定时限 2026-11-29 18:00 前完成“确认”" in body
        assert f"督促{USE_UNIT}尽快办理" in body


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_work_orders_name_the_assigned_unit_and_source_without_rescue_words(
    renderer: MailRenderer, case: Case
) -> None:
    mail = _render(renderer, case)
    for body in (mail.text, _visible_text(mail.html)):
        assert "承办单位" in body
        assert "工单来源" in body
        assert "救援单位" not in body
        assert "报警时间" not in body
