"""The hazard (隐患上报) notifications: verification requested, verification failed, closed."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from jinja2 import UndefinedError

from notifications.render import MailRenderer, RenderedMail

# 2026-11-26 09:12 in Shanghai; given in UTC so the tests prove the conversion.
REPORTED_AT = datetime(2026, 11, 26, 1, 12, tzinfo=UTC)
TICKET_ID = "hazard-31011500001-insp-sh-YH-2026-0045"
TICKET_NUMBER = "YH-PD-20261125-0045"
TICKET_URL = f"http://127.0.0.1:8000/tickets/{TICKET_ID}"
ADDRESS = "张杨路500号华润时代广场2号楼"
USE_UNIT = "上海华润物业管理有限公司"
MAINTAINER = "上海申达电梯维保有限公司"
REPORTER = "上海市特种设备监督检验技术研究院"
EVIDENCE = "已更换制动器闸瓦并调整制动间隙，附检测报告"
REASON = "制动间隙仍超出 0.7mm"
# A mainland mobile number standing alone; the 20-digit registration code must not count.
_MOBILE_NUMBER = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def hazard_context(
    *,
    ticket: dict[str, Any] | None = None,
    elevator: dict[str, Any] | None = None,
    recipient: str = REPORTER,
    **event: Any,
) -> dict[str, Any]:
    """A hazard an inspector reported; `ticket`/`elevator` override fields, keywords become `event`."""
    return {
        "ticket": {
            "ticket_id": TICKET_ID,
            "number": TICKET_NUMBER,
            "kind": "hazard",
            "kind_label": "隐患上报",
            "state_label": "已整改待验证",
            "source_label": "检验机构上报",
            "alarm_at": REPORTED_AT,
            "assigned_unit_name": USE_UNIT,
            "due_at": None,
            "step_label": "整改验证",
            "note": "",
            "accept_by": None,
            "arrive_by": None,
            "confirm_by": None,
            "people_freed": None,
            "handler_name": "李安全",
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


CASES = (
    Case(
        "hazard_verification_requested",
        REPORTER,
        (
            "贵单位于 2026-11-26 09:12 上报的",
            f"使用管理单位{USE_UNIT}报告已完成整改",
            f"整改情况：{EVIDENCE}",
            "整改材料提交人：李安全",
            "请贵单位核实整改情况，并于 2026-12-03 18:00 前在平台给出验证结论（通过或不通过）",
            "退回使用管理单位重新整改",
        ),
        {"summary": EVIDENCE},
        # 2026-12-03 18:00 in Shanghai.
        {"due_at": datetime(2026, 12, 3, 10, 0, tzinfo=UTC)},
    ),
    Case(
        "hazard_verification_failed",
        USE_UNIT,
        (
            "贵单位负责整改的",
            "上报单位核实后认为整改不到位",
            "退回贵单位重新整改",
            f"不通过理由：{REASON}",
            "请贵单位于 2026-12-17 18:00 前重新完成整改",
            "由上报单位再次核实",
        ),
        {"reason": REASON},
        {
            "state_label": "整改中",
            "step_label": "隐患整改",
            # 2026-12-17 18:00 in Shanghai: a fresh rectification clock.
            "due_at": datetime(2026, 12, 17, 10, 0, tzinfo=UTC),
        },
    ),
    Case(
        "hazard_closed",
        USE_UNIT,
        (
            f"使用管理单位{USE_UNIT}的整改已经上报单位核实通过",
            "于 2026-12-01 15:30 办结",
            "隐患上报时间：2026-11-26 09:12",
            f"整改单位：{USE_UNIT}",
            f"整改情况：{EVIDENCE}",
            "整改材料提交人：李安全",
        ),
        {"summary": EVIDENCE},
        {
            "state_label": "已办结",
            "step_label": "",
            "due_at": None,
            # 2026-12-01 15:30 in Shanghai.
            "closed_at": datetime(2026, 12, 1, 7, 30, tzinfo=UTC),
        },
    ),
)
# The wording of the generic work-order mails that is wrong for a hazard.
_GENERIC_WORDING = ("提出异议", "已经使用管理单位确认", "贵单位管理的", "确认或提出异议", "承办单位报告")


def _visible_text(markup: str) -> str:
    """What a mail client shows of an HTML body: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def _render(renderer: MailRenderer, case: Case, **overrides: Any) -> RenderedMail:
    context = hazard_context(
        ticket={**case.ticket, **overrides.pop("ticket", {})},
        elevator=overrides.pop("elevator", None),
        recipient=overrides.pop("recipient", case.recipient),
        **{**case.event, **overrides},
    )
    return renderer.render(case.template, context)


