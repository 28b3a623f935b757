"""The permission table applied to stored tickets: may this caller see it, and in which role may it act."""

from fastapi import HTTPException, status

from api.deps import AppResources
from domain.kinds import TicketKind
from domain.permissions import Principal, TicketScope, acting_role, may_view, reads_metadata_only
from domain.roles import Role
from domain.scopes import Relation
from store.models import Ticket
from store.ticket_listing import TicketRow


async def ticket_scope(
    resources: AppResources,
    ticket: Ticket | TicketRow,
    *,
    acting: bool = False,
    parties: dict[Relation, set[str]] | None = None,
) -> TicketScope:
    """The ticket's scope; to act, only the unit assigned now counts, while every unit once assigned reads.

    `parties` are the ticket's stored parties when the caller has read them already.
    """
    if parties is None:
        parties = await resources.tickets.parties(ticket.ticket_id)
    parties = {relation: set(organisations) for relation, organisations in parties.items()}
    if acting:
        parties[Relation.ASSIGNED] = {ticket.assigned_unit_id}
    return TicketScope(
        kind=TicketKind(ticket.kind), state=ticket.state, district=ticket.district, parties=parties
    )


async def visible_ticket(resources: AppResources, principal: Principal, ticket_id: str) -> TicketRow:
    """The ticket if the caller may read it; a 404 when it does not exist, a 403 when it is not theirs."""
    found = await resources.tickets.with_parties(ticket_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    ticket, parties = found
    if reads_metadata_only(principal) or not may_view(
        principal, await ticket_scope(resources, ticket, parties=parties)
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="本工单不属于您所在单位的查看范围")
    return ticket


async def role_for_action(
    resources: AppResources,
    principal: Principal,
    ticket: Ticket | TicketRow,
    action: str,
    parties: dict[Relation, set[str]] | None = None,
) -> Role:
    """The role the caller takes `action` in on this ticket, per the permission table; else 403."""
    scope = await ticket_scope(resources, ticket, acting=True, parties=parties)
    role = acting_role(principal, TicketKind(ticket.kind), action, scope)
    if role is None:
        roles = "、".join(role.label_zh for role in Role if role in principal.roles) or "无角色"
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"单位 {principal.organisation_id} 的{roles}无权对本工单执行“{action}”",
        )
    return role
