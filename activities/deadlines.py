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
    DeadlineRequest,
    DeadlineTerms,
)
from domain.calendar import WorkingDayCalendar
from domain.policies import DeadlinePolicy, PolicyRules, TimeUnit


class DeadlineActivities:
    def __init__(
        self, policies: PolicyRules | Mapping[str, DeadlinePolicy], calendar: WorkingDayCalendar
    ) -> None:
        self._policies = policies if isinstance(policies, PolicyRules) else PolicyRules.of(policies)
        self._calendar = calendar

    def policy(self, key: str, filed_at: datetime | None = None) -> DeadlinePolicy:
        """The row of `key` in force when the ticket was filed (None: now)."""
        if key not in self._policies:
            raise ApplicationError(f"no policy row {key!r}", type="UnknownPolicy", non_retryable=True)
        return self._policies.in_force(key, filed_at)

    @activity.defn(name=COMPUTE_DEADLINES)
    async def compute_deadlines(self, input: ComputeDeadlinesInput) -> ComputeDeadlinesOutput:
        return ComputeDeadlinesOutput(deadlines=[self._computed(request) for request in input.requests])

    def _computed(self, request: DeadlineRequest) -> ComputedDeadline:
        policy = self.policy(request.policy_key, request.filed_at)
        if policy.unit is not TimeUnit.WORKING_DAYS:
            return terms(policy).starting(request.starts_at)
        counted = self._calendar.add_working_days(request.starts_at, int(policy.limit))
        if counted.provisional:
            activity.logger.warning(
                "%s from %s reaches a year the official calendar does not cover; "
                "due %s is provisional (Monday-Friday plus the configured holidays)",
                policy.key,
                request.starts_at.isoformat(),
                counted.due_at.isoformat(),
            )
        reminder = None
        if policy.remind_at is not None:
            reminder = request.starts_at + (counted.due_at - request.starts_at) * policy.remind_at
        return ComputedDeadline(
            policy_key=policy.key,
            due_at=counted.due_at,
            provisional=counted.provisional,
            remind_at=reminder,
            opens_clue=policy.opens_clue,
        )


def terms(policy: DeadlinePolicy) -> DeadlineTerms:
    """The row's terms for a clock of fixed duration; working-day rows need the calendar, not these."""
    return DeadlineTerms(
        policy_key=policy.key,
        limit=policy.duration(),
        remind_at=policy.remind_at,
        opens_clue=policy.opens_clue,
    )
