"""The deadline activity: minutes and hours as durations, working days on the official calendar."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.contracts import ComputeDeadlinesInput, DeadlineRequest
from activities.deadlines import DeadlineActivities
from domain.calendar import CHINA_TIME, FallbackDays, WorkingDayCalendar
from domain.kinds import TicketKind
from domain.policies import Breach, DeadlinePolicy, TimeUnit, policy_rules, policy_table
from elevator_orders.official_calendar import load_working_day_calendar, official_working_day

START = datetime(2026, 9, 30, 10, tzinfo=CHINA_TIME)
WORKING_DAY_ROW = DeadlinePolicy(
    TicketKind.HAZARD, "test_wd", 3, TimeUnit.WORKING_DAYS, "report", Breach.ESCALATE, "test row"
)


def _activities(calendar: WorkingDayCalendar | None = None) -> DeadlineActivities:
    policies = {**policy_table(), WORKING_DAY_ROW.key: WORKING_DAY_ROW}
    return DeadlineActivities(policies, calendar or WorkingDayCalendar(official_working_day))


async def test_minutes_and_working_days_in_one_call() -> None:
    result = await ActivityEnvironment().run(
        _activities().compute_deadlines,
        ComputeDeadlinesInput(
            [DeadlineRequest("rescue.arrive", START), DeadlineRequest(WORKING_DAY_ROW.key, START)]
        ),
    )
    arrive, rectify = result.deadlines
    assert arrive.due_at == datetime(2026, 9, 30, 10, 30, tzinfo=CHINA_TIME)
    assert not arrive.provisional
    assert rectify.due_at == datetime(2026, 10, 11, tzinfo=CHINA_TIME)
    assert not rectify.provisional


async def test_working_days_into_2027_are_provisional() -> None:
    calendar = WorkingDayCalendar(official_working_day, FallbackDays(holidays=frozenset({date(2027, 1, 1)})))
    result = await ActivityEnvironment().run(
        _activities(calendar).compute_deadlines,
        ComputeDeadlinesInput(
            [DeadlineRequest(WORKING_DAY_ROW.key, datetime(2026, 12, 30, tzinfo=CHINA_TIME))]
        ),
    )
    assert result.deadlines[0].provisional
    assert result.deadlines[0].due_at == datetime(2027, 1, 6, tzinfo=CHINA_TIME)


async def test_unknown_policy_fails_for_good() -> None:
    with pytest.raises(ApplicationError) as failure:
        await ActivityEnvironment().run(
            _activities().compute_deadlines, ComputeDeadlinesInput([DeadlineRequest("rescue.nope", START)])
        )
    assert failure.value.non_retryable


def test_fallback_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "holidays-2027.txt"
    path.write_text("2027-01-01 holiday\n", encoding="utf-8")
    calendar = load_working_day_calendar(path)
    assert calendar.is_working_day(date(2027, 1, 1)) == (False, True)
    assert calendar.is_working_day(date(2026, 10, 10)) == (True, False)


async def test_a_complaints_clock_follows_the_rules_in_force_on_its_filing_date() -> None:
    # A deployment that has read Order 121 sets its limit; complaints filed under Order 20 keep Order 20's.
    activities = DeadlineActivities(
        policy_rules({"complaint.decide": 10}), WorkingDayCalendar(official_working_day)
    )
    received = datetime(2026, 9, 30, 10, tzinfo=CHINA_TIME)

    async def due(filed_at: datetime | None) -> datetime:
        request = DeadlineRequest("complaint.decide", received, filed_at=filed_at)
        result = await ActivityEnvironment().run(
            activities.compute_deadlines, ComputeDeadlinesInput([request])
        )
        return result.deadlines[0].due_at

    # The last day of Order 20 and the first of Order 121, in Shanghai's calendar (16:00 UTC is midnight there).
    last_day_of_order_20 = datetime(2026, 4, 14, 23, 59, tzinfo=CHINA_TIME)
    first_day_of_order_121 = datetime(2026, 4, 14, 16, 0, tzinfo=UTC)
    seven_working_days = datetime(2026, 10, 16, tzinfo=CHINA_TIME)  # after the National Day holiday
    ten_working_days = datetime(2026, 10, 21, tzinfo=CHINA_TIME)
    assert await due(last_day_of_order_20) == seven_working_days
    assert await due(first_day_of_order_121) == ten_working_days
    # A request without a filing date (runs recorded before it was sent) takes the rules in force now.
    assert await due(None) == ten_working_days
