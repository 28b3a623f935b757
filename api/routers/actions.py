"""Actions on a ticket of any kind: each becomes an Update of the ticket's own workflow run."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api import schemas
from api.complaint_schemas import RecordResultBody, ReferViolationBody, RejectBody
from api.deps import CurrentPrincipal, Resources
from api.directive_schemas import RefusalBody, SignBody
from api.presenters import present_ticket
from api.report_schemas import InformReporterBody
from api.schemas import ErrorOut, TicketDetailOut
from api.ticket_service import take_action
from api.violation_clue_schemas import DeclineCaseBody, NoPenaltyBody, OpenCaseBody, PenaltyBody
from domain.permissions import Principal

router = APIRouter(prefix="/tickets", tags=["actions"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {
        "model": ErrorOut,
        "description": "The acting user's role or organisation may not take this action",
    },
    404: {"model": ErrorOut},
    409: {
        "model": ErrorOut,
        "description": "Not allowed in the ticket's current state; names the allowed actions",
    },
    503: {"model": ErrorOut, "description": "Temporal is unreachable"},
}


async def _act(
    resources: Resources, ticket_id: str, action: str, principal: Principal, body: BaseModel
) -> TicketDetailOut:
    await take_action(resources, principal, ticket_id, action, body)
    return await present_ticket(resources, ticket_id)


@router.post("/{ticket_id}/accept", response_model=TicketDetailOut, responses=_ERRORS)
async def accept(
    ticket_id: str, body: schemas.AcceptBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """The assigned unit takes the ticket (接单)."""
    return await _act(resources, ticket_id, "accept", actor, body)


@router.post("/{ticket_id}/arrive", response_model=TicketDetailOut, responses=_ERRORS)
async def arrive(
    ticket_id: str, body: schemas.ArriveBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """The assigned unit is on site (到场)."""
    return await _act(resources, ticket_id, "arrive", actor, body)


@router.post("/{ticket_id}/release", response_model=TicketDetailOut, responses=_ERRORS)
async def release(
    ticket_id: str, body: schemas.ReleaseBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Rescue: the trapped people are freed (解困), how many, and who freed them (处置人员)."""
    return await _act(resources, ticket_id, "release", actor, body)


