"""Which tickets a listing asks for, as SQL: its filters, who may see what, and which work is still open."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, false, or_, select, true

from domain.catalog import CATALOG
from domain.permissions import VISIBLE_BY_RELATION, VISIBLE_BY_ROLE, Principal
from domain.roles import OrganisationKind, Role
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
    # Only tickets in a state whose next step is one of these roles' (each kind's `awaiting`).
    awaiting: frozenset[Role] = frozenset()
    # Only the tickets this principal may see (None: all, for internal callers).
    visible_to: Principal | None = None


@dataclass(frozen=True)
class OpenCount:
    kind: str
    district: str
    open: int
    overdue: int


# The filters that compare one column with one value, by the column's name (and the bind's).
_EQUAL_FILTERS = (
    "kind",
    "state",
    "district",
    "elevator_code",
    "overdue",
    "assigned_unit_id",
    "use_unit_id",
)


@dataclass(frozen=True)
class Visibility:
    """How a principal's visibility is decided, without whose it is: the shape of its condition."""

    # "all" (city regulators, the operator), "district" (a district regulator) or "parties" (a unit).
    scope: str
    # For "parties": the kinds the principal's roles see wherever they are (the 110 dispatcher: 困人救援).
    role_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListingShape:
    """All of a listing's SQL but its values: which filters are set and how visibility is decided.

    Listings of one shape share their statements, built and compiled once; a request only binds values
    (building and compiling them took more time than the SQL itself: `make bench`'s read model).
    """

    filters: tuple[str, ...]
    open_only: bool
    visibility: Visibility | None
    awaiting: tuple[Role, ...] = ()


def listing_shape(filters: TicketFilter) -> tuple[ListingShape, dict[str, object]]:
    """The shape of a listing with `filters`, and the values its statements bind, by name."""
    values: dict[str, object] = {
        name: getattr(filters, name) for name in (*_EQUAL_FILTERS, "opened_from", "opened_to")
    }
    values = {name: value for name, value in values.items() if value is not None}
    visibility = None
    if filters.visible_to is not None:
        visibility, visible_values = principal_visibility(filters.visible_to)
        values |= visible_values
    awaiting = tuple(sorted(filters.awaiting))
    return ListingShape(tuple(values), filters.open_only, visibility, awaiting), values


def shape_conditions(shape: ListingShape) -> list[ColumnElement[bool]]:
    """The WHERE conditions of listings of `shape`, each value a bind named as in `listing_shape`."""
    columns = Ticket.__table__.c
    conditions: list[ColumnElement[bool]] = [
        columns[name] == bindparam(name) for name in shape.filters if name in _EQUAL_FILTERS
    ]
    if "opened_from" in shape.filters:
        conditions.append(Ticket.opened_at >= bindparam("opened_from"))
    if "opened_to" in shape.filters:
        conditions.append(Ticket.opened_at < bindparam("opened_to"))
    if shape.open_only:
        conditions.append(open_condition())
    if shape.awaiting:
        conditions.append(awaiting_condition(frozenset(shape.awaiting)))
    if shape.visibility is not None:
        conditions.append(visibility_condition(shape.visibility))
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


def awaiting_condition(roles: frozenset[Role]) -> ColumnElement[bool]:
    """Tickets in a state whose next step is one of `roles`', per each kind's `awaiting`."""
    return or_(
        false(),
        *(
            and_(Ticket.kind == kind.value, Ticket.state.in_(sorted(states)))
            for kind, entry in CATALOG.items()
            if (states := frozenset().union(*(entry.awaiting.get(role, ()) for role in roles)))
        ),
    )


def principal_visibility(principal: Principal) -> tuple[Visibility, dict[str, object]]:
    """How `principal`'s visibility is decided, and the values its condition binds."""
    if principal.organisation_kind in (OrganisationKind.CITY_REGULATOR, OrganisationKind.PLATFORM_OPERATOR):
        # The operator lists tickets (metadata only; the API leaves their content out).
        return Visibility("all"), {}
    if principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR:
        return Visibility("district"), {"visible_district": principal.district}
    by_role = {kind.value for role in principal.roles for kind in VISIBLE_BY_ROLE.get(role, frozenset())}
    return Visibility("parties", tuple(sorted(by_role))), {"visible_organisation": principal.organisation_id}


def visibility_condition(
    visibility: Visibility, values: Mapping[str, object] | None = None
) -> ColumnElement[bool]:
    """The tickets a principal may see: the same rule as `may_view`, in SQL; its binds take `values`,
    or are left for each execution to give.
    """

    def bind(name: str) -> BindParameter[Any]:
        return bindparam(name) if values is None else bindparam(name, values[name])

    if visibility.scope == "all":
        return true()
    if visibility.scope == "district":
        return Ticket.district == bind("visible_district")
    conditions: list[ColumnElement[bool]] = (
        [Ticket.kind.in_(visibility.role_kinds)] if visibility.role_kinds else []
    )
    for relation, kinds in VISIBLE_BY_RELATION.items():
        party = (
            select(TicketParty.ticket_id)
            .where(
                TicketParty.ticket_id == Ticket.ticket_id,
                TicketParty.organisation_id == bind("visible_organisation"),
                TicketParty.relation == relation.value,
            )
            .exists()
        )
        conditions.append(and_(Ticket.kind.in_(sorted(kind.value for kind in kinds)), party))
    return or_(false(), *conditions)


def visible_to_condition(principal: Principal) -> ColumnElement[bool]:
    """The tickets `principal` may see, as a condition with its values bound (for one-off statements)."""
    return visibility_condition(*principal_visibility(principal))
