"""Who filed a report (举报人): for the regulators of the elevator's district and the city regulator only.

The identity is kept apart from the ticket; this is the one way to read it, and it never reaches the unit
the report is about.
"""

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from api.access import ticket_scope
from api.deps import CurrentPrincipal, Resources
from api.report_schemas import ReporterIdentityOut
from api.schemas import ErrorOut
from domain.permissions import Principal, is_regulator, may_view
from store.models import Ticket

router = APIRouter(prefix="/tickets", tags=["tickets"])

NOT_A_REGULATOR = "举报人信息仅监管部门可见：限电梯所在区及市级市场监督管理部门查阅"

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut, "description": "Not a regulator of the elevator's district or the city"},
    404: {"model": ErrorOut, "description": "No such ticket, or it keeps no identity (anonymous)"},
}


async def _may_read(resources: Resources, principal: Principal, ticket: Ticket) -> bool:
    # A regulator who may see the ticket: its district's bureau, or the city's.
    return is_regulator(principal) and may_view(principal, await ticket_scope(resources, ticket))


@router.get("/{ticket_id}/reporter", response_model=ReporterIdentityOut, responses=_ERRORS)
async def reporter_identity(
    ticket_id: str, response: Response, resources: Resources, principal: CurrentPrincipal
) -> ReporterIdentityOut:
    """The real-name reporter's name and phone, for the regulator who verifies and informs."""
    ticket = await resources.tickets.get(ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    # Checked before the identity is looked up, so no one else learns anything from a 404.
    if not await _may_read(resources, principal, ticket):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=NOT_A_REGULATOR)
    identity = await resources.identities.get(ticket_id)
    if identity is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"ticket {ticket_id!r} keeps no reporter identity"
        )
    # Personal data: no cache along the way may keep it.
    response.headers["Cache-Control"] = "no-store"
    return ReporterIdentityOut(ticket_id=ticket_id, name=identity.name, phone=identity.phone)
