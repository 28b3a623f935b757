"""The public pages (no sign-in, phone first): what the 智慧电梯码 in the car opens, and what follows from it.

Only what 第十条 makes public is shown: codes, the address, the units serving the car, the last confirmed
maintenance, the inspection date and the rescue hotline; never a person's name or phone. Forms go
through the JSON API's services and schemas; whatever goes wrong is told in a Chinese sentence, on the
form, with what was typed kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from api import tracking_service
from api.audit import audit
from api.complaint_service import NewComplaint, receive_complaint
from api.deps import AppResources, Resources
from api.errors import TemporalUnavailable, TicketNotActionable
from api.feedback_service import receive_feedback
from api.pages import public_forms, qr_codes
from api.pages.rendering import render
from api.rate_limit import public_rate_limit
from api.report_service import receive_report
from api.rescue_service import NewReport, open_rescue
from domain.calendar import CHINA_TIME
from domain.catalog import state_label
from domain.complaint import complaint_ticket_id
from domain.feedback import FeedbackType, feedback_ticket_id
from domain.kinds import TicketKind
from domain.policies import policy_table
from domain.report import SuspectParty, report_ticket_id
from domain.rescue import ReportSource
from domain.roles import PUBLIC_ACTOR
from store.audit import Outcome
from store.models import Elevator
from workflows.report_models import ReporterContact

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

ElevatorCode = Annotated[str, Path(min_length=1, max_length=64)]
Token = Annotated[str, Path(min_length=1, max_length=200)]

# Whatever keeps a ticket from being opened or acted on just now: told as a sentence, never a trace.
_WORKFLOW_FAILURES = (
    TemporalUnavailable,
    RPCError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateFailedError,
    TicketNotActionable,
)
# The token is the only key to a filing: pages that show it are never cached nor sent on as a referrer.
_PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_QR_CACHE = {"Cache-Control": "public, max-age=3600"}


@dataclass(frozen=True)
class PublicElevator:
    """What 第十条 makes public about a car, as the QR page shows it."""

    code: str
    registration_code: str
    equipment_code: str
    address: str
    building: str
    use_unit: str
    maintenance_unit: str
    last_maintenance: date | None
    inspection_valid_until: date | None
    # China's date when the page is shown: an inspection date before it has run out.
    today: date

    @property
    def path(self) -> str:
        return f"/e/{quote(self.code, safe='')}"

    @property
    def inspection_expired(self) -> bool:
        return self.inspection_valid_until is not None and self.inspection_valid_until < self.today


async def _public_elevator(resources: AppResources, elevator: Elevator) -> PublicElevator:
    use_unit = await resources.registry.organisation(elevator.use_unit_id)
    maintenance_unit = await resources.registry.organisation(elevator.maintenance_unit_id)
    performed = await resources.tickets.last_confirmed_maintenance(elevator.code)
    return PublicElevator(
        code=elevator.code,
        registration_code=elevator.registration_code,
        equipment_code=elevator.equipment_code,
        address=elevator.address,
        building=elevator.building,
        use_unit=use_unit.name if use_unit else "",
        maintenance_unit=maintenance_unit.name if maintenance_unit else "",
        last_maintenance=performed.astimezone(CHINA_TIME).date() if performed else None,
        inspection_valid_until=elevator.inspection_valid_until,
        today=resources.clock().astimezone(CHINA_TIME).date(),
    )


def _page(request: Request, resources: AppResources, template: str, **context: Any) -> HTMLResponse:
    # Limits are stated from the policy rows in force, as the deadlines are counted (`limit("report.verify")`).
    policies = policy_table(resources.settings.policy_overrides)
    return render(
        request,
        template,
        rescue_hotline=resources.settings.rescue_hotline,
        limit=lambda key: policies[key].limit_zh,
        **context,
    )


def _not_found(request: Request, resources: AppResources, message: str) -> HTMLResponse:
    return _page(
        request,
        resources,
        "public/not_found.html",
        status_code=status.HTTP_404_NOT_FOUND,
        title="未找到",
        message=message,
    )


_UNKNOWN_ELEVATOR = "未找到这部电梯。请核对电梯内张贴的智慧电梯码，或重新扫码。"
_UNKNOWN_TOKEN = "未找到与此查询链接对应的事项。请核对链接是否完整。"


async def _too_many(request: Request, bucket: str) -> str | None:
    """The public rate limit of `bucket` (the JSON API's own): None if allowed, else the Chinese refusal."""
    try:
        await public_rate_limit(bucket)(request)
    except HTTPException as refused:
        return str(refused.detail)
    return None


def _unavailable_message(error: Exception) -> str:
    logger.warning("public page could not reach the workflow service: %s", error)
    return "系统暂时繁忙，未能提交，请稍后再试。"


async def _form(request: Request) -> dict[str, str]:
    return public_forms.values(await request.form())


# --- The QR landing page and 困人报警 --------------------------------------------------------------


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
    shown = await _public_elevator(resources, elevator)
    return _page(
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
async def elevator_page(request: Request, code: ElevatorCode, resources: Resources) -> HTMLResponse:
    """The page the 智慧电梯码 opens: the car's public facts, 困人报警, 投诉/举报, 评价建议."""
    elevator = await resources.registry.elevator(code)
    if elevator is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    return await _elevator_page(request, resources, elevator)


@router.get("/e/{code}/rescue")
async def rescue_page(code: ElevatorCode) -> RedirectResponse:
    """The alarm is a form on the elevator's page (a reload after sending it lands here)."""
    return RedirectResponse(f"/e/{quote(code, safe='')}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/e/{code}/rescue", response_class=HTMLResponse)
async def report_entrapment(request: Request, code: ElevatorCode, resources: Resources) -> HTMLResponse:
    """困人报警 from the QR page: opens a rescue on the car, or joins the one already open there."""
    elevator = await resources.registry.elevator(code)
    if elevator is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    typed = await _form(request)
    hotline = resources.settings.rescue_hotline
    if refused := await _too_many(request, "rescue"):
        return await _elevator_page(
            request,
            resources,
            elevator,
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            typed=typed,
            error=f"{refused}。如有人被困，请立即拨打 {hotline}。",
        )
    ref = public_forms.submission_id(typed)
    checked = public_forms.rescue(code, typed, ref)
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
        return _rescue_sent(request, resources, elevator, known.ticket_id, known.state, True)
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
            ),
            mail_grace_seconds=resources.settings.mail_grace_seconds,
            clock=resources.clock,
        )
    except _WORKFLOW_FAILURES as failure:
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
    return _rescue_sent(
        request, resources, elevator, receipt.ticket_id, receipt.state, receipt.joined_existing
    )


