"""The entrapment-rescue ticket (困人救援): open one, and act on it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response, status
from fastapi.exceptions import RequestValidationError

from api.deps import CurrentActor, OptionalActor, Resources
from api.presenters import present_ticket
from api.rescue_service import NewReport, act, open_rescue
from api.schemas import (
    AcceptBody,
    ArriveBody,
    CancelBody,
    ConfirmBody,
    ErrorOut,
    ReleaseBody,
    RescueCreate,
    RescueCreated,
    TicketDetailOut,
)
from domain.kinds import TicketKind
from domain.rescue import ReportSource
from domain.roles import PUBLIC_ACTOR, Role
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, CancelInput, ConfirmInput, ReleaseInput

router = APIRouter(prefix="/tickets", tags=["rescue"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "Not allowed in the ticket's current state"},
    503: {"model": ErrorOut, "description": "Temporal is unreachable"},
}


@router.post(
    "/rescue",
    response_model=RescueCreated,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": RescueCreated, "description": "Joined a rescue already open"}, **_ERRORS},
)
async def create_rescue(
    body: RescueCreate,
    response: Response,
    resources: Resources,
    actor: OptionalActor,
    idempotency_key: Annotated[str | None, Header(max_length=120)] = None,
) -> RescueCreated:
    """Report people trapped in an elevator; the same report, or a second source, never opens two."""
    if body.source is not ReportSource.QR and actor is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="alarms and calls need the X-User-Id header")
    if body.source is not ReportSource.QR and body.ref is None:
        raise _field_error(
            "ref", "required for alarms and calls: the source's own id makes a repeat harmless"
        )
    if await resources.registry.elevator(body.elevator_code) is None:
        raise _field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    ref = body.ref or idempotency_key or uuid.uuid4().hex
    known = await resources.tickets.ticket_for_report(body.source.value, ref)
    if known is not None:
        # A late repeat of a report whose rescue has already finished: point at that ticket.
        ticket = await resources.tickets.get(known)
        response.status_code = status.HTTP_200_OK
        return RescueCreated(
            ticket_id=known, state=ticket.state if ticket else "", joined_existing=True, duplicate=True
        )
    receipt = await open_rescue(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewReport(
            elevator_code=body.elevator_code,
            source=body.source,
            ref=ref,
            reporter=actor if actor is not None and body.source is not ReportSource.QR else PUBLIC_ACTOR,
            alarm_at=body.alarm_at,
            alarm_type=body.alarm_type,
            description=body.description,
            callback_phone=body.callback_phone,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
    )
    if receipt.joined_existing:
        response.status_code = status.HTTP_200_OK
    return RescueCreated(
        ticket_id=receipt.ticket_id,
        state=receipt.state,
        joined_existing=receipt.joined_existing,
        duplicate=receipt.duplicate,
    )


@router.post("/{ticket_id}/accept", response_model=TicketDetailOut, responses=_ERRORS)
async def accept(
    ticket_id: str, body: AcceptBody, resources: Resources, actor: CurrentActor
) -> TicketDetailOut:
    """The assigned unit's rescuer accepts the dispatch (接单)."""
    return await _act(resources, ticket_id, RescueWorkflow.accept, AcceptInput(actor=actor, note=body.note))


@router.post("/{ticket_id}/arrive", response_model=TicketDetailOut, responses=_ERRORS)
async def arrive(
    ticket_id: str, body: ArriveBody, resources: Resources, actor: CurrentActor
) -> TicketDetailOut:
    """The rescuer is on site (到场)."""
    payload = ArriveInput(actor=actor, arrived_at=body.arrived_at, note=body.note)
    return await _act(resources, ticket_id, RescueWorkflow.arrive, payload)


@router.post("/{ticket_id}/release", response_model=TicketDetailOut, responses=_ERRORS)
async def release(
    ticket_id: str, body: ReleaseBody, resources: Resources, actor: CurrentActor
) -> TicketDetailOut:
    """The trapped people are freed (解困), with how many and who freed them (处置人员)."""
    payload = ReleaseInput(
        actor=actor,
        people_freed=body.people_freed,
        handler_name=body.handler_name,
        released_at=body.released_at,
        note=body.note,
    )
    return await _act(resources, ticket_id, RescueWorkflow.release, payload)


@router.post("/{ticket_id}/confirm", response_model=TicketDetailOut, responses=_ERRORS)
async def confirm(
    ticket_id: str, body: ConfirmBody, resources: Resources, actor: CurrentActor
) -> TicketDetailOut:
    """The use-management unit confirms the rescue (困人救援工单确认); the ticket closes."""
    return await _act(
        resources, ticket_id, RescueWorkflow.confirm, ConfirmInput(actor=actor, remark=body.remark)
    )


@router.post("/{ticket_id}/cancel", response_model=TicketDetailOut, responses=_ERRORS)
async def cancel(
    ticket_id: str, body: CancelBody, resources: Resources, actor: CurrentActor
) -> TicketDetailOut:
    """The dispatcher calls off a false alarm (误报) while nobody has been freed yet."""
    if actor.role is not Role.DISPATCHER:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="only a dispatcher may cancel a rescue")
    return await _act(
        resources, ticket_id, RescueWorkflow.cancel, CancelInput(actor=actor, reason=body.reason)
    )


async def _act(resources: Resources, ticket_id: str, update: Any, payload: Any) -> TicketDetailOut:
    ticket = await resources.tickets.get(ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    if ticket.kind != TicketKind.RESCUE.value:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"ticket {ticket_id!r} is not a rescue")
    await act(resources.temporal, ticket, update, payload)
    # Each Update returns once its projection is stored, so this read sees the action.
    refreshed = await resources.tickets.get(ticket_id)
    assert refreshed is not None
    return await present_ticket(resources, refreshed)


def _field_error(field: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}]
    )
