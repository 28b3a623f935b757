"""Actions on a ticket of any kind: each becomes an Update of the ticket's own workflow run."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CurrentPrincipal, Resources
from api.presenters import present_ticket
from api.schemas import ErrorOut, TicketDetailOut
from api.ticket_actions import ACTION_BODIES
from api.ticket_service import take_action
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
    return await present_ticket(resources, principal, ticket_id)


# What each action is, as the OpenAPI document describes it; an action's body is the same for every kind.
ACTION_DOCS: dict[str, str] = {
    "accept": "The assigned unit takes the ticket (接单).",
    "arrive": "The assigned unit is on site (到场).",
    "release": "Rescue: the trapped people are freed (解困), how many, and who freed them (处置人员).",
    "report_not_fixable": "Fault repair: not fixable on the spot; a written plan, and the car stays stopped.",
    "fix": "Fault repair: fixed, with the fault type (故障类型) and who fixed it (处置人员).",
    "confirm": "The use-management unit confirms the work (工单确认); the ticket closes.",
    "dispute": "The use-management unit disputes the work, with a reason; it goes back to the performing unit.",
    "cancel": "Call off a ticket opened by mistake (rescue: the dispatcher; fault repair: the use unit).",
    "extend": "The district regulator approves an extension (延期) of the running step's deadline.",
    "pause": "Stop the clock for time the law excludes (e.g. testing by an inspection agency).",
    "resume": "Restart a paused clock; the deadline moves by the time it stood still.",
    "resubmit": "Maintenance record: the maintenance unit revises a disputed record and submits it again.",
    "withdraw": "Withdraw what one submitted or reported (a maintenance record; a hazard report) with a reason.",
    "submit_rectification": "Hazard: the use-management unit reports the hazard rectified, with what it did (整改材料).",
    "verify_pass": "Hazard: the reporting organisation verifies the rectification (验证通过); the ticket closes.",
    "verify_fail": "Hazard: the rectification falls short, with a reason; the use unit rectifies again on a new clock.",
    "answer": "Passenger feedback: the use unit answers the passenger's evaluation or suggestion.",
    "open_case": "Violation clue or report: the district regulator opens a case (立案) after verification.",
    "decline_case": "Violation clue or report: no case is opened (不予立案), with the reason.",
    "record_penalty": "Violation clue: the case is decided with a penalty (行政处罚信息: decision number, basis, amount).",
    "record_no_penalty": "Violation clue: the case is decided without a penalty (不予行政处罚), with the reason.",
    "inform_reporter": "Report: the district regulator records how and what the real-name reporter was told; it closes.",
    "reject": "Complaint: the district regulator does not accept it (不予受理), with the reason the complainant is told.",
    "record_result": "Complaint: the regulator records the mediation's result (agreed or not); the complainant evaluates it.",
    "refer_violation": "Complaint: a violation found splits off a violation clue (违法线索); the complaint goes on.",
    "sign": "Directive: the addressed unit signs for the directive (签收); its rectification is under way.",
    "record_refusal": "Directive: the regulator records that the unit refused to sign; it is served anyway (留置送达).",
}


def _endpoint(action: str, body_model: type[BaseModel]) -> Callable[..., Awaitable[TicketDetailOut]]:
    """POST /tickets/{ticket_id}/<action>, its body validated as `body_model`."""

    async def endpoint(
        ticket_id: str, body: BaseModel, resources: Resources, actor: CurrentPrincipal
    ) -> TicketDetailOut:
        return await _act(resources, ticket_id, action, actor, body)

    # FastAPI reads the body's model from the signature: each action's own, not BaseModel.
    signature = inspect.signature(endpoint)
    parameters = [
        parameter.replace(annotation=body_model) if parameter.name == "body" else parameter
        for parameter in signature.parameters.values()
    ]
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return endpoint


for _action, _doc in ACTION_DOCS.items():
    router.add_api_route(
        f"/{{ticket_id}}/{_action}",
        _endpoint(_action, ACTION_BODIES[_action]),
        methods=["POST"],
        name=_action,
        description=_doc,
        response_model=TicketDetailOut,
        responses=_ERRORS,
    )
