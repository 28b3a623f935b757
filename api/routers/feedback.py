"""Passenger feedback (乘客评价建议): public, from the elevator's QR page."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response, status

from api.deps import Resources
from api.errors import field_error
from api.feedback_schemas import FeedbackCreate, FeedbackCreated
from api.feedback_service import receive_feedback
from api.rate_limit import public_rate_limit
from api.schemas import ErrorOut
from domain.feedback import FeedbackType, feedback_ticket_id

router = APIRouter(tags=["public"], dependencies=[Depends(public_rate_limit("feedback"))])

_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "Temporal is unreachable"}
}


@router.post(
    "/tickets/feedback",
    response_model=FeedbackCreated,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": FeedbackCreated, "description": "The same submission, repeated"}, **_ERRORS},
)
async def submit_feedback(
    body: FeedbackCreate,
    response: Response,
    resources: Resources,
    idempotency_key: Annotated[str | None, Header(max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
) -> FeedbackCreated:
    """A passenger rates the elevator or suggests something; the use unit answers within the policy limit."""
    if not await resources.registry.is_registered(body.elevator_code):
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    feedback_type = FeedbackType(body.feedback_type)
    if feedback_type is FeedbackType.EVALUATION and body.rating is None:
        raise field_error("rating", "an evaluation gives 1 to 5 stars")
    # A phone that retries after a timeout sends the same Idempotency-Key: one ticket, not two.
    ref = idempotency_key or uuid.uuid4().hex
    known = await resources.tickets.get(feedback_ticket_id(body.elevator_code, ref))
    if known is not None:
        response.status_code = status.HTTP_200_OK
        return FeedbackCreated(ticket_id=known.ticket_id, state=known.state, duplicate=True)
    registered = await receive_feedback(
        resources.temporal,
        resources.settings.temporal_task_queue,
        elevator_code=body.elevator_code,
        ref=ref,
        feedback_type=feedback_type,
        text=body.text,
        rating=body.rating,
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    if registered.duplicate:
        response.status_code = status.HTTP_200_OK
    return FeedbackCreated(
        ticket_id=registered.ticket_id, state=registered.state, duplicate=registered.duplicate
    )
