"""A page of tickets: statements built once per listing shape, rows read without the ORM's bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Integer, bindparam, func, select

from domain.ticket_numbers import ticket_number
from store.database import AnySelect
from store.models import Ticket
from store.ticket_filters import ListingShape, shape_conditions


class TicketRow(NamedTuple):
    """A ticket as listings read it: the columns of `tickets` (all but the tracking token's digest).

    A named tuple: a page makes one per row, and a frozen dataclass took six times as long to build (2 µs).
    """

    ticket_id: str
    kind: str
    state: str
    seq: int
    workflow_id: str
    run_id: str
    elevator_code: str
    district: str
    use_unit_id: str
    maintenance_unit_id: str
    assigned_unit_id: str
    opened_at: datetime
    updated_at: datetime
    due_at: datetime | None
    overdue: bool
    closed_at: datetime | None
    deadlines: dict[str, Any]
    provisional_deadlines: list[str]
    flags: list[str]
    details: dict[str, Any]
    spawned_from: str | None
    linked_tickets: list[str]
    number_prefix: str | None
    number_serial: int | None

    @property
    def number(self) -> str | None:
        """工单编号, as people see it (KR-PD-20261207-0001)."""
        return ticket_number(self.number_prefix, self.number_serial)


@dataclass(frozen=True)
class TicketPage:
    items: list[TicketRow]
    total: int


# The columns a page selects, named by the row's fields: a field without its column fails at import.
TICKET_COLUMNS = tuple(Ticket.__table__.c[name] for name in TicketRow._fields)


@lru_cache(maxsize=256)
def listing_statements(shape: ListingShape) -> tuple[AnySelect, AnySelect]:
    """The page of listings of `shape` with their total in each row, and the total alone.

    One statement for the page and its total: a round trip fewer per page than a count and a page
    (the total is an uncorrelated subquery, evaluated once). A page past the last row has no row to
    carry the total; the second statement counts then. Both bind the shape's values; the page also
    `limit` and `offset`.
    """
    conditions = shape_conditions(shape)
    count = select(func.count().label("total")).select_from(Ticket).where(*conditions)
    page = (
        select(*TICKET_COLUMNS, count.scalar_subquery().label("total"))
        .where(*conditions)
        .order_by(Ticket.opened_at.desc(), Ticket.ticket_id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )
    return page, count
