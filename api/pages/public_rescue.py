"""The QR landing page of a car, and 困人报警 from it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api.audit import audit
from api.deps import AppResources, Resources
from api.pages import public_forms
from api.pages.public_common import (
    WORKFLOW_FAILURES,
    ElevatorCode,
    KnownElevator,
    form_values,
    page,
    public_elevator,
    too_many,
)
from api.pages.public_forms import Checked
from api.rescue_schemas import RescueCreate
from api.rescue_service import NewReport, open_rescue
from domain.catalog import state_label
from domain.kinds import TicketKind
from domain.rescue import ReportSource
from domain.roles import PUBLIC_ACTOR
from store.audit import Outcome
from store.models import Elevator

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

_CALLBACK_PHONE = "请填写能接通的电话号码，救援人员会回拨给您"
_DESCRIPTION = "情况说明不超过 500 字"


def rescue(elevator_code: str, typed: Mapping[str, str], ref: str) -> Checked[RescueCreate]:
    """困人报警: the call-back phone is what lets the rescuers reach the people in the car."""
    phone = public_forms.phone(typed, "callback_phone")
    if not phone:
        return Checked(None, {"callback_phone": _CALLBACK_PHONE})
    return public_forms.check(
        lambda: RescueCreate(
            elevator_code=elevator_code,
            source="qr",
            ref=ref,
            alarm_type="乘客扫码报警",
            description=typed.get("description", ""),
            callback_phone=phone,
        ),
        {
            "elevator_code": ("", public_forms.CHECK_FIELDS),
            "callback_phone": ("callback_phone", _CALLBACK_PHONE),
            "description": ("description", _DESCRIPTION),
        },
    )


async def _elevator_page(
    request: Request,
    resources: AppResources,
    elevator: Elevator,
    *,
    status_code: int = status.HTTP_200_OK,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    shown = await public_elevator(resources, elevator)
    return page(
        request,
        resources,
        "public/elevator.html",
        status_code=status_code,
        title=f"电梯 {shown.code}",
        elevator=shown,
        submission=public_forms.submission_id(typed or {}),
        typed=typed or {},
        errors=errors or {},
        error=error,
    )


@router.get("/e/{code}", response_class=HTMLResponse)
async def elevator_page(request: Request, elevator: KnownElevator, resources: Resources) -> HTMLResponse:
    """The page the 智慧电梯码 opens: the car's public facts, 困人报警, 投诉/举报, 评价建议."""
    return await _elevator_page(request, resources, elevator)


@router.get("/e/{code}/rescue")
async def rescue_page(code: ElevatorCode) -> RedirectResponse:
    """The alarm is a form on the elevator's page (a reload after sending it lands here)."""
    return RedirectResponse(f"/e/{quote(code, safe='')}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/e/{code}/rescue", response_class=HTMLResponse)
async def report_entrapment(
    request: Request, code: ElevatorCode, elevator: KnownElevator, resources: Resources
) -> HTMLResponse:
    """困人报警 from the QR page: opens a rescue on the car, or joins the one already open there."""
    typed = await form_values(request)
    hotline = resources.settings.rescue_hotline
    if refused := await too_many(request, "rescue"):
        return await _elevator_page(
            request,
            resources,
            elevator,
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            typed=typed,
            error=f"{refused}。如有人被困，请立即拨打 {hotline}。",
        )
    ref = public_forms.submission_id(typed)
    checked = rescue(code, typed, ref)
    if checked.body is None:
        return await _elevator_page(
            request,
            resources,
            elevator,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            typed=typed,
            errors=checked.errors,
            error=f"报警还未发出：请按红字提示填写后再按“困人报警”，或直接拨打 {hotline}。",
        )
    known = await resources.tickets.ticket_for_report(ReportSource.QR.value, ref)
    if known is not None:
        # The same form sent again after its rescue had closed: the answer it had.
        return await _rescue_sent(request, resources, elevator, known.ticket_id, known.state, True)
    body = checked.body
    try:
        receipt = await open_rescue(
            resources.temporal,
            resources.settings.temporal_task_queue,
            NewReport(
                elevator_code=code,
                source=ReportSource.QR,
                ref=ref,
                reporter=PUBLIC_ACTOR,
                alarm_at=None,
                alarm_type=body.alarm_type,
                description=body.description,
                callback_phone=body.callback_phone,
                district=elevator.district,
            ),
            mail_grace_seconds=resources.settings.mail_grace_seconds,
            clock=resources.clock,
        )
    except WORKFLOW_FAILURES as failure:
        logger.warning("QR entrapment report on %s failed: %s", code, failure)
        return await _elevator_page(
            request,
            resources,
            elevator,
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            typed=typed,
            error=f"报警未能通过网络提交，请立即拨打 {hotline} 报警求助。",
        )
    await audit(resources, request, None, outcome=Outcome.OK, ticket_id=receipt.ticket_id)
    return await _rescue_sent(
        request, resources, elevator, receipt.ticket_id, receipt.state, receipt.joined_existing
    )


async def _rescue_sent(
    request: Request,
    resources: AppResources,
    elevator: Elevator,
    ticket_id: str,
    state: str,
    joined_existing: bool,
) -> HTMLResponse:
    return page(
        request,
        resources,
        "public/rescue_sent.html",
        title="救援请求已收到",
        elevator_code=elevator.code,
        elevator_path=f"/e/{quote(elevator.code, safe='')}",
        address=elevator.address,
        ticket_id=ticket_id,
        number=await resources.ticket_numbers.of(ticket_id),
        state_label=state_label(TicketKind.RESCUE, state) if state else "",
        joined_existing=joined_existing,
    )
