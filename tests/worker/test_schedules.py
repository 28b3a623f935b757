"""The credit grading Schedule on the dev server: created once, and each run grades the month before it."""

from __future__ import annotations

import asyncio
import time

from temporalio.client import ScheduleActionExecutionStartWorkflow, ScheduleHandle
from temporalio.testing import WorkflowEnvironment

from activities.contracts import GradeUnitsResult
from domain.credit_model import Period
from elevator_orders.settings import Settings
from worker.main import running_worker
from worker.schedules import credit_schedule_id, ensure_credit_schedule


async def _runs(handle: ScheduleHandle, count: int, within_seconds: float = 30.0) -> list[str]:
    """The workflow ids of the schedule's first `count` runs, once it has started them."""
    deadline = time.monotonic() + within_seconds
    while len(actions := (await handle.describe()).info.recent_actions) < count:
        assert time.monotonic() < deadline, "the schedule did not start its run"
        await asyncio.sleep(0.1)
    started = [action.action for action in actions]
    assert all(isinstance(action, ScheduleActionExecutionStartWorkflow) for action in started)
    return [
        action.workflow_id for action in started if isinstance(action, ScheduleActionExecutionStartWorkflow)
    ]


async def test_the_credit_schedule_is_created_once_and_grades_the_month_before_each_run(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    client = dev_server.client
    queue = settings.temporal_task_queue
    await ensure_credit_schedule(client, queue)
    # A second worker starting finds it there.
    await ensure_credit_schedule(client, queue)
    handle = client.get_schedule_handle(credit_schedule_id(queue))
    try:
        spec = (await handle.describe()).schedule.spec
        assert spec.time_zone_name == "Asia/Shanghai"
        [calendar] = spec.calendars
        assert ([r.start for r in calendar.day_of_month], [r.start for r in calendar.hour]) == ([1], [2])

        async with running_worker(client, settings):
            await handle.trigger()
            [first] = await _runs(handle, 1)
            run = client.get_workflow_handle(first, result_type=GradeUnitsResult)
            result = await run.result()
            started = (await run.describe()).start_time
            await handle.trigger()
            second = (await _runs(handle, 2))[1]
            again = await client.get_workflow_handle(second, result_type=GradeUnitsResult).result()
    finally:
        await handle.delete()
    assert result.month == Period.before(started).month
    assert again == result
