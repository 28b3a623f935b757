"""One row of the policy table: a legal clock, what counts it, what a breach triggers, and its source."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from domain.kinds import TicketKind


class TimeUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"

    @property
    def label_zh(self) -> str:
        return {"minutes": "分钟", "hours": "小时", "calendar_days": "日", "working_days": "个工作日"}[
            self.value
        ]


class Breach(StrEnum):
    """What happens when a deadline passes."""

    REDISPATCH = "redispatch"
    ESCALATE = "escalate"
    # For the regulator's own clocks (投诉, 举报, 违法线索, re-checks): the city bureau hears of it.
    ESCALATE_TO_CITY = "escalate_to_city"
    FLAG_ACCIDENT = "flag_accident"
    # The step ends by itself: mediation without agreement, a result nobody evaluated.
    END_STEP = "end_step"
    OPEN_CLUE = "open_clue"
    # A silence that is itself the breach: a ticket of the row's kind opens (a monitoring device offline).
    OPEN_TICKET = "open_ticket"

    @property
    def label_zh(self) -> str:
        return {
            "redispatch": "改派应急救援站并上报",
            "escalate": "升级至区市场监管局",
            "escalate_to_city": "升级至市市场监管局",
            "flag_accident": "按一般事故上报",
            "end_step": "本环节自动结束",
            "open_clue": "移送违法线索",
            "open_ticket": "开具工单",
        }[self.value]


@dataclass(frozen=True)
class DeadlinePolicy:
    kind: TicketKind
    step: str
    limit: float
    unit: TimeUnit
    starts_at: str
    on_breach: Breach
    source: str
    # The party that must act is reminded once this share of the time has run; None: no reminder.
    remind_at: float | None = None
    # A breach also opens a violation clue (违法线索) against the party that missed it.
    opens_clue: bool = False
    # The day the rule behind this row took effect, for tickets filed from then; None: from the start.
    in_force_from: date | None = None
    # False when the limit could not be checked against the text of its source (the text was not at hand).
    checked: bool = True

    @property
    def key(self) -> str:
        return f"{self.kind.value}.{self.step}"

    @property
    def limit_zh(self) -> str:
        """The limit as mails and pages state it, e.g. 30 分钟, 10 个工作日: from the row in force."""
        return f"{self.limit:g} {self.unit.label_zh}"

    def succeeded_by(self, source: str, in_force_from: date, *, checked: bool) -> DeadlinePolicy:
        """The row of the rule that replaced this one's on `in_force_from`: the same clock, its own source."""
        return replace(self, source=source, in_force_from=in_force_from, checked=checked)

    def duration(self) -> timedelta:
        """The limit as a duration; working-day limits need the calendar and have none."""
        if self.unit is TimeUnit.MINUTES:
            return timedelta(minutes=self.limit)
        if self.unit is TimeUnit.HOURS:
            return timedelta(hours=self.limit)
        if self.unit is TimeUnit.CALENDAR_DAYS:
            return timedelta(days=self.limit)
        raise ValueError(f"{self.key} is counted in working days; use the working-day calendar")
