"""Receiving complaints (投诉): the only place the API starts the complaint workflow."""

import re
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client

from api.complaint_schemas import PHONE_PATTERN
from api.deps import AppResources
from api.open311_models import (
    FilingRefused,
    Open311Attribute,
    Open311Filed,
    Open311Filing,
    Open311Service,
)
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


OPEN311 = Open311Service(
    service_code="elevator_complaint",
    service_name="电梯投诉",
    description="对电梯使用、维保或救援的投诉；区市场监管局受理。须留真实姓名和联系电话，仅用于办理，不对外公开。",
    keywords=("投诉", "电梯"),
    attributes=(
        Open311Attribute(code="request", description="诉求：希望如何处理", datatype="text", required=True),
    ),
)


async def file_from_open311(resources: AppResources, filing: Open311Filing) -> Open311Filed:
    """A complaint filed through another system (Open311): a real name and a phone, as from the QR page."""
    name = filing.name.strip()
    if not name or not re.fullmatch(PHONE_PATTERN, filing.phone.strip()):
        raise FilingRefused("a complaint needs first_name/last_name and a phone the complainant answers")
    request = filing.attributes.get("request", "").strip()
    if not request:
        raise FilingRefused("attribute[request] is required")
    if not filing.description.strip():
        raise FilingRefused("description is required")
    receipt = await receive_complaint(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewComplaint(
            elevator_code=filing.elevator_code,
            ref=filing.ref,
            complaint=filing.description.strip()[:2000],
            request=request[:1000],
            complainant_name=name[:50],
            complainant_phone=filing.phone.strip(),
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    return Open311Filed(
        ticket_id=receipt.ticket_id,
        token=receipt.tracking_token,
        notice="区市场监管局将在 7 个工作日内决定是否受理",
    )
