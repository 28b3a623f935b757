"""Grading a month on demand: a regulator's preview of the month under way, run as the Schedule runs it."""

from __future__ import annotations

import uuid

from activities.contracts import GradeUnitsResult
from api.deps import AppResources
from workflows.credit_grading import CreditGradingInput, CreditGradingWorkflow


async def grade_month_now(resources: AppResources, month: str) -> GradeUnitsResult:
    """Grade every unit for `month` with the steps recorded so far; no digest is mailed."""
    result: GradeUnitsResult = await resources.temporal.execute_workflow(
        CreditGradingWorkflow.run,
        CreditGradingInput(month=month, mail_digests=False),
        id=f"credit-grading-{month}-preview-{uuid.uuid4().hex}",
        task_queue=resources.settings.temporal_task_queue,
    )
    return result