def _rescue_sent(
    request: Request,
    resources: AppResources,
    elevator: Elevator,
    ticket_id: str,
    state: str,
    joined_existing: bool,
) -> HTMLResponse:
    return _page(
        request,
        resources,
        "public/rescue_sent.html",
        title="救援请求已收到",
        elevator_code=elevator.code,
        elevator_path=f"/e/{quote(elevator.code, safe='')}",
        address=elevator.address,
        ticket_id=ticket_id,
        state_label=state_label(TicketKind.RESCUE, state) if state else "",
        joined_existing=joined_existing,
    )


# --- 投诉 / 举报 ------------------------------------------------------------------------------------


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
    return _page(
        request,
        resources,
        "public/filing_form.html",
        status_code=status_code,
        title="投诉/举报",
        elevator=await _public_elevator(resources, elevator),
        kind=public_forms.filing_kind(typed) or "complaint",
        submission=public_forms.submission_id(typed),
        typed=typed,
        errors=errors or {},
        error=error,
    )


@router.get("/e/{code}/complaint", response_class=HTMLResponse)
async def filing_form(
    request: Request, code: ElevatorCode, resources: Resources, kind: str = "complaint"
) -> HTMLResponse:
    """The form for a complaint (投诉, real-name) or a report (举报, may be anonymous)."""
    elevator = await resources.registry.elevator(code)
    if elevator is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    return await _filing_form(request, resources, elevator, {"kind": kind})


