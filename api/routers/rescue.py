"""The entrapment-rescue ticket (困人救援): open one, and act on it."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Response, status

from api.deps import Resources, scoped_actor
from api.errors import field_error
from api.rate_limit import anonymous_rate_limit
from api.rescue_schemas import RescueCreate, RescueCreated
from api.rescue_service import NewReport, open_rescue
from api.schemas import ErrorOut
from domain.kinds import TicketKind
from domain.rescue import SPEC, ReportSource
from domain.roles import PUBLIC_ACTOR, Actor
from workflows.rescue_models import ReportReceipt

# Public too: a passenger scanning the QR code reports an entrapment without signing in.
router = APIRouter(prefix="/tickets", tags=["rescue", "public"])

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
    # A passenger's QR report is limited per address; dispatchers and monitoring platforms are not.
    dependencies=[Depends(anonymous_rate_limit("rescue"))],
)
async def create_rescue(
    body: RescueCreate,
    response: Response,
    resources: Resources,
    actor: Annotated[Actor | None, Depends(scoped_actor(SPEC.intake_scope))],
    idempotency_key: Annotated[str | None, Header(max_length=120)] = None,
) -> RescueCreated:
    """Report people trapped in an elevator; the same report, or a second source, never opens two."""
    if body.source is not ReportSource.QR and actor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="alarms and calls need a signed-in dispatcher or a monitoring platform's API key",
        )
    if body.source is not ReportSource.QR and body.ref is None:
        raise field_error("ref", "required for alarms and calls: the source's own id makes a repeat harmless")
    ref = body.ref or idempotency_key or uuid.uuid4().hex
    known = await resources.tickets.ticket_for_report(body.source.value, ref)
    # A repeat on the elevator its ticket is on needs no registry lookup: most of an alarm storm.
    on_its_elevator = known is not None and known.elevator_code == body.elevator_code
    district = None
    if not on_its_elevator:
        district = await resources.registry.district_of(body.elevator_code)
        if district is None:
            raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    if known is not None:
        # A repeat of a report already stored, its rescue open or closed: point at that ticket.
        response.status_code = status.HTTP_200_OK
        return RescueCreated(
            ticket_id=known.ticket_id, state=known.state, joined_existing=True, duplicate=True
        )
    new = NewReport(
        elevator_code=body.elevator_code,
        source=body.source,
        ref=ref,
        reporter=actor if actor is not None and body.source is not ReportSource.QR else PUBLIC_ACTOR,
        alarm_at=body.alarm_at,
        alarm_type=body.alarm_type,
        description=body.description,
        callback_phone=body.callback_phone,
        district=district,
    )
    receipt: ReportReceipt
    receipt, repeat = await resources.openings_in_flight.run(
        (TicketKind.RESCUE.value, body.elevator_code, body.source.value, ref),
        lambda: open_rescue(
            resources.temporal,
            resources.settings.temporal_task_queue,
            new,
            mail_grace_seconds=resources.settings.mail_grace_seconds,
            clock=resources.clock,
        ),
    )
    if repeat:
        # The same report, sent again while the first was on its way: what the workflow would answer.
        receipt = dataclasses.replace(receipt, joined_existing=True, duplicate=True)
    if receipt.joined_existing:
        response.status_code = status.HTTP_200_OK
    return RescueCreated(
        ticket_id=receipt.ticket_id,
        state=receipt.state,
        joined_existing=receipt.joined_existing,
        duplicate=receipt.duplicate,
    )
