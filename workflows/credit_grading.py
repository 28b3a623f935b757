"""The monthly credit grading (信用评价) and district digests (月报): a Temporal Schedule starts it on the 1st."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import (
        GRADE_UNITS,
        MAIL_DISTRICT_DIGESTS,
        DistrictDigestsInput,
        GradeUnitsInput,
        GradeUnitsResult,
    )
    from domain.credit_model import Period

CREDIT_GRADING_WORKFLOW = "CreditGrading"


@dataclass
class CreditGradingInput:
    # `2026-11`; None: the month before the run's start (what the Schedule sends).
    month: str | None = None
    # The Schedule's monthly run mails the districts their digests; a regulator's preview of a month
    # under way does not (the month's digest goes out once, when it is over).
    mail_digests: bool = True


@workflow.defn(name=CREDIT_GRADING_WORKFLOW)
class CreditGradingWorkflow:
    @workflow.run
    async def run(self, input: CreditGradingInput) -> GradeUnitsResult:
        month = input.month or Period.before(workflow.now()).month
        result: GradeUnitsResult = await workflow.execute_activity(
            GRADE_UNITS,
            GradeUnitsInput(month),
            result_type=GradeUnitsResult,
            start_to_close_timeout=timedelta(minutes=10),
        )
        if not input.mail_digests:
            return result
        # Then each district's regulators get the month's digest, with the grades just stored.
        await workflow.execute_activity(
            MAIL_DISTRICT_DIGESTS,
            DistrictDigestsInput(month),
            start_to_close_timeout=timedelta(minutes=30),
            heartbeat_timeout=timedelta(minutes=5),
        )
        return result
