"""Receiving complaints (投诉): the only place the API starts the complaint workflow."""

from dataclasses import dataclass
from typing import Any

from temporalio.client import Client

from api.tracking_schemas import EvaluateBody
from api.tracking_tokens import new_tracking_token
from api.workflow_calls import open_ticket
from domain.complaint import complaint_ticket_id
from elevator_orders.clock import Clock, system_clock
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_models import ComplaintInput, EvaluateInput


@dataclass(frozen=True)
class NewComplaint:
    elevator_code: str
    # The submission's own id: the Idempotency-Key, or a fresh one.
    ref: str
    complaint: str
    request: str
    complainant_name: str
    complainant_phone: str


@dataclass(frozen=True)
class ComplaintReceipt:
    ticket_id: str
    state: str
    duplicate: bool
    # The token the complainant follows the complaint with; None when this submission had opened it before.
    tracking_token: str | None


async def receive_complaint(
    client: Client,
    task_queue: str,
    complaint: NewComplaint,
    *,
    mail_grace_seconds: float = 30.0,
    clock: Clock = system_clock,
) -> ComplaintReceipt:
    ticket_id = complaint_ticket_id(complaint.elevator_code, complaint.ref)
    token, digest = new_tracking_token()
    registered = await open_ticket(
        client,
        task_queue,
        ComplaintWorkflow.run,
        ComplaintInput(
            ticket_id=ticket_id,
            elevator_code=complaint.elevator_code,
            ref=complaint.ref,
            complaint=complaint.complaint,
            request=complaint.request,
            complainant_name=complaint.complainant_name,
            complainant_phone=complaint.complainant_phone,
            tracking_digest=digest,
            received_at=clock(),
            mail_grace_seconds=mail_grace_seconds,
        ),
        ticket_id=ticket_id,
    )
    return ComplaintReceipt(
        ticket_id=registered.ticket_id,
        state=registered.state,
        duplicate=registered.duplicate,
        # A repeat reaches the complaint the first submission opened, whose token only that answer carried.
        tracking_token=None if registered.duplicate else token,
    )


def evaluation(digest: str, body: EvaluateBody) -> tuple[Any, EvaluateInput]:
    """The complainant's evaluation of the result, with its tracking token: the Update and its input."""
    return ComplaintWorkflow.evaluate, EvaluateInput(
        tracking_digest=digest, satisfied=body.satisfied, rating=body.rating, text=body.text
    )
