"""投诉 / 举报 from a car's QR page: a complaint, or a report with the reporter's identity kept apart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api.audit import audit
from api.complaint_schemas import ComplaintCreate
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
from api.pages.public_forms import Checked
from api.report_schemas import ReportCreate
from api.report_service import receive_report
from domain.complaint import complaint_ticket_id
from domain.kinds import TicketKind
from domain.report import SuspectParty, report_ticket_id
from store.audit import Outcome
from store.models import Elevator
from workflows.report_models import ReporterContact

router = APIRouter(include_in_schema=False)

# What each field of the 投诉/举报 form says when it is refused.
_KIND = "请选择投诉或举报"
_COMPLAINT_TEXT = "请填写投诉内容（不超过 2000 字）"
_REPORT_TEXT = "请填写举报内容（不超过 2000 字）"
_REQUEST = "请填写您的诉求（不超过 1000 字）"
_SUSPECT = "请选择被举报的单位"
_COMPLAINT_NAME = "请填写您的真实姓名（不超过 50 字）"
_REPORT_NAME = "实名举报请填写您的真实姓名（2 至 50 字），或选择匿名举报"
_REPORT_PHONE = f"实名举报请填写正确的手机号或固定电话（{public_forms.PHONE_HINT}），或选择匿名举报"
FilingKind = Literal["complaint", "report"]


def complaint(elevator_code: str, typed: Mapping[str, str]) -> Checked[ComplaintCreate]:
    """投诉: a real name and a phone are required (SAMR Order 20)."""
    return public_forms.check(
        lambda: ComplaintCreate(
            elevator_code=elevator_code,
            complaint=typed.get("text", ""),
            request=typed.get("request", ""),
            complainant_name=typed.get("name", ""),
            complainant_phone=public_forms.phone(typed, "phone"),
        ),
        {
            "elevator_code": ("", public_forms.CHECK_FIELDS),
            "complaint": ("text", _COMPLAINT_TEXT),
            "request": ("request", _REQUEST),
            "complainant_name": ("name", _COMPLAINT_NAME),
            "complainant_phone": ("phone", public_forms.PHONE_MESSAGE),
        },
    )


def report(elevator_code: str, typed: Mapping[str, str]) -> Checked[ReportCreate]:
    """举报: anonymous, or with a real name and a phone; an anonymous report keeps no name or phone typed."""
    anonymous = typed.get("anonymous") == "on"
    checked = public_forms.check(
        lambda: ReportCreate(
            elevator_code=elevator_code,
            text=typed.get("text", ""),
            suspect=typed.get("suspect", "use_unit"),
            anonymous=anonymous,
            reporter_name=None if anonymous else typed.get("name") or None,
            reporter_phone=None if anonymous else public_forms.phone(typed, "phone") or None,
        ),
        {
            "elevator_code": ("", public_forms.CHECK_FIELDS),
            "text": ("text", _REPORT_TEXT),
            "suspect": ("suspect", _SUSPECT),
            "reporter_name": ("name", _REPORT_NAME),
            "reporter_phone": ("phone", _REPORT_PHONE),
        },
    )
    if checked.body is not None and not anonymous:
        # The JSON API asks the same of a real-name report (api/routers/report.py).
        if checked.body.reporter_name is None:
            checked.errors["name"] = _REPORT_NAME
        if checked.body.reporter_phone is None:
            checked.errors["phone"] = _REPORT_PHONE
        if checked.errors:
            checked.body = None
    return checked


def filing_kind(typed: Mapping[str, str]) -> FilingKind | None:
    kinds: dict[str, FilingKind] = {"complaint": "complaint", "report": "report"}
    return kinds.get(typed.get("kind", "complaint"))


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
        kind=filing_kind(typed) or "complaint",
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
    kind = filing_kind(typed)
    if kind is None:
        return await _filing_form(
            request,
            resources,
            elevator,
            typed,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            errors={"kind": _KIND},
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
    checked = complaint(code, typed)
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
    checked = report(code, typed)
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
