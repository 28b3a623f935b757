"""The supervisory directive (安全监察指令书): its mails, and the printable directive itself."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

import pytest
from jinja2 import UndefinedError

from domain.directive import appeal_rights_zh
from notifications.documents import DirectiveDocument, DocumentRenderer, ServiceRecord
from notifications.render import MailRenderer, RenderedMail

# 2026-05-06 09:00 in Shanghai; given in UTC so the tests prove the conversion.
ISSUED_AT = datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
TICKET_ID = "directive-31011500001-4f1c2b"
TICKET_NUMBER = "ZL-PD-20261125-0001"
TICKET_URL = f"http://127.0.0.1:8000/tickets/{TICKET_ID}"
NUMBER = "浦市监特指〔2026〕1号"
ADDRESS = "浦东新区陆家嘴环路 1000 号 1 号楼 A 梯"
USE_UNIT = "陆家嘴花园物业管理处"
REGULATOR = "浦东新区市场监督管理局"
PROBLEMS = "隐患上报工单逾期未整改：制动器闸瓦磨损超限，电梯仍在使用"
# A mainland mobile number standing alone; the 20-digit registration code must not count.
_MOBILE_NUMBER = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def directive_context(
    *,
    ticket: dict[str, Any] | None = None,
    elevator: dict[str, Any] | None = None,
    recipient: str = USE_UNIT,
    **event: Any,
) -> dict[str, Any]:
    """A directive to a use unit; `ticket`/`elevator` override fields, keywords add to `event`."""
    return {
        "ticket": {
            "ticket_id": TICKET_ID,
            "number": TICKET_NUMBER,
            "kind": "directive",
            "kind_label": "安全监察指令书",
            "state_label": "待签收",
            "source_label": f"{REGULATOR}签发（{NUMBER}）",
            "alarm_at": ISSUED_AT,
            "assigned_unit_name": USE_UNIT,
            # The end of 2026-05-20, China time.
            "due_at": datetime(2026, 5, 20, 16, 0, tzinfo=UTC),
            "step_label": "按指令书整改",
            "note": "",
            "accept_by": None,
            "arrive_by": None,
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
            "maintenance_unit_name": "上海申达电梯维保有限公司",
            **(elevator or {}),
        },
        "recipient": {"name": recipient},
        "event": {
            "document_number": NUMBER,
            "issuer_name": REGULATOR,
            "addressee_label": "使用管理单位",
            "problems": PROBLEMS,
            "article_violated": "《中华人民共和国特种设备安全法》第四十二条",
            "legal_basis": "《中华人民共和国特种设备安全法》第八十三条",
            "rectify_by_zh": "2026年5月20日",
            **event,
        },
    }


@dataclass(frozen=True)
class Case:
    name: str
    template: str
    recipient: str
    phrases: tuple[str, ...]
    subject: str
    event: dict[str, Any] = field(default_factory=dict)
    ticket: dict[str, Any] = field(default_factory=dict)


CLOSED_AT = datetime(2026, 5, 22, 7, 30, tzinfo=UTC)

CASES = (
    Case(
        "issued",
        "directive_issued",
        USE_UNIT,
        (
            f"向贵单位（使用管理单位）签发了特种设备安全监察指令书，文号 {NUMBER}",
            f"存在的问题：{PROBLEMS}",
            "违反的条款：《中华人民共和国特种设备安全法》第四十二条",
            "依据：《中华人民共和国特种设备安全法》第八十三条",
            "于2026年5月20日前改正",
            "移送违法线索",
            "六十日内申请行政复议",
            "六个月内依法提起行政诉讼",
        ),
        f"{REGULATOR}已向贵单位签发指令书（{NUMBER}），请于2026年5月20日前改正",
    ),
    Case(
        "rectification submitted",
        "directive_rectification_submitted",
        REGULATOR,
        (
            f"受令单位{USE_UNIT}报告已完成整改",
            "整改情况：已更换制动器闸瓦",
            "报告提交人：刘经理",
            "请贵局于 2026-05-29 00:00 前完成复查",
            "上报市市场监督管理局",
        ),
        f"{USE_UNIT}已提交整改报告，请复查（{NUMBER}）",
        {"summary": "已更换制动器闸瓦"},
        # The end of the 10th working day, China time.
        {
            "state_label": "待复查",
            "step_label": "整改复查",
            "handler_name": "刘经理",
            "due_at": datetime(2026, 5, 28, 16, 0, tzinfo=UTC),
        },
    ),
    Case(
        "recheck failed",
        "directive_recheck_failed",
        USE_UNIT,
        ("复查不合格", "不合格理由：制动间隙仍超标", "请贵单位于2026年6月5日前改正", "重新提交整改报告"),
        "整改复查不合格，请于2026年6月5日前改正",
        {"reason": "制动间隙仍超标", "rectify_by_zh": "2026年6月5日"},
        {"state_label": "整改中"},
    ),
    Case(
        "closed",
        "directive_closed",
        USE_UNIT,
        ("所作的整改复查合格", "指令书于 2026-05-22 15:30 办结", "整改情况：已更换制动器闸瓦"),
        "整改复查合格，指令书已办结",
        {"outcome": "closed", "summary": "已更换制动器闸瓦"},
        {"state_label": "已复查办结", "due_at": None, "closed_at": CLOSED_AT},
    ),
    Case(
        "withdrawn",
        "directive_closed",
        USE_UNIT,
        (f"{REGULATOR}已撤销向贵单位签发的特种设备安全监察指令书", "撤销理由：误发"),
        "指令书已撤销",
        {"outcome": "withdrawn", "reason": "误发"},
        {"state_label": "已撤销", "due_at": None, "closed_at": CLOSED_AT},
    ),
)
_IDS = [case.name for case in CASES]


def _visible_text(markup: str) -> str:
    """What a mail client shows of an HTML body: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def _render(renderer: MailRenderer, case: Case, **overrides: Any) -> RenderedMail:
    context = directive_context(
        ticket={**case.ticket, **overrides.pop("ticket", {})},
        elevator=overrides.pop("elevator", None),
        recipient=case.recipient,
        **{**case.event, **overrides},
    )
    return renderer.render(case.template, context)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_subject_names_the_kind_what_happened_the_place_and_the_ticket(
    renderer: MailRenderer, case: Case
) -> None:
    subject = _render(renderer, case).subject

    assert subject.startswith("【安全监察指令书】")
    assert case.subject in subject
    assert subject.endswith(f"{ADDRESS}（工单号 {TICKET_NUMBER}）")
    assert "\n" not in subject


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_both_bodies_carry_the_facts_and_the_platform_signature(renderer: MailRenderer, case: Case) -> None:
    mail = _render(renderer, case)

    for body in (mail.text, _visible_text(mail.html)):
        assert f"{case.recipient}：" in body
        assert TICKET_NUMBER in body
        assert NUMBER in body
        assert "安全监察指令书" in body
        assert "工单来源" in body
        assert f"{REGULATOR}签发（{NUMBER}）" in body
        assert "上海智慧电梯平台" in body
        for phrase in case.phrases:
            assert phrase in body, f"{case.name}: {phrase!r} missing"
        assert "救援单位" not in body
        assert "None" not in body
        assert not _MOBILE_NUMBER.search(body)
    assert f"工单链接：{TICKET_URL}" in mail.text
    assert f'href="{TICKET_URL}"' in mail.html
    assert mail.html.lstrip().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("template", "missing"),
    [
        ("directive_issued", "problems"),
        ("directive_issued", "rectify_by_zh"),
        ("directive_recheck_failed", "rectify_by_zh"),
        ("directive_closed", "outcome"),
    ],
)
def test_a_missing_fact_fails_instead_of_mailing_a_blank(
    renderer: MailRenderer, template: str, missing: str
) -> None:
    context = directive_context(outcome="closed", reason="x")
    del context["event"][missing]

    with pytest.raises(UndefinedError):
        renderer.render(template, context)


