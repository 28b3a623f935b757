"""Receiving passenger feedback: the only place the API starts the feedback workflow."""

from temporalio.client import Client

from api.deps import AppResources
from api.open311_models import (
    FilingRefused,
    Open311Attribute,
    Open311Filed,
    Open311Filing,
    Open311Service,
    Open311Value,
)
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


OPEN311 = Open311Service(
    service_code="elevator_feedback",
    service_name="电梯乘客评价建议",
    description="乘客对电梯运行、维保与服务的评价或建议；使用管理单位答复。",
    keywords=("乘客评价", "建议", "电梯"),
    attributes=(
        Open311Attribute(
            code="feedback_type",
            description="评价还是建议",
            datatype="singlevaluelist",
            required=True,
            values=tuple(Open311Value(kind.value, kind.label_zh) for kind in FeedbackType),
        ),
        Open311Attribute(code="rating", description="评分（1-5，评价时填写）", datatype="number"),
    ),
)


async def file_from_open311(resources: AppResources, filing: Open311Filing) -> Open311Filed:
    """A passenger's feedback filed through another system (Open311)."""
    try:
        feedback_type = FeedbackType(filing.attributes.get("feedback_type", ""))
    except ValueError as error:
        raise FilingRefused("attribute[feedback_type] must be evaluation or suggestion") from error
    rating_text = filing.attributes.get("rating", "").strip()
    rating = int(rating_text) if rating_text.isdigit() else None
    if rating_text and (rating is None or not 1 <= rating <= 5):
        raise FilingRefused("attribute[rating] must be a whole number from 1 to 5")
    if not filing.description.strip():
        raise FilingRefused("description is required")
    registered = await receive_feedback(
        resources.temporal,
        resources.settings.temporal_task_queue,
        elevator_code=filing.elevator_code,
        ref=filing.ref,
        feedback_type=feedback_type,
        text=filing.description.strip()[:2000],
        rating=rating,
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    return Open311Filed(ticket_id=registered.ticket_id, token=None, notice="使用管理单位将在规定时限内答复")
