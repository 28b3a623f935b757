"""Complaints (投诉): public, from the elevator's QR page; handled by the elevator's district regulator."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response, status

from api.complaint_schemas import ComplaintCreate, ComplaintCreated
from api.complaint_service import NewComplaint, receive_complaint
from api.deps import Resources
from api.errors import field_error
from api.rate_limit import public_rate_limit
from api.report_service import receive_report
from api.schemas import ErrorOut
from domain.complaint import complaint_ticket_id
from domain.report import SuspectParty
from workflows.report_models import ReporterContact

router = APIRouter(tags=["public"], dependencies=[Depends(public_rate_limit("complaint"))])

_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "Temporal is unreachable"}
}


@router.post(
    "/tickets/complaint",
    response_model=ComplaintCreated,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ComplaintCreated, "description": "The same submission, repeated"}, **_ERRORS},
)
async def submit_complaint(
    body: ComplaintCreate,
    response: Response,
    resources: Resources,
    idempotency_key: Annotated[str | None, Header(max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
) -> ComplaintCreated:
    """A member of the public complains about an elevator; the district regulator decides within 7 working days.

    The answer carries a tracking token, once: the complainant follows the complaint at GET /track/{token}
    and evaluates its result there. The complainant's name and phone are kept apart and never shown.
    """
    if not await resources.registry.is_registered(body.elevator_code):
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    # A phone that retries after a timeout sends the same Idempotency-Key: one complaint, not two.
    ref = idempotency_key or uuid.uuid4().hex
    known = await resources.tickets.get(complaint_ticket_id(body.elevator_code, ref))
    if known is not None:
        response.status_code = status.HTTP_200_OK
        created = ComplaintCreated(
            ticket_id=known.ticket_id, state=known.state, duplicate=True, tracking_token=None
        )
    else:
        created = await _open_complaint(body, ref, response, resources)
    if body.also_report:
        # A complaint that also reports a violation runs as two tracks: redress, and the report's
        # verification. The report shares the complaint's reference, so a retry reaches both again.
        report = await receive_report(
            resources.temporal,
            resources.settings.temporal_task_queue,
            elevator_code=body.elevator_code,
            ref=ref,
            text=body.complaint,
            suspect=SuspectParty(body.report_suspect),
            reporter=ReporterContact(name=body.complainant_name, phone=body.complainant_phone),
            mail_grace_seconds=resources.settings.mail_grace_seconds,
            clock=resources.clock,
            filed_with=created.ticket_id,
        )
        created.report_ticket_id = report.ticket_id
        created.report_tracking_token = report.tracking_token
    return created


async def _open_complaint(
    body: ComplaintCreate, ref: str, response: Response, resources: Resources
) -> ComplaintCreated:
    receipt = await receive_complaint(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewComplaint(
            elevator_code=body.elevator_code,
            ref=ref,
            complaint=body.complaint,
            request=body.request,
            complainant_name=body.complainant_name,
            complainant_phone=body.complainant_phone,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    if receipt.duplicate:
        response.status_code = status.HTTP_200_OK
    return ComplaintCreated(
        ticket_id=receipt.ticket_id,
        state=receipt.state,
        duplicate=receipt.duplicate,
        tracking_token=receipt.tracking_token,
    )
