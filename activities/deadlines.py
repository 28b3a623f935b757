"""Deadline computation from the policy table; kept out of workflows so replay never recomputes one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import (
    COMPUTE_DEADLINES,
    ComputedDeadline,
    ComputeDeadlinesInput,
    ComputeDeadlinesOutput,
)
from domain.calendar import WorkingDayCalendar
from domain.policies import DeadlinePolicy, TimeUnit


class DeadlineActivities:
    def __init__(self, policies: Mapping[str, DeadlinePolicy], calendar: WorkingDayCalendar) -> None:
        self._policies = policies
        self._calendar = calendar

    @activity.defn(name=COMPUTE_DEADLINES)
    async def compute_deadlines(self, input: ComputeDeadlinesInput) -> ComputeDeadlinesOutput:
        deadlines = []
        for request in input.requests:
            policy = self._policies.get(request.policy_key)
            if policy is None:
                raise ApplicationError(
                    f"no policy row {request.policy_key!r}", type="UnknownPolicy", non_retryable=True
                )
            if policy.unit is TimeUnit.WORKING_DAYS:
                counted = self._calendar.add_working_days(request.starts_at, int(policy.limit))
                if counted.provisional:
                    activity.logger.warning(
                        "%s from %s reaches a year the official calendar does not cover; "
                        "due %s is provisional (Monday-Friday plus the configured holidays)",
                        policy.key,
                        request.starts_at.isoformat(),
                        counted.due_at.isoformat(),
                    )
                due_at, provisional = counted.due_at, counted.provisional
            else:
                due_at, provisional = request.starts_at + policy.duration(), False
            deadlines.append(
                ComputedDeadline(
                    policy_key=policy.key,
                    due_at=due_at,
                    provisional=provisional,
                    remind_at=_reminder(policy, request.starts_at, due_at),
                    opens_clue=policy.opens_clue,
                )
            )
        return ComputeDeadlinesOutput(deadlines=deadlines)


def _reminder(policy: DeadlinePolicy, starts_at: datetime, due_at: datetime) -> datetime | None:
    if policy.remind_at is None:
        return None
    return starts_at + (due_at - starts_at) * policy.remind_at
