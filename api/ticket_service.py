"""Taking an action on a ticket: the one path the JSON API and the pages share."""

from fastapi import HTTPException, status
from pydantic import BaseModel

from api.access import role_for_action
from api.deps import AppResources, actor_of
from api.errors import TicketNotActionable
from api.ticket_actions import has_action, update_for
from api.workflow_calls import act
from domain.catalog import allowed_actions
from domain.kinds import TicketKind
from domain.permissions import Principal


async def take_action(
    resources: AppResources, principal: Principal, ticket_id: str, action: str, body: BaseModel
) -> None:
    """Send `action` to the ticket's workflow as the caller; returns once the store shows its effect.

    Each Update returns once its projection is stored, so a read after this one sees the action.
    """
    found = await resources.tickets.with_parties(ticket_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    ticket, parties = found
    kind = TicketKind(ticket.kind)
    if not has_action(kind, action):
        allowed = allowed_actions(kind, ticket.state, ticket.details)
        raise TicketNotActionable(ticket.ticket_id, ticket.state, action=action, allowed=allowed)
    # The permission table picks the role the caller acts in; the workflow checks the same rule again.
    role = await role_for_action(resources, principal, ticket, action, parties)
    update = update_for(kind, action, actor_of(principal, role), body)
    assert update is not None
    await act(resources.temporal, ticket, *update)
