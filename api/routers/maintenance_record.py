"""Maintenance records (维保记录) for the use unit's confirmation, and each elevator's 15-day schedule."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from api.deps import CurrentActor, Resources
from api.errors import field_error
from api.maintenance_record_schemas import MaintenanceRecordCreate, MaintenanceRecordCreated
from api.maintenance_record_service import NewRecord, submit_maintenance_record
from api.schemas import ErrorOut
from domain.maintenance_record import MaintenanceLevel, maintenance_record_ticket_id
from domain.roles import Role

router = APIRouter(tags=["maintenance records"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    503: {"model": ErrorOut, "description": "Temporal is unreachable"},
}
# A record may be entered a little after the visit, but not for a visit that has not happened.
_CLOCK_SKEW = timedelta(minutes=5)


@router.post(
    "/tickets/maintenance-record",
    response_model=MaintenanceRecordCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": MaintenanceRecordCreated, "description": "This record number was submitted before"},
        **_ERRORS,
    },
)
async def submit_record(
    body: MaintenanceRecordCreate, response: Response, resources: Resources, actor: CurrentActor
) -> MaintenanceRecordCreated:
    """The maintenance unit submits a record; the use unit's safety manager confirms or disputes it."""
    elevator = await resources.registry.elevator(body.elevator_code)
    if elevator is None:
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    if actor.role is not Role.MAINTAINER or actor.organisation_id != elevator.maintenance_unit_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="only this elevator's maintenance unit submits its records"
        )
    if body.performed_at > resources.clock() + _CLOCK_SKEW:
        raise field_error("performed_at", "the maintenance visit is in the future")
    known = await resources.tickets.get(maintenance_record_ticket_id(body.elevator_code, body.ref))
    if known is not None:
        response.status_code = status.HTTP_200_OK
        return MaintenanceRecordCreated(ticket_id=known.ticket_id, state=known.state, duplicate=True)
    registered = await submit_maintenance_record(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewRecord(
            elevator_code=body.elevator_code,
            ref=body.ref,
            submitter=actor,
            level=MaintenanceLevel(body.level),
            performed_at=body.performed_at,
            handler_name=body.handler_name,
            items=body.items,
            remarks=body.remarks,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
    )
    if registered.duplicate:
        response.status_code = status.HTTP_200_OK
    return MaintenanceRecordCreated(
        ticket_id=registered.ticket_id, state=registered.state, duplicate=registered.duplicate
    )