@router.post("/e/{code}/complaint", response_class=HTMLResponse)
async def file_complaint_or_report(
    request: Request, code: ElevatorCode, resources: Resources
) -> HTMLResponse:
    """Opens the complaint or the report; the page that answers shows its tracking link, this once."""
    elevator = await resources.registry.elevator(code)
    if elevator is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    typed = await _form(request)
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
    if refused := await _too_many(request, kind):
        return await _filing_form(
            request, resources, elevator, typed, status_code=status.HTTP_429_TOO_MANY_REQUESTS, error=refused
        )
    ref = public_forms.submission_id(typed)
    try:
        filed = await (_file_complaint if kind == "complaint" else _file_report)(resources, code, ref, typed)
    except _WORKFLOW_FAILURES as failure:
        return await _filing_form(
            request,
            resources,
            elevator,
            typed,
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            error=_unavailable_message(failure),
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
    response = _page(
        request,
        resources,
        "public/filed.html",
        title="已提交",
        kind=kind,
        kind_label=TicketKind(kind).label_zh,
        elevator_path=f"/e/{quote(code, safe='')}",
        filed=filed,
        tracking_url=(
            f"{resources.settings.effective_public_base_url}/t/{filed.tracking_token}"
            if filed.tracking_token
            else None
        ),
    )
    response.headers.update(_PRIVATE_HEADERS)
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


# --- 评价建议 ---------------------------------------------------------------------------------------


async def _feedback_form(
    request: Request,
    resources: AppResources,
    elevator: Elevator,
    typed: dict[str, str],
    *,
    status_code: int = status.HTTP_200_OK,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    return _page(
        request,
        resources,
        "public/feedback_form.html",
        status_code=status_code,
        title="评价建议",
        elevator=await _public_elevator(resources, elevator),
        submission=public_forms.submission_id(typed),
        typed=typed,
        errors=errors or {},
        error=error,
    )


@router.get("/e/{code}/feedback", response_class=HTMLResponse)
async def feedback_form(request: Request, code: ElevatorCode, resources: Resources) -> HTMLResponse:
    """A passenger rates the elevator (1-5 stars) or suggests something; no name, no phone."""
    elevator = await resources.registry.elevator(code)
    if elevator is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    return await _feedback_form(request, resources, elevator, {"feedback_type": "evaluation"})


@router.post("/e/{code}/feedback", response_class=HTMLResponse)
async def send_feedback(request: Request, code: ElevatorCode, resources: Resources) -> HTMLResponse:
    elevator = await resources.registry.elevator(code)
    if elevator is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    typed = await _form(request)
    if refused := await _too_many(request, "feedback"):
        return await _feedback_form(
            request, resources, elevator, typed, status_code=status.HTTP_429_TOO_MANY_REQUESTS, error=refused
        )
    checked = public_forms.feedback(code, typed)
    if checked.body is None:
        return await _feedback_form(
            request,
            resources,
            elevator,
            typed,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            errors=checked.errors,
            error=public_forms.CHECK_FIELDS,
        )
    ref = public_forms.submission_id(typed)
    body = checked.body
    if await resources.tickets.get(feedback_ticket_id(code, ref)) is None:
        try:
            registered = await receive_feedback(
                resources.temporal,
                resources.settings.temporal_task_queue,
                elevator_code=code,
                ref=ref,
                feedback_type=FeedbackType(body.feedback_type),
                text=body.text,
                rating=body.rating,
                mail_grace_seconds=resources.settings.mail_grace_seconds,
                clock=resources.clock,
            )
        except _WORKFLOW_FAILURES as failure:
            return await _feedback_form(
                request,
                resources,
                elevator,
                typed,
                status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                error=_unavailable_message(failure),
            )
        if not registered.duplicate:
            await audit(resources, request, None, outcome=Outcome.OK, ticket_id=registered.ticket_id)
    return _page(
        request,
        resources,
        "public/feedback_sent.html",
        title="感谢您的反馈",
        suggestion=body.feedback_type == "suggestion",
        elevator_path=f"/e/{quote(code, safe='')}",
    )


# --- Tracking by token ------------------------------------------------------------------------------


async def _tracking_page(
    request: Request,
    resources: AppResources,
    token: str,
    *,
    status_code: int = status.HTTP_200_OK,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    try:
        ticket = await tracking_service.tracked_ticket(resources, token)
    except HTTPException:
        return _not_found(request, resources, _UNKNOWN_TOKEN)
    tracked = await tracking_service.present_tracking(resources, ticket)
    response = _page(
        request,
        resources,
        "public/tracking.html",
        status_code=status_code,
        title=f"{tracked.kind_label}办理进度",
        tracked=tracked,
        token_path=f"/t/{quote(token, safe='')}",
        can_evaluate="evaluate" in tracked.public_actions,
        typed=typed or {},
        errors=errors or {},
        error=error,
        notice=notice,
    )
    response.headers.update(_PRIVATE_HEADERS)
    return response


@router.get("/t/{token}", response_class=HTMLResponse)
async def tracking_page(request: Request, token: Token, resources: Resources) -> HTMLResponse:
    """Where a complaint or report stands, and its public steps; a complaint's result is evaluated here."""
    if refused := await _too_many(request, "track"):
        return _page(
            request,
            resources,
            "public/not_found.html",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            title="请稍后再试",
            message=refused,
        )
    return await _tracking_page(request, resources, token)


@router.get("/t/{token}/evaluate")
async def evaluation_page(token: Token) -> RedirectResponse:
    """The evaluation is a form on the tracking page."""
    return RedirectResponse(f"/t/{quote(token, safe='')}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/t/{token}/evaluate", response_class=HTMLResponse)
async def evaluate_result(request: Request, token: Token, resources: Resources) -> HTMLResponse:
    """满意/不满意 and 1-5 stars on the complaint's result; the complaint closes with it."""
    typed = await _form(request)
    if refused := await _too_many(request, "track"):
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            typed=typed,
            error=refused,
        )
    checked = public_forms.evaluation(typed)
    if checked.body is None:
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            typed=typed,
            errors=checked.errors,
            error=public_forms.CHECK_FIELDS,
        )
    try:
        await tracking_service.evaluate(resources, token, checked.body)
    except HTTPException:
        return _not_found(request, resources, _UNKNOWN_TOKEN)
    except (TicketNotActionable, WorkflowUpdateFailedError) as refused_action:
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_409_CONFLICT,
            error=_evaluation_refused(refused_action),
        )
    except _WORKFLOW_FAILURES as failure:
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            typed=typed,
            error=_unavailable_message(failure),
        )
    return await _tracking_page(request, resources, token, notice="感谢您的评价，已记录。")


