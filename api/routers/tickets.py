"""Reading tickets: one with its timeline, or a filtered page; all from the read model."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.access import visible_ticket
from api.deps import CurrentPrincipal, Resources
from api.presenters import present_ticket, workflow_links
from api.query_string import VALIDATION_ERROR_RESPONSE, query_parameters, read_query
from api.schemas import ErrorOut, TicketDetailOut, TicketPageOut, TicketQuery
from api.ticket_page_json import ticket_page_json
from domain.permissions import reads_metadata_only
from store.ticket_filters import TicketFilter

router = APIRouter(prefix="/tickets", tags=["tickets"])


@router.get(
    "",
    response_model=TicketPageOut,
    openapi_extra={"parameters": query_parameters(TicketQuery)},
    responses=VALIDATION_ERROR_RESPONSE,
)
async def list_tickets(request: Request, resources: Resources, principal: CurrentPrincipal) -> Response:
    """A page of the tickets the caller may see, newest first, with the total that match the filters."""
    query = read_query(TicketQuery, request)
    filters = TicketFilter(
        kind=query.kind.value if query.kind else None,
        state=query.state,
        district=query.district,
        elevator_code=query.elevator_code,
        overdue=query.overdue,
        opened_from=query.opened_from,
        opened_to=query.opened_to,
        visible_to=principal,
    )
    page = await resources.tickets.list(filters, limit=query.limit, offset=query.offset)
    settings = resources.settings
    # A TicketPageOut, written without a model per row (api/ticket_page_json.py says why).
    body = ticket_page_json(
        page.items,
        total=page.total,
        limit=query.limit,
        offset=query.offset,
        temporal_ui_url=workflow_links(settings, principal),
        namespace=settings.temporal_namespace,
        content_hidden=reads_metadata_only(principal),
    )
    return Response(body, media_type="application/json")


@router.get(
    "/{ticket_id}",
    response_model=TicketDetailOut,
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
async def get_ticket(ticket_id: str, resources: Resources, principal: CurrentPrincipal) -> Response:
    """A ticket with its timeline, for the organisations it concerns and its regulators."""
    await visible_ticket(resources, principal, ticket_id)
    return await present_ticket(resources, principal, ticket_id)
