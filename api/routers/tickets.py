"""Reading tickets: one with its timeline, or a filtered page; all from the read model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.access import visible_ticket
from api.deps import CurrentPrincipal, Resources
from api.presenters import metadata_only, present_ticket, ticket_out
from api.schemas import ErrorOut, TicketDetailOut, TicketPageOut
from domain.kinds import TicketKind
from domain.permissions import reads_metadata_only
from store.ticket_filters import TicketFilter

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.get("", response_model=TicketPageOut)
async def list_tickets(
    resources: Resources,
    principal: CurrentPrincipal,
    kind: TicketKind | None = None,
    state: str | None = Query(default=None, max_length=40),
    district: str | None = Query(default=None, max_length=40),
    elevator_code: str | None = Query(default=None, max_length=64),
    overdue: bool | None = None,
    opened_from: Annotated[AwareDatetime | None, Query()] = None,
    opened_to: Annotated[AwareDatetime | None, Query()] = None,
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> TicketPageOut:
    filters = TicketFilter(
        kind=kind.value if kind else None,
        state=state,
        district=district,
        elevator_code=elevator_code,
        overdue=overdue,
        opened_from=opened_from,
        opened_to=opened_to,
        visible_to=principal,
    )
    page = await resources.tickets.list(filters, limit=limit, offset=offset)
    settings = resources.settings
    items = [
        ticket_out(t, settings.effective_temporal_ui_url, settings.temporal_namespace) for t in page.items
    ]
    if reads_metadata_only(principal):
        items = [metadata_only(item) for item in items]
    return TicketPageOut(
        items=items,
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/{ticket_id}",
    response_model=TicketDetailOut,
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
async def get_ticket(ticket_id: str, resources: Resources, principal: CurrentPrincipal) -> TicketDetailOut:
    """A ticket with its timeline, for the organisations it concerns and its regulators."""
    await visible_ticket(resources, principal, ticket_id)
    return await present_ticket(resources, ticket_id)