def test_a_report_without_a_recheck_deadline_asks_to_recheck_soon(renderer: MailRenderer) -> None:
    case = next(case for case in CASES if case.template == "directive_rectification_submitted")
    mail = _render(renderer, case, ticket={"due_at": None, "handler_name": None}, summary="")

    for body in (mail.text, _visible_text(mail.html)):
        assert "请贵局尽快完成复查" in body
        assert "整改情况：未填写" in body
        assert "报告提交人：—" in body
        assert "逾期" not in body


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_html_escapes_markup_from_the_data(renderer: MailRenderer, case: Case) -> None:
    address = "<script>alert('指令')</script>陆家嘴环路"

    mail = _render(
        renderer,
        case,
        elevator={"address": address},
        problems="<b>闸瓦</b>",
        summary="<i>更换</i>",
        reason="<u>误发</u>",
    )

    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    for tag in ("<b>", "<i>", "<u>"):
        assert tag not in mail.html
    # Plain text and headers are not HTML, so the address reads exactly as entered there.
    assert address in mail.text
    assert address in mail.subject


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_text_paragraphs_are_separated_by_a_blank_line(renderer: MailRenderer, case: Case) -> None:
    content = _render(renderer, case).text.split("【工单信息】")[0].strip().splitlines()

    for line, following in pairwise(content):
        if line.endswith("。"):
            assert following == "", f"{case.name}: no blank line after {line!r}"


