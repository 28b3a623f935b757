"""The fault-repair ticket (故障维修): open one; the fault-type codes."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response, status

from api.deps import Resources, scoped_actor
from api.errors import field_error
from api.fault_repair_schemas import FaultRepairCreate, FaultRepairCreated
from api.fault_repair_service import NewFault, open_fault_repair
from api.schemas import ErrorOut
from domain.fault_repair import FAULT_TYPES_ZH, SPEC, FaultSource, fault_repair_ticket_id
from domain.roles import Actor, Role

router = APIRouter(tags=["fault repair"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    503: {"model": ErrorOut, "description": "Temporal is unreachable"},
}


@router.post(
    "/tickets/fault-repair",
    response_model=FaultRepairCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": FaultRepairCreated, "description": "This report had opened it before"},
        **_ERRORS,
    },
)
async def create_fault_repair(
    body: FaultRepairCreate,
    response: Response,
    resources: Resources,
    caller: Annotated[Actor | None, Depends(scoped_actor(SPEC.intake_scope))],
) -> FaultRepairCreated:
    """Report a fault: a monitoring platform's alarm, or the use-management unit's own report."""
    if caller is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="sign in, or send a monitoring platform's API key"
        )
    actor = caller
    elevator = await resources.registry.elevator(body.elevator_code)
    if elevator is None:
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    if body.fault_type not in FAULT_TYPES_ZH:
        raise field_error("fault_type", f"unknown fault type; known: {', '.join(FAULT_TYPES_ZH)}")
    source = FaultSource(body.source)
    if source is FaultSource.ALARM and actor.role is not Role.MONITORING_SYSTEM:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="fault alarms come from a monitoring platform")
    if source is FaultSource.USE_UNIT and (
        actor.role is not Role.SAFETY_MANAGER or actor.organisation_id != elevator.use_unit_id
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="only this elevator's use unit reports its faults"
        )
    known = await resources.tickets.get(fault_repair_ticket_id(body.elevator_code, source, body.ref))
    if known is not None:
        response.status_code = status.HTTP_200_OK
        return FaultRepairCreated(ticket_id=known.ticket_id, state=known.state, duplicate=True)
    registered = await open_fault_repair(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewFault(
            elevator_code=body.elevator_code,
            source=source,
            ref=body.ref,
            reporter=actor,
            fault_type=body.fault_type,
            description=body.description,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    if registered.duplicate:
        response.status_code = status.HTTP_200_OK
    return FaultRepairCreated(
        ticket_id=registered.ticket_id, state=registered.state, duplicate=registered.duplicate
    )


@router.get("/fault-types", response_model=dict[str, str], tags=["public"])
async def fault_types() -> dict[str, str]:
    """故障类型: code -> Chinese name."""
    return dict(FAULT_TYPES_ZH)
