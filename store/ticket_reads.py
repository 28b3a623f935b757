"""One ticket as every action reads it (its parties for the permission check, its detail for the answer).

Statements built once and read as rows through `Database.select`: loading the ORM's objects for them
cost the API about twice the time on each action (`make bench`'s lifecycle goal).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select

from store.models import Ticket, TicketEvent, TicketParty, TicketReport
from store.ticket_listing import TICKET_COLUMNS


class EventRow(NamedTuple):
    """A step of a ticket's timeline."""

    seq: int
    at: datetime
    action: str
    state: str
    actor_user_id: str | None
    actor_name: str | None
    actor_organisation_id: str | None
    actor_role: str | None
    note: str
    data: dict[str, Any]


class ReportRow(NamedTuple):
    """A report (alarm, call, QR scan) attached to a ticket."""

    source: str
    ref: str
    received_at: datetime


# Each takes the ticket's id as `ticket_id`.
TICKET = select(*TICKET_COLUMNS).where(Ticket.ticket_id == bindparam("ticket_id"))
PARTIES = select(TicketParty.relation, TicketParty.organisation_id).where(
    TicketParty.ticket_id == bindparam("ticket_id")
)
TIMELINE = (
    select(*(TicketEvent.__table__.c[name] for name in EventRow._fields))
    .where(TicketEvent.ticket_id == bindparam("ticket_id"))
    .order_by(TicketEvent.seq)
)
REPORTS = (
    select(*(TicketReport.__table__.c[name] for name in ReportRow._fields))
    .where(TicketReport.ticket_id == bindparam("ticket_id"))
    .order_by(TicketReport.received_at, TicketReport.source, TicketReport.ref)
)
SPAWNED = (
    select(Ticket.ticket_id).where(Ticket.spawned_from == bindparam("ticket_id")).order_by(Ticket.opened_at)
)

# The ticket a report (its source and the source's own id) opened or joined; takes `source` and `ref`.
TICKET_OF_REPORT = (
    select(*TICKET_COLUMNS)
    .join(TicketReport, TicketReport.ticket_id == Ticket.ticket_id)
    .where(TicketReport.source == bindparam("source"), TicketReport.ref == bindparam("ref"))
)
