"""What credit grading is made of, shared by every kind: facts of a ticket, figures, rules, the month.

Each kind that counts towards a unit's credit declares, in its own `domain/<kind>_credit.py`, who answers
for its tickets, the figures it adds and its rules (points per occurrence, with the source of each):
`KindCredit`. Only steps recorded before the month ended count, and steps are never rewritten, so
computing a past month again gives the same figures whenever it is done.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

from domain.kinds import TicketKind

# Shanghai has kept UTC+8 without summer time since 1991: a fixed offset, no zone database needed.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
FUJIAN_2016 = "福建省2016年电梯维保单位扣分办法（按议题所述；原文未核对）"
PLATFORM_DEFAULT = "平台默认值（非福建办法条款，待监管部门确认）"


# The clocks a ticket can miss, by the name of its `<step>_overdue` flag, as people call the step.
OVERDUE_STEP_LABELS_ZH: Mapping[str, str] = {
    "accept": "接单",
    "arrival": "到场",
    "arrive": "到场",
    "fix": "修复",
    "confirm": "确认",
    "confirmation": "确认",
    "rectify": "整改",
    "verify": "核实",
    "recheck": "复查",
    "interval": "维保间隔",
}


def overdue_steps_zh(flags: Sequence[str]) -> str:
    """`arrival_overdue, confirm_overdue` -> `到场、确认`: the clocks a ticket missed, each once."""
    steps = [flag.removesuffix("_overdue") for flag in flags if flag.endswith("_overdue")]
    return "、".join(dict.fromkeys(OVERDUE_STEP_LABELS_ZH.get(step, step) for step in steps))


class UnitRole(StrEnum):
    """Which of its duties a unit is graded on."""

    MAINTENANCE_UNIT = "maintenance_unit"
    USE_UNIT = "use_unit"
    INSPECTION_AGENCY = "inspection_agency"

    @property
    def label_zh(self) -> str:
        return {"maintenance_unit": "维保单位", "use_unit": "使用管理单位", "inspection_agency": "检验机构"}[
            self
        ]


@dataclass(frozen=True)
class CreditRule:
    """One indicator's weight: points for each occurrence (0: shown, not scored), and where it comes from."""

    indicator: str
    label_zh: str
    role: UnitRole
    points: int
    source: str
    # One occurrence gives grade D whatever the points.
    veto: bool = False


@dataclass(frozen=True)
class Period:
    """A calendar month in Shanghai time: [start, end)."""

    month: str
    start: datetime
    end: datetime

    @classmethod
    def of(cls, month: str) -> Period:
        """`2026-11`; raises ValueError for anything else."""
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=SHANGHAI)
        following = (start + timedelta(days=32)).replace(day=1)
        return cls(month, start.astimezone(UTC), following.astimezone(UTC))

    @classmethod
    def before(cls, now: datetime) -> Period:
        """The last whole month before `now`."""
        first = now.astimezone(SHANGHAI).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return cls.of((first - timedelta(days=1)).strftime("%Y-%m"))


@dataclass(frozen=True)
class StepFact:
    action: str
    at: datetime
    organisation_id: str | None
    data: Mapping[str, object]


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: str
    kind: TicketKind
    elevator_code: str
    opened_at: datetime
    maintenance_unit_id: str
    use_unit_id: str
    assigned_unit_id: str
    details: Mapping[str, object]
    # The ticket's steps before the period's end, in order.
    steps: tuple[StepFact, ...]

    def first(self, action: str) -> StepFact | None:
        return next((step for step in self.steps if step.action == action), None)

    def has(self, action: str, step_prefix: str | None = None) -> bool:
        """A step `action` was taken; with `step_prefix`, one whose `data.step` (the clock) starts so."""
        return any(
            step.action == action and str(step.data.get("step", "")).startswith(step_prefix or "")
            for step in self.steps
        )

    def role_of(self, unit: str) -> UnitRole:
        """The role a unit named on the ticket answers in: the car's maintenance unit, or its use unit."""
        return UnitRole.MAINTENANCE_UNIT if unit == self.maintenance_unit_id else UnitRole.USE_UNIT


@dataclass(frozen=True)
class Figure:
    """A count, a share or a time in minutes, with the tickets it was computed from."""

    value: float | None
    tickets: tuple[str, ...] = ()


@dataclass
class UnitIndicators:
    unit_id: str
    role: UnitRole
    month: str
    # What the unit's maintained cars number, for figures per car.
    elevators: int = 0
    figures: dict[str, Figure] = field(default_factory=dict)
    # What the credit rules count: each occurrence is the tickets it is made of.
    occurrences: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    # Every ticket the unit answered for in the month.
    sample: set[str] = field(default_factory=set)

    def count(self, indicator: str, occurrences: list[tuple[str, ...]]) -> None:
        self.occurrences[indicator] = occurrences
        tickets = tuple(ticket for occurrence in occurrences for ticket in occurrence)
        self.figures[indicator] = Figure(len(occurrences), tickets)

    def count_tickets(self, indicator: str, tickets: list[TicketFacts]) -> None:
        self.count(indicator, [(ticket.ticket_id,) for ticket in tickets])


# Who answers for a ticket, and in which role; what a kind's tickets add to one unit's figures.
Answerable = Callable[[TicketFacts], list[tuple[str, UnitRole]]]
Measure = Callable[[UnitIndicators, list[TicketFacts]], None]


@dataclass(frozen=True)
class KindCredit:
    answerable: Answerable
    measure: Measure
    rules: tuple[CreditRule, ...] = ()
    # The figures it adds that no rule scores (shares, times, counts), with their labels.
    figure_labels: Mapping[str, str] = field(default_factory=dict)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def percentile(values: list[float], percent: int) -> float | None:
    """Nearest rank: the smallest of the sorted values at or above `percent` per cent of them."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


def having(tickets: list[TicketFacts], action: str, step_prefix: str | None = None) -> list[TicketFacts]:
    return [ticket for ticket in tickets if ticket.has(action, step_prefix)]
