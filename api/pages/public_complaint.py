"""投诉 / 举报 from a car's QR page: a complaint, or a report with the reporter's identity kept apart."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api.audit import audit
from api.complaint_service import NewComplaint, receive_complaint
from api.deps import AppResources, Resources
from api.pages import public_forms
from api.pages.public_common import (
    PRIVATE_HEADERS,
    WORKFLOW_FAILURES,
    ElevatorCode,
    KnownElevator,
    form_page,
    form_values,
    page,
    too_many,
    unavailable_message,
)
from api.report_service import receive_report
from domain.complaint import complaint_ticket_id
from domain.kinds import TicketKind
from domain.report import SuspectParty, report_ticket_id
from store.audit import Outcome
from store.models import Elevator
from workflows.report_models import ReporterContact

router = APIRouter(include_in_schema=False)


async def _filing_form(
    request: Request,
    resources: AppResources,
    elevator: Elevator,
    typed: dict[str, str],
    *,
    status_code: int = status.HTTP_200_OK,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    return await form_page(
        request,
        resources,
        "public/filing_form.html",
        elevator,
        typed,
        title="投诉/举报",
        status_code=status_code,
        errors=errors,
        error=error,
        kind=public_forms.filing_kind(typed) or "complaint",
    )


@router.get("/e/{code}/complaint", response_class=HTMLResponse)
async def filing_form(
    request: Request, elevator: KnownElevator, resources: Resources, kind: str = "complaint"
) -> HTMLResponse:
    """The form for a complaint (投诉, real-name) or a report (举报, may be anonymous)."""
    return await _filing_form(request, resources, elevator, {"kind": kind})


@router.post("/e/{code}/complaint", response_class=HTMLResponse)
async def file_complaint_or_report(
    request: Request, code: ElevatorCode, elevator: KnownElevator, resources: Resources
) -> HTMLResponse:
    """Opens the complaint or the report; the page that answers shows its tracking link, this once."""
    typed = await form_values(request)
    kind = public_forms.filing_kind(typed)
    if kind is None:
        return await _filing_form(
            request,
            resources,
            elevator,
            typed,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            errors={"kind": public_forms.MESSAGES["kind"]},
            error=public_forms.CHECK_FIELDS,
        )
    if refused := await too_many(request, kind):
        return await _filing_form(
            request, resources, elevator, typed, status_code=status.HTTP_429_TOO_MANY_REQUESTS, error=refused
        )
    ref = public_forms.submission_id(typed)
    try:
        filed = await (_file_complaint if kind == "complaint" else _file_report)(resources, code, ref, typed)
    except WORKFLOW_FAILURES as failure:
        return await _filing_form(
            request,
            resources,
            elevator,
            typed,
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            error=unavailable_message(failure),
        )
    if isinstance(filed, dict):
        return await _filing_form(
            request,
            resources,
            elevator,
            typed,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            errors=filed,
            error=public_forms.CHECK_FIELDS,
        )
    if not filed.duplicate:
        await audit(resources, request, None, outcome=Outcome.OK, ticket_id=filed.ticket_id)
    response = page(
        request,
        resources,
        "public/filed.html",
        title="已提交",
        kind=kind,
        kind_label=TicketKind(kind).label_zh,
        elevator_path=f"/e/{quote(code, safe='')}",
        filed=filed,
        number=await resources.ticket_numbers.of(filed.ticket_id),
        tracking_url=(
            f"{resources.settings.effective_public_base_url}/t/{filed.tracking_token}"
            if filed.tracking_token
            else None
        ),
    )
    response.headers.update(PRIVATE_HEADERS)
    return response


@dataclass(frozen=True)
class Filed:
    ticket_id: str
    duplicate: bool
    # Shown once, on the answer to the submission that opened the ticket.
    tracking_token: str | None


async def _file_complaint(
    resources: AppResources, code: str, ref: str, typed: dict[str, str]
) -> Filed | dict[str, str]:
    checked = public_forms.complaint(code, typed)
    if checked.body is None:
        return checked.errors
    if await resources.tickets.get(complaint_ticket_id(code, ref)) is not None:
        return Filed(complaint_ticket_id(code, ref), duplicate=True, tracking_token=None)
    body = checked.body
    receipt = await receive_complaint(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewComplaint(
            elevator_code=code,
            ref=ref,
            complaint=body.complaint,
            request=body.request,
            complainant_name=body.complainant_name,
            complainant_phone=body.complainant_phone,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    return Filed(receipt.ticket_id, receipt.duplicate, receipt.tracking_token)


async def _file_report(
    resources: AppResources, code: str, ref: str, typed: dict[str, str]
) -> Filed | dict[str, str]:
    checked = public_forms.report(code, typed)
    if checked.body is None:
        return checked.errors
    if await resources.tickets.get(report_ticket_id(code, ref)) is not None:
        return Filed(report_ticket_id(code, ref), duplicate=True, tracking_token=None)
    body = checked.body
    receipt = await receive_report(
        resources.temporal,
        resources.settings.temporal_task_queue,
        elevator_code=code,
        ref=ref,
        text=body.text,
        suspect=SuspectParty(body.suspect),
        reporter=(
            None
            if body.anonymous or body.reporter_name is None or body.reporter_phone is None
            else ReporterContact(name=body.reporter_name, phone=body.reporter_phone)
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    return Filed(receipt.ticket_id, receipt.duplicate, receipt.tracking_token)
