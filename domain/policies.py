"""The policy table: every legal clock of every ticket kind, its source, and what a breach triggers.

Limits are defaults; settings override any row by its key (`kind.step`), so a rule change is a
configuration change, not a code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kinds import TicketKind
from domain.oversight_policies import OVERSIGHT_POLICIES

DEFAULT_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.RESCUE,
        "accept",
        5,
        TimeUnit.MINUTES,
        "dispatch",
        Breach.REDISPATCH,
        "platform default; 上海市电梯安全管理办法 (Order 76, 2023): use unit reaches the maintenance unit in 5 min",
    ),
    DeadlinePolicy(
        TicketKind.RESCUE,
        "arrive",
        30,
        TimeUnit.MINUTES,
        "alarm",
        Breach.ESCALATE,
        "TSG T5002-2017 Art 5(4); Shanghai measures: on site within 30 min in districted cities",
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.RESCUE,
        "accident",
        2,
        TimeUnit.HOURS,
        "alarm",
        Breach.FLAG_ACCIDENT,
        "特种设备安全监察条例 Art 64(3): people held 2 h or more is a general accident",
    ),
    DeadlinePolicy(
        TicketKind.RESCUE,
        "confirm",
        24,
        TimeUnit.HOURS,
        "release",
        Breach.ESCALATE,
        "platform default for 困人救援工单确认 (沪市监规范〔2024〕13号 信息目录)",
        remind_at=0.5,
    ),
)


FAULT_REPAIR_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "accept",
        30,
        TimeUnit.MINUTES,
        "report",
        Breach.ESCALATE,
        "platform default; 特种设备安全法 Art 45: go to the site immediately on a fault notice",
        remind_at=0.5,
    ),
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "arrive",
        2,
        TimeUnit.HOURS,
        "report",
        Breach.ESCALATE,
        "platform default; 特种设备安全法 Art 45: go to the site immediately and take emergency measures",
        remind_at=0.75,
    ),
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "fix",
        24,
        TimeUnit.HOURS,
        "arrival",
        Breach.ESCALATE,
        "platform default; 上海市电梯安全管理办法 (Order 76, 2023, unverified): fix promptly, or give the use "
        "unit a written plan and keep the car stopped",
        remind_at=0.75,
    ),
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "confirm",
        2,
        TimeUnit.WORKING_DAYS,
        "fix",
        Breach.ESCALATE,
        "platform default for 故障维修工单确认 (沪市监规范〔2024〕13号 信息目录); 条例 Art 29: a faulty car is "
        "checked before reuse",
        remind_at=0.5,
    ),
)


HAZARD_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.HAZARD,
        "rectify_serious",
        5,
        TimeUnit.WORKING_DAYS,
        "report",
        Breach.ESCALATE,
        "platform default for 重大隐患; 特种设备安全监督检查办法 (SAMR Order 57) Arts 23, 30: rectify by the date set",
        remind_at=0.6,
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.HAZARD,
        "rectify_general",
        15,
        TimeUnit.WORKING_DAYS,
        "report",
        Breach.ESCALATE,
        "platform default for 一般隐患; 特种设备安全法 Art 83: a use unit corrects within the set period",
        remind_at=0.8,
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.HAZARD,
        "verify",
        5,
        TimeUnit.WORKING_DAYS,
        "rectification",
        Breach.ESCALATE,
        "platform default; 特种设备安全监督检查办法 Art 29: a re-check within 10 working days of the report",
        remind_at=0.6,
    ),
)

MAINTENANCE_RECORD_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.MAINTENANCE_RECORD,
        "confirm",
        3,
        TimeUnit.WORKING_DAYS,
        "submission",
        Breach.ESCALATE,
        "platform default; TSG T5002-2017 Art 7: the use unit's safety manager signs the maintenance record",
        remind_at=0.5,
    ),
    DeadlinePolicy(
        TicketKind.MAINTENANCE_RECORD,
        "interval",
        15,
        TimeUnit.CALENDAR_DAYS,
        "last maintenance",
        Breach.ESCALATE,
        "特种设备安全监察条例 Art 31: cleaning, lubrication, adjustment and checks at least every 15 days",
        remind_at=0.8,
        opens_clue=True,
    ),
)


FEEDBACK_POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.FEEDBACK,
        "answer_evaluation",
        5,
        TimeUnit.WORKING_DAYS,
        "submission",
        Breach.ESCALATE,
        "platform default; no statutory clock. Shanghai 12345 practice: 5 working days for complaints",
        remind_at=0.6,
    ),
    DeadlinePolicy(
        TicketKind.FEEDBACK,
        "answer_suggestion",
        1,
        TimeUnit.WORKING_DAYS,
        "submission",
        Breach.ESCALATE,
        "platform default; no statutory clock. Shanghai 12345 practice: 1 working day for suggestions",
        remind_at=0.5,
    ),
)


__all__ = ["Breach", "DeadlinePolicy", "TimeUnit", "UnknownPolicyOverride", "policy_table"]


class UnknownPolicyOverride(ValueError):
    pass


def policy_table(overrides: Mapping[str, float] | None = None) -> dict[str, DeadlinePolicy]:
    """The default table with overrides applied, by key; an override for no row is an error."""
    rows = (
        *DEFAULT_POLICIES,
        *FAULT_REPAIR_POLICIES,
        *HAZARD_POLICIES,
        *MAINTENANCE_RECORD_POLICIES,
        *FEEDBACK_POLICIES,
        *OVERSIGHT_POLICIES,
    )
    table = {policy.key: policy for policy in rows}
    for key, limit in (overrides or {}).items():
        if key not in table:
            raise UnknownPolicyOverride(f"no policy row {key!r}; known rows: {', '.join(sorted(table))}")
        if limit <= 0:
            raise UnknownPolicyOverride(f"policy {key!r} must have a positive limit, got {limit}")
        if table[key].unit is TimeUnit.WORKING_DAYS and limit != int(limit):
            raise UnknownPolicyOverride(f"policy {key!r} counts whole working days, got {limit}")
        table[key] = replace(table[key], limit=limit)
    return table
