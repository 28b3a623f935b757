"""A ticket's projection as rows: the statements that store it idempotently, and the values they take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, select

from domain.ticket_numbers import number_prefix
from domain.tickets import TicketSnapshot, TimelineEvent
from store.models import Ticket, TicketEvent, TicketParty, TicketReport
from store.upsert import insert_of


@dataclass(frozen=True)
class ProjectionStatements:
    ticket_upsert: Any
    event_insert: Any
    party_insert: Any
    report_insert: Any
    # PostgreSQL only: new tickets of one number prefix take turns, so each reads the serial before it.
    number_lock: Any | None

    @classmethod
    def build(cls, dialect: str) -> ProjectionStatements:
        table = Ticket.__table__
        # The ticket's number is given as its row is first inserted: the next serial of its prefix, found
        # in the same statement. SQLite's write lock orders the inserts; on PostgreSQL the first projection
        # of a ticket takes an advisory lock on its prefix first (read committed: the upsert, a statement
        # begun after the lock, sees the serial the previous holder committed). Without it an alarm storm
        # in one district would meet the unique constraint over and over.
        numbered = table.alias("numbered")
        prefix: BindParameter[str] = bindparam(NUMBER_PREFIX)
        next_serial = (
            select(func.coalesce(func.max(numbered.c.number_serial), 0) + 1)
            .where(numbered.c.number_prefix == prefix)
            .scalar_subquery()
        )
        tickets = insert_of(dialect, table).values(number_prefix=prefix, number_serial=next_serial)
        kept = {"ticket_id", "number_prefix", "number_serial"}
        columns = [column.name for column in table.columns if column.name not in kept]
        return cls(
            ticket_upsert=tickets.on_conflict_do_update(
                index_elements=[table.c.ticket_id],
                set_={column: tickets.excluded[column] for column in columns},
                # Projections may arrive twice or out of order: only a newer snapshot replaces the row.
                where=Ticket.__table__.c.seq < tickets.excluded.seq,
            ),
            event_insert=insert_of(dialect, TicketEvent.__table__).on_conflict_do_nothing(
                index_elements=["ticket_id", "seq"]
            ),
            party_insert=insert_of(dialect, TicketParty.__table__).on_conflict_do_nothing(
                index_elements=["ticket_id", "organisation_id", "relation"]
            ),
            report_insert=insert_of(dialect, TicketReport.__table__).on_conflict_do_nothing(
                index_elements=["source", "ref"]
            ),
            number_lock=(
                select(func.pg_advisory_xact_lock(_POSTGRES_LOCK_SPACE, func.hashtext(prefix)))
                if dialect == "postgresql"
                else None
            ),
        )


# The first key of the two-key advisory lock a ticket's number is given under, one second key per prefix.
_POSTGRES_LOCK_SPACE = 0x6764  # "gd", 工单


# The bind the upsert takes the ticket's number prefix by: a name of its own, since it is used twice.
NUMBER_PREFIX = "number_prefix_of_row"


def ticket_row(snapshot: TicketSnapshot) -> dict[str, object]:
    return {
        "ticket_id": snapshot.ticket_id,
        "kind": snapshot.kind.value,
        "state": snapshot.state,
        "seq": snapshot.seq,
        "workflow_id": snapshot.workflow_id,
        "run_id": snapshot.run_id,
        "elevator_code": snapshot.elevator_code,
        "district": snapshot.district,
        "use_unit_id": snapshot.use_unit_id,
        "maintenance_unit_id": snapshot.maintenance_unit_id,
        "assigned_unit_id": snapshot.assigned_unit_id,
        "opened_at": snapshot.opened_at,
        "updated_at": snapshot.updated_at,
        "due_at": snapshot.due_at,
        "overdue": snapshot.overdue,
        "closed_at": snapshot.closed_at,
        "deadlines": {step: at.isoformat() for step, at in snapshot.deadlines.items()},
        "provisional_deadlines": list(snapshot.provisional_deadlines),
        "flags": list(snapshot.flags),
        "details": dict(snapshot.details),
        "spawned_from": snapshot.spawned_from,
        "linked_tickets": list(snapshot.linked_tickets),
        "tracking_digest": snapshot.tracking_digest,
        NUMBER_PREFIX: number_prefix(snapshot.kind, snapshot.district, snapshot.opened_at),
    }


def event_row(ticket_id: str, event: TimelineEvent) -> dict[str, object]:
    actor = event.actor
    return {
        "ticket_id": ticket_id,
        "seq": event.seq,
        "at": event.at,
        "action": event.action,
        "state": event.state,
        "actor_user_id": actor.user_id if actor else None,
        "actor_name": actor.name if actor else None,
        "actor_organisation_id": actor.organisation_id if actor else None,
        "actor_role": actor.role.value if actor else None,
        "note": event.note,
        "data": dict(event.data),
    }