def _evaluation_refused(error: TicketNotActionable | WorkflowUpdateFailedError) -> str:
    cause = error.cause if isinstance(error, WorkflowUpdateFailedError) else None
    if isinstance(cause, ApplicationError) and cause.type == "InvalidInput":
        return "评价内容有误，请检查后再提交。"
    return "此事项当前不能评价：可能已经评价过，或尚未办理完毕。"


# --- QR codes ---------------------------------------------------------------------------------------


def _page_url(resources: AppResources, code: str) -> str:
    return qr_codes.elevator_page_url(resources.settings.effective_public_base_url, code)


@router.get("/e/{code}/qr.png", response_model=None)
async def qr_png(request: Request, code: ElevatorCode, resources: Resources) -> Response:
    """The elevator's 智慧电梯码 as a PNG image."""
    if await resources.registry.elevator(code) is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    return Response(qr_codes.png(_page_url(resources, code)), media_type="image/png", headers=_QR_CACHE)


@router.get("/e/{code}/qr.svg", response_model=None)
async def qr_svg(request: Request, code: ElevatorCode, resources: Resources) -> Response:
    """The elevator's 智慧电梯码 as an SVG document, for print."""
    if await resources.registry.elevator(code) is None:
        return _not_found(request, resources, _UNKNOWN_ELEVATOR)
    return Response(
        qr_codes.svg(_page_url(resources, code), title=f"智慧电梯码 {code}"),
        media_type="image/svg+xml",
        headers=_QR_CACHE,
    )


@dataclass(frozen=True)
class SheetEntry:
    code: str
    registration_code: str
    address: str
    qr_svg: Markup


@router.get("/qr-sheet/{building}", response_class=HTMLResponse)
async def qr_sheet(
    request: Request, building: Annotated[str, Path(min_length=1, max_length=200)], resources: Resources
) -> HTMLResponse:
    """A printable A4 sheet of the building's 智慧电梯码, one per car, to stick inside each car."""
    elevators = await resources.registry.elevators_in_building(building)
    if not elevators:
        return _not_found(request, resources, f"未找到楼宇“{building}”的电梯。")
    entries = [
        SheetEntry(
            code=elevator.code,
            registration_code=elevator.registration_code,
            address=elevator.address,
            # segno writes this markup itself, escaping the title: it is safe to put in the page as is.
            qr_svg=Markup(
                qr_codes.inline_svg(_page_url(resources, elevator.code), f"智慧电梯码 {elevator.code}")
            ),
        )
        for elevator in elevators
    ]
    return _page(
        request,
        resources,
        "public/qr_sheet.html",
        title=f"{building} 智慧电梯码",
        building=building,
        entries=entries,
    )
