"""Receiving passenger feedback: the only place the API starts the feedback workflow."""

from temporalio.client import Client

from api.workflow_calls import open_ticket
from domain.feedback import FeedbackType, feedback_ticket_id
from elevator_orders.clock import Clock, system_clock
from workflows.feedback import FeedbackWorkflow
from workflows.feedback_models import FeedbackInput
from workflows.step_models import Registered


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
    clock: Clock = system_clock,
) -> Registered:
    ticket_id = feedback_ticket_id(elevator_code, ref)
    return await open_ticket(
        client,
        task_queue,
        FeedbackWorkflow.run,
        FeedbackInput(
            ticket_id=ticket_id,
            elevator_code=elevator_code,
            ref=ref,
            feedback_type=feedback_type,
            text=text,
            rating=rating,
            received_at=clock(),
            mail_grace_seconds=mail_grace_seconds,
        ),
        ticket_id=ticket_id,
    )
