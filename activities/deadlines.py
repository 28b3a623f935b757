"""Deadline computation from the policy table; kept out of workflows so replay never recomputes one."""

from __future__ import annotations

from collections.abc import Mapping

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import (
    COMPUTE_DEADLINES,
    ComputedDeadline,
    ComputeDeadlinesInput,
    ComputeDeadlinesOutput,
)
from domain.policies import DeadlinePolicy, TimeUnit


class DeadlineActivities:
    def __init__(self, policies: Mapping[str, DeadlinePolicy]) -> None:
        self._policies = policies

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
                raise ApplicationError(
                    f"{policy.key} counts working days, which need the working-day calendar",
                    type="UnsupportedPolicyUnit",
                    non_retryable=True,
                )
            deadlines.append(
                ComputedDeadline(policy_key=policy.key, due_at=request.starts_at + policy.duration())
            )
        return ComputeDeadlinesOutput(deadlines=deadlines)
