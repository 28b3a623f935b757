"""Which tickets a listing asks for, as SQL: its filters, who may see what, and which work is still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from domain.catalog import CATALOG
from domain.permissions import VISIBLE_BY_RELATION, VISIBLE_BY_ROLE, Principal
from domain.roles import OrganisationKind
from store.models import Ticket, TicketParty


@dataclass(frozen=True)
class TicketFilter:
    kind: str | None = None
    state: str | None = None
    district: str | None = None
    elevator_code: str | None = None
    overdue: bool | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    # The unit a ticket is assigned to now, and the elevator's use unit (the staff pages' work queues).
    assigned_unit_id: str | None = None
    use_unit_id: str | None = None
    # Only tickets whose work is not over (not in a final state of their kind).
    open_only: bool = False
    # Only the tickets this principal may see (None: all, for internal callers).
    visible_to: Principal | None = None


@dataclass(frozen=True)
class TicketPage:
    items: list[Ticket]
    total: int


@dataclass(frozen=True)
class OpenCount:
    kind: str
    district: str
    open: int
    overdue: int


def filter_conditions(filters: TicketFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a listing with `filters`."""
    conditions: list[ColumnElement[bool]] = []
    if filters.kind is not None:
        conditions.append(Ticket.kind == filters.kind)
    if filters.state is not None:
        conditions.append(Ticket.state == filters.state)
    if filters.district is not None:
        conditions.append(Ticket.district == filters.district)
    if filters.elevator_code is not None:
        conditions.append(Ticket.elevator_code == filters.elevator_code)
    if filters.overdue is not None:
        conditions.append(Ticket.overdue == filters.overdue)
    if filters.opened_from is not None:
        conditions.append(Ticket.opened_at >= filters.opened_from)
    if filters.opened_to is not None:
        conditions.append(Ticket.opened_at < filters.opened_to)
    if filters.assigned_unit_id is not None:
        conditions.append(Ticket.assigned_unit_id == filters.assigned_unit_id)
    if filters.use_unit_id is not None:
        conditions.append(Ticket.use_unit_id == filters.use_unit_id)
    if filters.open_only:
        conditions.append(open_condition())
    if filters.visible_to is not None:
        conditions.append(visible_to_condition(filters.visible_to))
    return conditions


def open_condition() -> ColumnElement[bool]:
    """Tickets not in a final state of their kind, per the catalog of kinds."""
    return or_(
        false(),
        *(
            and_(Ticket.kind == kind.value, Ticket.state.not_in(sorted(entry.finals)))
            for kind, entry in CATALOG.items()
        ),
    )


def visible_to_condition(principal: Principal) -> ColumnElement[bool]:
    """The tickets `principal` may see, as a condition: the same rule as `may_view`, in SQL."""
    if principal.organisation_kind in (OrganisationKind.CITY_REGULATOR, OrganisationKind.PLATFORM_OPERATOR):
        # The operator lists tickets (metadata only; the API leaves their content out).
        return true()
    if principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR:
        return Ticket.district == principal.district
    by_role = {kind.value for role in principal.roles for kind in VISIBLE_BY_ROLE.get(role, frozenset())}
    conditions: list[ColumnElement[bool]] = [Ticket.kind.in_(sorted(by_role))] if by_role else []
    for relation, kinds in VISIBLE_BY_RELATION.items():
        party = (
            select(TicketParty.ticket_id)
            .where(
                TicketParty.ticket_id == Ticket.ticket_id,
                TicketParty.organisation_id == principal.organisation_id,
                TicketParty.relation == relation.value,
            )
            .exists()
        )
        conditions.append(and_(Ticket.kind.in_(sorted(kind.value for kind in kinds)), party))
    return or_(false(), *conditions)