# --- The printable directive ---------------------------------------------------------------------

DOCUMENT = DirectiveDocument(
    document_number=NUMBER,
    issuer_name=REGULATOR,
    addressee_name=USE_UNIT,
    addressee_label="使用管理单位",
    elevator_code="31011500001",
    registration_code="梯11沪500001",
    elevator_address=ADDRESS,
    problems=PROBLEMS,
    article_violated="《中华人民共和国特种设备安全法》第四十二条",
    legal_basis="《中华人民共和国特种设备安全法》第八十三条；《特种设备安全监督检查办法》第二十三条",
    rectify_by=date(2026, 5, 20),
    issued_on=date(2026, 5, 6),
    appeal_rights=appeal_rights_zh(REGULATOR, "浦东新区"),
    service=ServiceRecord(kind="awaiting"),
)


@pytest.fixture
def documents() -> DocumentRenderer:
    return DocumentRenderer()


def test_the_directive_states_what_the_law_requires(documents: DocumentRenderer) -> None:
    page = documents.directive(DOCUMENT)
    text = _visible_text(page)

    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert f"上海市{REGULATOR}" in text
    assert "特种设备安全监察指令书" in text
    assert NUMBER in text
    assert f"{USE_UNIT}：" in text
    assert "31011500001" in text
    assert ADDRESS in text
    assert PROBLEMS in text
    assert "违反了《中华人民共和国特种设备安全法》第四十二条的规定" in text
    assert (
        "依据《中华人民共和国特种设备安全法》第八十三条；《特种设备安全监督检查办法》第二十三条的规定" in text
    )
    assert "于2026年5月20日前改正" in text
    assert "六十日内向上海市浦东新区人民政府申请行政复议" in text
    assert "六个月内依法向人民法院提起行政诉讼" in text
    assert "不停止执行" in text
    assert "2026年5月6日" in text
    # Printable on A4.
    assert "@media print" in page
    assert "size: A4" in page


def test_the_service_record_shows_a_signature_a_refusal_or_blanks_to_sign(
    documents: DocumentRenderer,
) -> None:
    awaiting = _visible_text(documents.directive(DOCUMENT))
    signed = _visible_text(
        documents.directive(
            replace(DOCUMENT, service=ServiceRecord(kind="signed", at=ISSUED_AT, by="刘经理"))
        )
    )
    refused = _visible_text(
        documents.directive(
            replace(
                DOCUMENT,
                service=ServiceRecord(kind="refused", at=ISSUED_AT, by="孙科长", note="两名执法人员在场见证"),
            )
        )
    )

    assert "签收人（签字）" in awaiting
    assert "签收人：刘经理" in signed
    assert "签收时间：2026-05-06 09:00" in signed
    assert "拒绝签收" in refused
    assert "留置送达" in refused
    assert "拒收情况：两名执法人员在场见证" in refused
    assert "记录人：孙科长" in refused
    assert "复查不合格" not in signed


def test_a_later_date_set_by_a_failed_recheck_is_noted_under_the_directive(
    documents: DocumentRenderer,
) -> None:
    text = _visible_text(documents.directive(replace(DOCUMENT, later_rectify_by=date(2026, 6, 5))))

    assert "于2026年5月20日前改正" in text
    assert "已责令于2026年6月5日前改正" in text


def test_the_directive_escapes_markup_from_the_data(documents: DocumentRenderer) -> None:
    page = documents.directive(
        replace(DOCUMENT, problems="<script>alert('x')</script>制动器", addressee_name="<b>物业</b>")
    )

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;制动器" in page
    assert "<b>物业</b>" not in page
