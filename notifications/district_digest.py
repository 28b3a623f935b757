"""The monthly district digest (区级电梯工单月报): one HTML document, also printed to PDF by Chromium.

Called a digest, not a report: `report` is the 举报 kind's name in this code.

What a district's regulators read on the 1st: the month's tickets by kind (opened, closed, gone overdue),
how fast rescues reached the car (a chart against the 30-minute limit), the units that served the
district with their credit grades, and the tickets that missed a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from notifications.render import template_environment

# The arrival chart's buckets, in minutes from the alarm: the last is past the legal limit.
ARRIVAL_BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("0-10", 0, 10),
    ("10-20", 10, 20),
    ("20-30", 20, 30),
    (">30", 30, float("inf")),
)
_CHART_WIDTH, _CHART_HEIGHT, _BAR_GAP, _BASE = 480, 200, 24, 170


def arrival_buckets(minutes: Sequence[float]) -> list[tuple[str, int, bool]]:
    """How many arrivals fell in each bucket: (label, count, past the limit)."""
    return [
        (label, sum(1 for value in minutes if low <= value < high), low >= 30)
        for label, low, high in ARRIVAL_BUCKETS
    ]


@dataclass(frozen=True)
class KindCount:
    kind_label: str
    opened: int
    closed: int
    overdue: int


@dataclass(frozen=True)
class UnitGrade:
    name: str
    role_label: str
    grade: str
    points: int
    sample: int


@dataclass(frozen=True)
class LateTicket:
    number: str
    kind_label: str
    missed: str


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    late: bool


@dataclass(frozen=True)
class DistrictDigest:
    district: str
    district_name: str
    month: str
    counts: list[KindCount]
    arrival_minutes: list[float]
    units: list[UnitGrade]
    late: list[LateTicket]

    @property
    def title(self) -> str:
        year, month = self.month.split("-")
        return f"{self.district_name}电梯工单月报（{year}年{int(month)}月）"

    def arrival_bars(self) -> list[ChartBar]:
        counts = arrival_buckets(self.arrival_minutes)
        tallest = max((count for _, count, _ in counts), default=0) or 1
        width = (_CHART_WIDTH - _BAR_GAP * (len(counts) + 1)) / len(counts)
        bars = []
        for index, (label, count, late) in enumerate(counts):
            height = (_BASE - 20) * count / tallest
            x = _BAR_GAP + index * (width + _BAR_GAP)
            bars.append(ChartBar(label, count, x, _BASE - height, width, height, late))
        return bars


class DigestRenderer:
    def __init__(self, templates_dir: Path | None = None) -> None:
        self._env = template_environment(templates_dir)

    def html(self, digest: DistrictDigest) -> str:
        return self._env.get_template("digests/district_month.html").render(
            digest=digest,
            bars=digest.arrival_bars(),
            chart_width=_CHART_WIDTH,
            chart_height=_CHART_HEIGHT,
            baseline=_BASE,
        )
