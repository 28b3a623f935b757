"""Bar charts as the regulator's page draws them: geometry computed here, inline SVG in the template.

No JavaScript library: the server lays out the bars, the template writes `<rect>`s and `<text>`s, and
the chart scales with the page through its viewBox.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calendar import CHINA_TIME

WIDTH = 420
HEIGHT = 220
_LEFT = 30
_RIGHT = 8
_TOP = 16
_BOTTOM = 30
_MIN_BAR = 2.0


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    # Shown under the bar, and as its tooltip with the value.
    label: str
    title: str
    late: bool = False


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    # The horizontal line of a limit (e.g. 30 minutes), if the chart has one.
    limit_y: float | None
    limit_label: str
    baseline_y: float
    plot_left: float
    plot_right: float
    # Every nth bar, counted back from the newest (rightmost), carries a label: labels never overlap.
    label_every: int

    @property
    def empty(self) -> bool:
        return not self.bars

    def labelled(self, index: int) -> bool:
        return (len(self.bars) - 1 - index) % self.label_every == 0


def _nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def _chart(
    values: Sequence[tuple[str, float, str, bool]],
    *,
    limit: float | None = None,
    limit_label: str = "",
) -> BarChart:
    """Bars for (label, value, title, late), left to right, on an axis from 0 that holds the limit too."""
    plot_left, plot_right = float(_LEFT), float(WIDTH - _RIGHT)
    baseline = float(HEIGHT - _BOTTOM)
    plot_height = baseline - _TOP
    top = _nice_ceiling(max([value for _, value, _, _ in values] + [limit or 0, 1]))

    def y_of(value: float) -> float:
        return baseline - plot_height * value / top

    slot = (plot_right - plot_left) / max(len(values), 1)
    # A few bars stay slim, centred in their slots; many share the width with a small gap.
    bar_width = min(slot * 0.75, 48.0)
    bars = [
        Bar(
            x=round(plot_left + i * slot + (slot - bar_width) / 2, 1),
            # A bar of (nearly) nothing still shows as a sliver on the baseline.
            y=round(min(y_of(value), baseline - _MIN_BAR), 1),
            width=round(bar_width, 1),
            height=round(max(baseline - y_of(value), _MIN_BAR), 1),
            value=value,
            label=label,
            title=title,
            late=late,
        )
        for i, (label, value, title, late) in enumerate(values)
    ]
    # The axis top is 1, 2, 5 or 10 times a power of ten: five steps, or one per unit below 5, are round.
    steps = 5 if top >= 5 else int(top)
    ticks = [
        Tick(y=round(y_of(top * i / steps), 1), label=_number(top * i / steps)) for i in range(steps + 1)
    ]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        limit_y=round(y_of(limit), 1) if limit is not None else None,
        limit_label=limit_label,
        baseline_y=baseline,
        plot_left=plot_left,
        plot_right=plot_right,
        label_every=max(1, math.ceil(len(values) / 7)),
    )


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


@dataclass(frozen=True)
class Arrival:
    ticket_id: str
    alarm_at: datetime
    minutes: float


def arrival_chart(arrivals: Sequence[Arrival], limit_minutes: float) -> BarChart:
    """One bar per 困人救援, oldest left: minutes from the alarm to arrival, against the limit line."""
    ordered = sorted(arrivals, key=lambda arrival: arrival.alarm_at)
    return _chart(
        [
            (
                arrival.alarm_at.astimezone(CHINA_TIME).strftime("%m-%d"),
                arrival.minutes,
                f"{arrival.ticket_id}：{arrival.minutes:g} 分钟到场"
                f"（{arrival.alarm_at.astimezone(CHINA_TIME):%Y-%m-%d %H:%M} 报警）",
                arrival.minutes > limit_minutes,
            )
            for arrival in ordered
        ],
        limit=limit_minutes,
        limit_label=f"{limit_minutes:g} 分钟时限",
    )


def overdue_days(events: Sequence[tuple[str, datetime]], today: date, days: int) -> list[tuple[date, int]]:
    """Per China-time day of the last `days` days (today last): how many tickets went overdue that day."""
    first = today - timedelta(days=days - 1)
    tickets_by_day: dict[date, set[str]] = {first + timedelta(days=i): set() for i in range(days)}
    for ticket_id, at in events:
        day = at.astimezone(CHINA_TIME).date()
        if day in tickets_by_day:
            tickets_by_day[day].add(ticket_id)
    return [(day, len(tickets)) for day, tickets in sorted(tickets_by_day.items())]


def overdue_chart(per_day: Sequence[tuple[date, int]]) -> BarChart:
    """One bar per day: how many tickets went overdue (escalated) that day."""
    return _chart(
        [
            (f"{day.month}/{day.day}", float(count), f"{day:%Y-%m-%d}：{count} 件逾期", False)
            for day, count in per_day
        ]
    )


def bucket_chart(buckets: Sequence[tuple[str, float, bool]], unit: str) -> BarChart:
    """One bar per bucket (label, count, past a limit), e.g. 困人救援 by minutes to arrival."""
    return _chart([(label, value, f"{label}{unit}：{value:g}", late) for label, value, late in buckets])


def month_chart(per_month: Sequence[tuple[str, float]], what: str) -> BarChart:
    """One bar per month, oldest left: `what` of each (e.g. units graded C or D)."""
    return _chart([(month[2:], value, f"{month}：{what} {value:g}", False) for month, value in per_month])
