"""The engine's Temporal Schedules, created once per deployment (task queue) when the worker starts."""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from workflows.credit_grading import CreditGradingInput, CreditGradingWorkflow

log = logging.getLogger(__name__)


def credit_schedule_id(task_queue: str) -> str:
    return f"credit-grading:{task_queue}"


async def ensure_credit_schedule(client: Client, task_queue: str) -> None:
    """Grade every unit at 02:00 on the 1st of each month (Shanghai time), for the month before."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            CreditGradingWorkflow.run,
            CreditGradingInput(),
            id=f"credit-grading-{task_queue}",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    day_of_month=[ScheduleRange(1)], hour=[ScheduleRange(2)], minute=[ScheduleRange(0)]
                )
            ],
            time_zone_name="Asia/Shanghai",
        ),
        # A grading still running when the next is due (never, in practice) is left to finish.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(credit_schedule_id(task_queue), schedule)
        log.info("created the credit grading schedule for %s", task_queue)
    except ScheduleAlreadyRunningError:
        pass
