"""Drafting a directive from a ticket: the problems it states, and what it must never quote."""

from datetime import UTC, datetime

from domain.correction_draft import draft_problems
from domain.kinds import TicketKind

DUE = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def test_a_draft_from_an_overdue_hazard_names_the_missed_step_its_deadline_and_the_hazard() -> None:
    problems = draft_problems(
        TicketKind.HAZARD,
        "hazard-31011500001-mu-shenda-YH1",
        "整改中",
        ["escalated", "rectify_overdue"],
        DUE,
        {"severity_label": "重大事故隐患", "hazard_type_label": "制动器异常", "description": "制动力不足"},
    )

    assert "hazard-31011500001-mu-shenda-YH1" in problems
    assert "逾期未完成（当前环节期限 2026-12-04 00:00）" in problems
    assert "重大事故隐患·制动器异常：制动力不足" in problems


def test_a_draft_from_a_report_quotes_nothing_that_could_identify_the_whistleblower() -> None:
    problems = draft_problems(
        TicketKind.REPORT,
        "report-31010400001-abc",
        "核查中",
        [],
        DUE,
        {"text": "我是 3 楼的住户张三，电梯经常停运", "anonymous": False},
    )

    assert "张三" not in problems
    assert "report-31010400001-abc" not in problems
    assert "举报" not in problems.replace("勿引用举报内容", "")
