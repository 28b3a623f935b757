"""Reports (举报): public, from the elevator's QR page, real-name or anonymous."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response, status

from api.deps import Resources
from api.errors import field_error
from api.rate_limit import public_rate_limit
from api.report_schemas import ReportCreate, ReportCreated
from api.report_service import receive_report
from api.schemas import ErrorOut
from domain.report import SuspectParty, report_ticket_id
from workflows.report_models import ReporterContact

router = APIRouter(tags=["public"], dependencies=[Depends(public_rate_limit("report"))])

_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "Temporal is unreachable"}
}


def _reporter(body: ReportCreate) -> ReporterContact | None:
    """The real-name reporter's contact, or None for an anonymous report; 422 naming what is wrong."""
    if body.anonymous:
        for field in ("reporter_name", "reporter_phone"):
            if getattr(body, field) is not None:
                raise field_error(field, "an anonymous report carries no name or phone")
        return None
    name = (body.reporter_name or "").strip()
    if not name:
        raise field_error(
            "reporter_name", "a real-name report needs the reporter's name (or anonymous: true)"
        )
    if body.reporter_phone is None:
        raise field_error(
            "reporter_phone", "a real-name report needs a phone to tell the reporter the outcome"
        )
    return ReporterContact(name=name, phone=body.reporter_phone)


@router.post(
    "/tickets/report",
    response_model=ReportCreated,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ReportCreated, "description": "The same submission, repeated"}, **_ERRORS},
)
async def submit_report(
    body: ReportCreate,
    response: Response,
    resources: Resources,
    idempotency_key: Annotated[str | None, Header(max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
) -> ReportCreated:
    """A member of the public reports a suspected violation; the district regulator verifies and decides.

    The answer carries a tracking token, once: the reporter follows the report with it at GET /track/{token}.
    The reporter's name and phone are kept apart from the ticket and shown to regulators only.
    """
    if not await resources.registry.is_registered(body.elevator_code):
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    reporter = _reporter(body)
    # A phone that retries after a timeout sends the same Idempotency-Key: one ticket, not two.
    ref = idempotency_key or uuid.uuid4().hex
    known = await resources.tickets.get(report_ticket_id(body.elevator_code, ref))
    if known is not None:
        response.status_code = status.HTTP_200_OK
        return ReportCreated(
            ticket_id=known.ticket_id, state=known.state, duplicate=True, tracking_token=None
        )
    receipt = await receive_report(
        resources.temporal,
        resources.settings.temporal_task_queue,
        elevator_code=body.elevator_code,
        ref=ref,
        text=body.text,
        suspect=SuspectParty(body.suspect),
        reporter=reporter,
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    if receipt.duplicate:
        response.status_code = status.HTTP_200_OK
    return ReportCreated(
        ticket_id=receipt.ticket_id,
        state=receipt.state,
        duplicate=receipt.duplicate,
        tracking_token=receipt.tracking_token,
    )
