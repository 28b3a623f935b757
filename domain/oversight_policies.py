"""Policy rows of the kinds that close the loop: complaints, reports, violation clues and directives.

Complaint handling follows SAMR Order 20 (2019, amended 2022). SAMR Order 121 replaced it on 2026-04-15;
its clocks are not verified yet, so each number here stays an overridable default citing Order 20.
"""

from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kinds import TicketKind

_ORDER_20 = "市场监督管理投诉举报处理暂行办法 (SAMR Order 20, 2019/2022; replaced by Order 121 from 2026-04-15, unverified)"
_PENALTY_PROCEDURE = "市场监督管理行政处罚程序规定"
_ORDER_57 = "特种设备安全监督检查办法 (SAMR Order 57, 2022)"

COMPLAINT_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "decide",
        7,
        TimeUnit.WORKING_DAYS,
        "receipt",
        Breach.ESCALATE_TO_CITY,
        f"{_ORDER_20} Art 14: accept or reject within 7 working days of receipt and tell the complainant",
        remind_at=0.6,
    ),
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "mediate",
        45,
        TimeUnit.WORKING_DAYS,
        "acceptance",
        Breach.END_STEP,
        f"{_ORDER_20} Arts 16, 20: mediation without agreement ends after 45 working days",
        remind_at=0.8,
    ),
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "inform",
        7,
        TimeUnit.WORKING_DAYS,
        "end of mediation",
        Breach.ESCALATE_TO_CITY,
        f"{_ORDER_20} Art 21: the parties are told of the end of mediation within 7 working days",
        remind_at=0.6,
    ),
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "evaluate",
        10,
        TimeUnit.CALENDAR_DAYS,
        "result",
        Breach.END_STEP,
        "platform default: the complainant may evaluate the result for 10 days; then the ticket closes",
    ),
)

REPORT_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.REPORT,
        "verify",
        15,
        TimeUnit.WORKING_DAYS,
        "receipt",
        Breach.ESCALATE_TO_CITY,
        f"{_PENALTY_PROCEDURE} Art 18: verify and decide whether to open a case within 15 working days "
        "(+15 with approval); testing time excluded",
        remind_at=0.6,
    ),
    DeadlinePolicy(
        TicketKind.REPORT,
        "inform",
        5,
        TimeUnit.WORKING_DAYS,
        "decision",
        Breach.ESCALATE_TO_CITY,
        f"{_ORDER_20} Art 31: a real-name reporter is told whether a case was opened within 5 working days",
        remind_at=0.6,
    ),
)

VIOLATION_CLUE_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.VIOLATION_CLUE,
        "verify",
        15,
        TimeUnit.WORKING_DAYS,
        "receipt",
        Breach.ESCALATE_TO_CITY,
        f"{_PENALTY_PROCEDURE} Art 18: verify a clue and decide on 立案 within 15 working days (+15 with "
        f"approval); {_ORDER_20} Art 23",
        remind_at=0.6,
    ),
    DeadlinePolicy(
        TicketKind.VIOLATION_CLUE,
        "decide",
        90,
        TimeUnit.CALENDAR_DAYS,
        "case opened (立案)",
        Breach.ESCALATE_TO_CITY,
        f"{_PENALTY_PROCEDURE}: an ordinary-procedure case is decided within 90 days of 立案 (+30 with approval)",
        remind_at=0.8,
    ),
)

DIRECTIVE_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.DIRECTIVE,
        "rectify",
        15,
        TimeUnit.WORKING_DAYS,
        "issue",
        Breach.OPEN_CLUE,
        f"platform default for the date a directive sets (the regulator may set another); {_ORDER_57} "
        "Arts 23, 30: correct by the date set; Art 36: refusing to execute is fined",
        remind_at=0.8,
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.DIRECTIVE,
        "recheck",
        10,
        TimeUnit.WORKING_DAYS,
        "rectification report",
        Breach.ESCALATE_TO_CITY,
        f"{_ORDER_57} Art 29: the regulator re-checks within 10 working days of the rectification report",
        remind_at=0.6,
    ),
)

OVERSIGHT_POLICIES: tuple[DeadlinePolicy, ...] = (
    *COMPLAINT_POLICIES,
    *REPORT_POLICIES,
    *VIOLATION_CLUE_POLICIES,
    *DIRECTIVE_POLICIES,
)
