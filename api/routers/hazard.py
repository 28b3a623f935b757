"""The hazard report (隐患上报): open one; the hazard-type codes."""

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from api.deps import CurrentActor, Resources
from api.errors import field_error
from api.hazard_schemas import HazardCreate, HazardCreated
from api.hazard_service import NewHazard, open_hazard
from api.schemas import ErrorOut
from domain.hazard import HAZARD_TYPES_ZH, HazardSeverity, hazard_ticket_id
from domain.registry import OrganisationRef
from domain.roles import Role

router = APIRouter(tags=["hazard"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    503: {"model": ErrorOut, "description": "Temporal is unreachable"},
}


@router.post(
    "/tickets/hazard",
    response_model=HazardCreated,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": HazardCreated, "description": "This report had opened it before"}, **_ERRORS},
)
async def create_hazard(
    body: HazardCreate, response: Response, resources: Resources, actor: CurrentActor
) -> HazardCreated:
    """Report a hazard: the elevator's maintenance unit, or an inspection agency."""
    elevator = await resources.registry.elevator(body.elevator_code)
    if elevator is None:
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    if body.hazard_type not in HAZARD_TYPES_ZH:
        raise field_error("hazard_type", f"unknown hazard type; known: {', '.join(HAZARD_TYPES_ZH)}")
    maintains_it = actor.role is Role.MAINTAINER and actor.organisation_id == elevator.maintenance_unit_id
    if not (maintains_it or actor.role is Role.INSPECTOR):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="hazards are reported by the elevator's maintenance unit or an inspection agency",
        )
    known = await resources.tickets.get(hazard_ticket_id(body.elevator_code, actor.organisation_id, body.ref))
    if known is not None:
        response.status_code = status.HTTP_200_OK
        return HazardCreated(ticket_id=known.ticket_id, state=known.state, duplicate=True)
    organisation = await resources.registry.organisation(actor.organisation_id)
    if organisation is None:
        # A user of no registered organisation has nobody to verify the rectification or receive mail.
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"unknown organisation {actor.organisation_id!r}"
        )
    registered = await open_hazard(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewHazard(
            elevator_code=body.elevator_code,
            ref=body.ref,
            reporter=actor,
            reporter_unit=OrganisationRef(
                id=organisation.id, name=organisation.name, email=organisation.email
            ),
            hazard_type=body.hazard_type,
            severity=HazardSeverity(body.severity),
            description=body.description,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    if registered.duplicate:
        response.status_code = status.HTTP_200_OK
    return HazardCreated(
        ticket_id=registered.ticket_id, state=registered.state, duplicate=registered.duplicate
    )


@router.get("/hazard-types", response_model=dict[str, str], tags=["public"])
async def hazard_types() -> dict[str, str]:
    """隐患类型: code -> Chinese name."""
    return dict(HAZARD_TYPES_ZH)
