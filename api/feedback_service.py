"""Receiving passenger feedback: the only place the API starts the feedback workflow."""

from datetime import UTC, datetime

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from api.workflow_calls import temporal_reachable
from domain.feedback import FeedbackType, feedback_ticket_id
from workflows.feedback import FeedbackWorkflow
from workflows.feedback_models import FeedbackInput
from workflows.step_models import Registered, RegisterInput


async def receive_feedback(
    client: Client,
    task_queue: str,
    *,
    elevator_code: str,
    ref: str,
    feedback_type: FeedbackType,
    text: str,
    rating: int | None,
    mail_grace_seconds: float = 30.0,
) -> Registered:
    ticket_id = feedback_ticket_id(elevator_code, ref)
    start = WithStartWorkflowOperation(
        FeedbackWorkflow.run,
        FeedbackInput(
            ticket_id=ticket_id,
            elevator_code=elevator_code,
            ref=ref,
            feedback_type=feedback_type,
            text=text,
            rating=rating,
            received_at=datetime.now(UTC),
            mail_grace_seconds=mail_grace_seconds,
        ),
        id=ticket_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    async with temporal_reachable():
        registered: Registered = await client.execute_update_with_start_workflow(
            FeedbackWorkflow.register, RegisterInput(ticket_id=ticket_id), start_workflow_operation=start
        )
    return registered