@router.post("/{ticket_id}/report_not_fixable", response_model=TicketDetailOut, responses=_ERRORS)
async def report_not_fixable(
    ticket_id: str, body: schemas.NotFixableBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Fault repair: not fixable on the spot; a written plan, and the car stays stopped."""
    return await _act(resources, ticket_id, "report_not_fixable", actor, body)


@router.post("/{ticket_id}/fix", response_model=TicketDetailOut, responses=_ERRORS)
async def fix(
    ticket_id: str, body: schemas.FixBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Fault repair: fixed, with the fault type (故障类型) and who fixed it (处置人员)."""
    return await _act(resources, ticket_id, "fix", actor, body)


@router.post("/{ticket_id}/confirm", response_model=TicketDetailOut, responses=_ERRORS)
async def confirm(
    ticket_id: str, body: schemas.ConfirmBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """The use-management unit confirms the work (工单确认); the ticket closes."""
    return await _act(resources, ticket_id, "confirm", actor, body)


@router.post("/{ticket_id}/dispute", response_model=TicketDetailOut, responses=_ERRORS)
async def dispute(
    ticket_id: str, body: schemas.DisputeBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """The use-management unit disputes the work, with a reason; it goes back to the performing unit."""
    return await _act(resources, ticket_id, "dispute", actor, body)


@router.post("/{ticket_id}/cancel", response_model=TicketDetailOut, responses=_ERRORS)
async def cancel(
    ticket_id: str, body: schemas.CancelBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Call off a ticket opened by mistake (rescue: the dispatcher; fault repair: the use unit)."""
    return await _act(resources, ticket_id, "cancel", actor, body)


@router.post("/{ticket_id}/extend", response_model=TicketDetailOut, responses=_ERRORS)
async def extend(
    ticket_id: str, body: schemas.ExtendBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """The district regulator approves an extension (延期) of the running step's deadline."""
    return await _act(resources, ticket_id, "extend", actor, body)


@router.post("/{ticket_id}/pause", response_model=TicketDetailOut, responses=_ERRORS)
async def pause(
    ticket_id: str, body: schemas.PauseBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Stop the clock for time the law excludes (e.g. testing by an inspection agency)."""
    return await _act(resources, ticket_id, "pause", actor, body)


@router.post("/{ticket_id}/resume", response_model=TicketDetailOut, responses=_ERRORS)
async def resume(
    ticket_id: str, body: schemas.ResumeBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Restart a paused clock; the deadline moves by the time it stood still."""
    return await _act(resources, ticket_id, "resume", actor, body)


@router.post("/{ticket_id}/resubmit", response_model=TicketDetailOut, responses=_ERRORS)
async def resubmit(
    ticket_id: str, body: schemas.ResubmitBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Maintenance record: the maintenance unit revises a disputed record and submits it again."""
    return await _act(resources, ticket_id, "resubmit", actor, body)


@router.post("/{ticket_id}/withdraw", response_model=TicketDetailOut, responses=_ERRORS)
async def withdraw(
    ticket_id: str, body: schemas.WithdrawBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Withdraw what one submitted or reported (a maintenance record; a hazard report) with a reason."""
    return await _act(resources, ticket_id, "withdraw", actor, body)


@router.post("/{ticket_id}/submit_rectification", response_model=TicketDetailOut, responses=_ERRORS)
async def submit_rectification(
    ticket_id: str, body: schemas.RectificationBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Hazard: the use-management unit reports the hazard rectified, with what it did (整改材料)."""
    return await _act(resources, ticket_id, "submit_rectification", actor, body)


@router.post("/{ticket_id}/verify_pass", response_model=TicketDetailOut, responses=_ERRORS)
async def verify_pass(
    ticket_id: str, body: schemas.VerifyPassBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Hazard: the reporting organisation verifies the rectification (验证通过); the ticket closes."""
    return await _act(resources, ticket_id, "verify_pass", actor, body)


@router.post("/{ticket_id}/verify_fail", response_model=TicketDetailOut, responses=_ERRORS)
async def verify_fail(
    ticket_id: str, body: schemas.VerifyFailBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Hazard: the rectification falls short, with a reason; the use unit rectifies again on a new clock."""
    return await _act(resources, ticket_id, "verify_fail", actor, body)


@router.post("/{ticket_id}/answer", response_model=TicketDetailOut, responses=_ERRORS)
async def answer(
    ticket_id: str, body: schemas.AnswerBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Passenger feedback: the use unit answers the passenger's evaluation or suggestion."""
    return await _act(resources, ticket_id, "answer", actor, body)


@router.post("/{ticket_id}/open_case", response_model=TicketDetailOut, responses=_ERRORS)
async def open_case(
    ticket_id: str, body: OpenCaseBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Violation clue or report: the district regulator opens a case (立案) after verification."""
    return await _act(resources, ticket_id, "open_case", actor, body)


@router.post("/{ticket_id}/decline_case", response_model=TicketDetailOut, responses=_ERRORS)
async def decline_case(
    ticket_id: str, body: DeclineCaseBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Violation clue or report: no case is opened (不予立案), with the reason."""
    return await _act(resources, ticket_id, "decline_case", actor, body)


@router.post("/{ticket_id}/record_penalty", response_model=TicketDetailOut, responses=_ERRORS)
async def record_penalty(
    ticket_id: str, body: PenaltyBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Violation clue: the case is decided with a penalty (行政处罚信息: decision number, basis, amount)."""
    return await _act(resources, ticket_id, "record_penalty", actor, body)


@router.post("/{ticket_id}/record_no_penalty", response_model=TicketDetailOut, responses=_ERRORS)
async def record_no_penalty(
    ticket_id: str, body: NoPenaltyBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Violation clue: the case is decided without a penalty (不予行政处罚), with the reason."""
    return await _act(resources, ticket_id, "record_no_penalty", actor, body)


@router.post("/{ticket_id}/inform_reporter", response_model=TicketDetailOut, responses=_ERRORS)
async def inform_reporter(
    ticket_id: str, body: InformReporterBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Report: the district regulator records how and what the real-name reporter was told; it closes."""
    return await _act(resources, ticket_id, "inform_reporter", actor, body)


@router.post("/{ticket_id}/reject", response_model=TicketDetailOut, responses=_ERRORS)
async def reject(
    ticket_id: str, body: RejectBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Complaint: the district regulator does not accept it (不予受理), with the reason the complainant is told."""
    return await _act(resources, ticket_id, "reject", actor, body)


@router.post("/{ticket_id}/record_result", response_model=TicketDetailOut, responses=_ERRORS)
async def record_result(
    ticket_id: str, body: RecordResultBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Complaint: the regulator records the mediation's result (agreed or not); the complainant evaluates it."""
    return await _act(resources, ticket_id, "record_result", actor, body)


@router.post("/{ticket_id}/refer_violation", response_model=TicketDetailOut, responses=_ERRORS)
async def refer_violation(
    ticket_id: str, body: ReferViolationBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Complaint: a violation found splits off a violation clue (违法线索); the complaint goes on."""
    return await _act(resources, ticket_id, "refer_violation", actor, body)


@router.post("/{ticket_id}/sign", response_model=TicketDetailOut, responses=_ERRORS)
async def sign(
    ticket_id: str, body: SignBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Directive: the addressed unit signs for the directive (签收); its rectification is under way."""
    return await _act(resources, ticket_id, "sign", actor, body)


@router.post("/{ticket_id}/record_refusal", response_model=TicketDetailOut, responses=_ERRORS)
async def record_refusal(
    ticket_id: str, body: RefusalBody, resources: Resources, actor: CurrentPrincipal
) -> TicketDetailOut:
    """Directive: the regulator records that the unit refused to sign; it is served anyway (留置送达)."""
    return await _act(resources, ticket_id, "record_refusal", actor, body)
