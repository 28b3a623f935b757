"""Working days on China's official 2026 calendar, and the provisional fallback beyond it."""

from datetime import date, datetime

import pytest

from domain.calendar import CHINA_TIME, FallbackDays, WorkingDayCalendar, parse_fallback_days
from elevator_orders.official_calendar import official_working_day

CALENDAR = WorkingDayCalendar(official_working_day, FallbackDays(holidays=frozenset({date(2027, 1, 1)})))


def china(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA_TIME)


def test_received_on_friday_one_working_day_runs_to_the_end_of_monday() -> None:
    deadline = CALENDAR.add_working_days(china(2026, 11, 20), 1)
    assert deadline.due_at == china(2026, 11, 24, 0)
    assert not deadline.provisional


def test_national_day_2026_is_skipped_and_its_make_up_saturday_counts() -> None:
    # Received Wednesday 30 September; 1-7 October are holidays; Saturday 10 October is a working day.
    deadline = CALENDAR.add_working_days(china(2026, 9, 30), 3)
    assert deadline.due_at == china(2026, 10, 11, 0)
    assert not deadline.provisional


def test_make_up_sunday_before_national_day_counts() -> None:
    # Sunday 20 September 2026 is a make-up working day (调休).
    deadline = CALENDAR.add_working_days(china(2026, 9, 19), 1)
    assert deadline.due_at == china(2026, 9, 21, 0)


def test_a_deadline_reaching_into_2027_is_provisional_and_uses_the_fallback_holidays() -> None:
    # 31 Dec 2026 (Thu) is official; 1 Jan 2027 is a configured holiday; then Monday and Tuesday count.
    deadline = CALENDAR.add_working_days(china(2026, 12, 30), 3)
    assert deadline.due_at == china(2027, 1, 6, 0)
    assert deadline.provisional


def test_fallback_make_up_day_counts_on_a_weekend() -> None:
    calendar = WorkingDayCalendar(
        official_working_day, FallbackDays(makeup_working_days=frozenset({date(2027, 1, 9)}))
    )
    # Friday 8 Jan 2027 + 1 working day: Saturday 9 Jan is a configured make-up working day.
    assert calendar.add_working_days(china(2027, 1, 8), 1).due_at == china(2027, 1, 10, 0)


def test_utc_start_is_counted_from_its_day_in_china() -> None:
    # 17:00 UTC on Friday is already Saturday 01:00 in Shanghai: Monday is the first working day.
    start = datetime.fromisoformat("2026-11-20T17:00:00+00:00")
    assert CALENDAR.add_working_days(start, 1).due_at == china(2026, 11, 24, 0)


def test_limits_must_be_whole_positive_days_from_an_aware_time() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CALENDAR.add_working_days(china(2026, 11, 20), 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.add_working_days(datetime(2026, 11, 20), 1)


def test_fallback_file_format() -> None:
    fallback = parse_fallback_days("# 2027 (provisional)\n2027-01-01 holiday\n\n2027-02-20 workday  # 调休\n")
    assert fallback.holidays == frozenset({date(2027, 1, 1)})
    assert fallback.makeup_working_days == frozenset({date(2027, 2, 20)})
    with pytest.raises(ValueError, match="line 1"):
        parse_fallback_days("2027-01-01 vacation")
    with pytest.raises(ValueError, match="line 2"):
        parse_fallback_days("2027-01-01 holiday\n2027-13-01 holiday")