def _case(template: str) -> Case:
    return next(case for case in CASES if case.template == template)


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_subject_names_the_kind_the_place_and_the_ticket(renderer: MailRenderer, case: Case) -> None:
    subject = _render(renderer, case).subject

    assert subject.startswith("【隐患上报】")
    assert subject.endswith(f"（工单号 {TICKET_NUMBER}）")
    assert ADDRESS in subject
    assert "\n" not in subject


def test_subjects_say_what_happened(renderer: MailRenderer) -> None:
    subjects = {case.template: _render(renderer, case).subject for case in CASES}

    assert "已提交整改材料，请核实" in subjects["hazard_verification_requested"]
    assert "整改验证未通过，请重新整改" in subjects["hazard_verification_failed"]
    assert "已验证通过，工单已办结" in subjects["hazard_closed"]


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_both_bodies_carry_the_facts_and_the_platform_signature(renderer: MailRenderer, case: Case) -> None:
    mail = _render(renderer, case)

    for body in (mail.text, _visible_text(mail.html)):
        assert f"{case.recipient}：" in body
        assert TICKET_NUMBER in body
        assert ADDRESS in body
        assert "隐患上报" in body
        assert "工单来源" in body
        assert "检验机构上报" in body
        assert "上海智慧电梯平台" in body
        for phrase in case.phrases:
            assert phrase in body, f"{case.template}: {phrase!r} missing"
        for wrong in _GENERIC_WORDING:
            assert wrong not in body, f"{case.template}: generic wording {wrong!r}"
        assert "救援单位" not in body
        assert "None" not in body
        assert not _MOBILE_NUMBER.search(body)
    assert f"工单链接：{TICKET_URL}" in mail.text
    assert f'href="{TICKET_URL}"' in mail.html
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")


def test_the_closing_mail_reads_the_same_to_the_reporter(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("hazard_closed"), recipient=REPORTER)

    for body in (mail.text, _visible_text(mail.html)):
        assert f"{REPORTER}：" in body
        assert "核实通过" in body
        assert "贵单位" not in body


@pytest.mark.parametrize("template", ["hazard_verification_requested", "hazard_closed"])
def test_a_missing_summary_is_not_an_error(renderer: MailRenderer, template: str) -> None:
    case = _case(template)

    mail = renderer.render(template, hazard_context(ticket=case.ticket, recipient=case.recipient))

    assert EVIDENCE not in mail.text
    assert "None" not in mail.text + mail.html


def test_verification_without_deadline_asks_to_verify_soon(renderer: MailRenderer) -> None:
    mail = _render(
        renderer, _case("hazard_verification_requested"), ticket={"due_at": None, "handler_name": None}
    )

    for body in (mail.text, _visible_text(mail.html)):
        assert "尽快在平台给出验证结论（通过或不通过）" in body
        assert "整改材料提交人：—" in body
        assert "逾期" not in body
        assert "None" not in body


def test_failed_verification_without_deadline_asks_to_rectify_soon(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("hazard_verification_failed"), ticket={"due_at": None})

    for body in (mail.text, _visible_text(mail.html)):
        assert "请贵单位尽快重新整改" in body
        assert "逾期" not in body
        assert "None" not in body


def test_failed_verification_without_reason_says_so(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("hazard_verification_failed"), reason="")

    assert "不通过理由：未填写" in mail.text


def test_failed_verification_without_the_reason_key_fails_instead_of_mailing_a_blank(
    renderer: MailRenderer,
) -> None:
    case = _case("hazard_verification_failed")

    with pytest.raises(UndefinedError):
        renderer.render(case.template, hazard_context(ticket=case.ticket, recipient=case.recipient))


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_html_escapes_markup_from_the_data(renderer: MailRenderer, case: Case) -> None:
    address = "<script>alert('隐患')</script>张杨路500号"

    mail = _render(
        renderer,
        case,
        elevator={"address": address, "use_unit_name": "<u>物业</u>"},
        summary="<b>闸瓦</b>",
        reason="<i>间隙</i>",
    )

    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert "<b>" not in mail.html
    assert "<i>" not in mail.html
    assert "<u>" not in mail.html
    # Plain text and headers are not HTML, so the address reads exactly as entered there.
    assert address in mail.text
    assert address in mail.subject


@pytest.mark.parametrize("case", CASES, ids=[case.template for case in CASES])
def test_text_paragraphs_are_separated_by_a_blank_line(renderer: MailRenderer, case: Case) -> None:
    content = _render(renderer, case).text.split("【工单信息】")[0].strip().splitlines()

    for line, following in pairwise(content):
        if line.endswith("。"):
            assert following == "", f"{case.template}: no blank line after {line!r}"


def test_reporting_time_is_shown_in_shanghai_time(renderer: MailRenderer) -> None:
    mail = _render(renderer, _case("hazard_closed"))

    assert "发起时间：2026-11-26 09:12" in mail.text
    assert f"承办单位：{USE_UNIT}" in mail.text
