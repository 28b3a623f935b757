"""Tickets as the staff pages show them: labels in Chinese, the elevator's address, parsed deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.access import ticket_scope
from api.deps import AppResources
from domain.catalog import NOTICES_ZH, allowed_actions, state_label
from domain.districts import DISTRICTS_ZH
from domain.kind_spec import CLOCK_ACTION_LABELS_ZH
from domain.kinds import TicketKind
from domain.permissions import Principal, acting_role, ticket_parties
from domain.roles import Role
from domain.scopes import Relation
from store.models import Ticket
from store.ticket_filters import TicketFilter
from store.ticket_listing import TicketRow


@dataclass(frozen=True)
class TicketView:
    ticket_id: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    elevator_code: str
    maintenance_unit_id: str
    address: str
    district_label: str
    opened_at: datetime
    due_at: datetime | None
    overdue: bool
    deadlines: dict[str, datetime]
    details: dict[str, Any]
    flags: list[str]

    def deadline(self, step: str) -> datetime | None:
        return self.deadlines.get(step)

    def detail_time(self, key: str) -> datetime | None:
        """A time the workflow keeps in the details (ISO text), e.g. `alarm_at`, `released_at`."""
        value = self.details.get(key)
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def district_label(district: str) -> str:
    return DISTRICTS_ZH.get(district, district)


async def ticket_views(resources: AppResources, tickets: Sequence[Ticket | TicketRow]) -> list[TicketView]:
    """The tickets with their elevators' addresses, looked up once per elevator."""
    addresses: dict[str, str] = {}
    for code in {ticket.elevator_code for ticket in tickets}:
        elevator = await resources.registry.elevator(code)
        addresses[code] = elevator.address if elevator else ""
    return [
        TicketView(
            ticket_id=ticket.ticket_id,
            kind=ticket.kind,
            kind_label=TicketKind(ticket.kind).label_zh,
            state=ticket.state,
            state_label=state_label(TicketKind(ticket.kind), ticket.state),
            elevator_code=ticket.elevator_code,
            maintenance_unit_id=ticket.maintenance_unit_id,
            address=addresses.get(ticket.elevator_code, ""),
            district_label=district_label(ticket.district),
            opened_at=ticket.opened_at,
            due_at=ticket.due_at,
            overdue=ticket.overdue,
            deadlines={step: datetime.fromisoformat(at) for step, at in ticket.deadlines.items()},
            details=dict(ticket.details),
            flags=list(ticket.flags),
        )
        for ticket in tickets
    ]


async def listed_views(resources: AppResources, filters: TicketFilter, *, limit: int) -> list[TicketView]:
    """The first `limit` tickets `filters` selects, as the pages show them."""
    page = await resources.tickets.list(filters, limit=limit, offset=0)
    return await ticket_views(resources, page.items)


async def awaiting_views(
    resources: AppResources, principal: Principal, roles: frozenset[Role], *, limit: int
) -> list[TicketView]:
    """The open tickets whose next step is the principal's, in one of `roles`, soonest deadline first.

    Each kind says which of its states wait for which role (`awaiting`); the permission table says whose
    unit takes the step (the use unit confirms, the addressee signs, the reporter verifies).
    """
    mine = principal.roles & roles
    if not mine:
        return []
    page = await resources.tickets.list(
        TicketFilter(awaiting=mine, open_only=True, visible_to=principal), limit=limit, offset=0
    )
    rows = [row for row in page.items if await _next_step_is_mine(resources, principal, mine, row)]
    return sorted(await ticket_views(resources, rows), key=by_deadline)


async def _next_step_is_mine(
    resources: AppResources, principal: Principal, roles: frozenset[Role], row: TicketRow
) -> bool:
    # The row's own parties, as its projection stored them: no read per ticket.
    parties: dict[Relation, set[str]] = {}
    for relation, organisation in ticket_parties(
        row.use_unit_id, row.maintenance_unit_id, row.assigned_unit_id, row.details
    ):
        parties.setdefault(relation, set()).add(organisation)
    scope = await ticket_scope(resources, row, acting=True, parties=parties)
    kind = TicketKind(row.kind)
    return any(
        acting_role(principal, kind, action, scope) in roles
        for action in allowed_actions(kind, row.state, row.details)
        if action not in CLOCK_ACTION_LABELS_ZH
    )


def by_deadline(view: TicketView) -> tuple[bool, datetime, datetime]:
    """A work queue's order: soonest deadline first; work without a deadline last, oldest first."""
    return (view.due_at is None, view.due_at or view.opened_at, view.opened_at)


def notice(code: str | None) -> str | None:
    # Fixed sentences by code, never echoed input.
    return NOTICES_ZH.get(code) if code else None
