"""Working days (工作日) on China's official calendar, with make-up working days (调休).

The official calendar is published year by year; for a year it does not cover yet, the calendar falls
back to Monday-Friday plus the holidays and make-up days an operator configured, and says so: every
deadline counted across such a year is provisional.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

# China has kept UTC+8 without daylight saving since 1991; a fixed offset needs no tz database.
CHINA_TIME = timezone(timedelta(hours=8), "CST")

OfficialCalendar = Callable[[date], bool]


class NotCovered(Exception):
    """The official calendar has no data for this day's year."""


@dataclass(frozen=True)
class FallbackDays:
    """An operator's list for years the official calendar does not cover yet."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_working_days: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class WorkingDayDeadline:
    due_at: datetime
    # True when any day counted came from the fallback rather than the official calendar.
    provisional: bool


class WorkingDayCalendar:
    def __init__(self, official: OfficialCalendar, fallback: FallbackDays | None = None) -> None:
        """`official(day)` says whether `day` is a working day, or raises NotCovered."""
        self._official = official
        self._fallback = fallback or FallbackDays()

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """Whether `day` is a working day, and whether that answer is provisional."""
        try:
            return self._official(day), False
        except NotCovered:
            if day in self._fallback.makeup_working_days:
                return True, True
            if day in self._fallback.holidays:
                return False, True
            return day.weekday() < 5, True

    def add_working_days(self, start: datetime, days: int) -> WorkingDayDeadline:
        """The end of the `days`-th working day after the day of `start` (China time).

        The day a matter is received does not count, as in 自收到之日起 N 个工作日内: something received on
        a Friday with 1 working day runs to the end of the next working day.
        """
        if days < 1:
            raise ValueError(f"a working-day limit must be at least 1, got {days}")
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        day = start.astimezone(CHINA_TIME).date()
        counted = 0
        provisional = False
        while counted < days:
            day += timedelta(days=1)
            working, guessed = self.is_working_day(day)
            provisional = provisional or guessed
            if working:
                counted += 1
        end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=CHINA_TIME)
        return WorkingDayDeadline(due_at=end_of_day.astimezone(UTC), provisional=provisional)


def parse_fallback_days(text: str) -> FallbackDays:
    """Read `YYYY-MM-DD holiday` / `YYYY-MM-DD workday` lines; `#` starts a comment."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in ("holiday", "workday"):
            raise ValueError(
                f"line {number}: expected 'YYYY-MM-DD holiday' or 'YYYY-MM-DD workday', got {raw!r}"
            )
        try:
            day = date.fromisoformat(parts[0])
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from error
        (holidays if parts[1] == "holiday" else workdays).add(day)
    return FallbackDays(holidays=frozenset(holidays), makeup_working_days=frozenset(workdays))
