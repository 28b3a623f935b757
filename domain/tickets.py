"""What a ticket looks like to the read model: a snapshot plus its timeline (工单业务流程信息)."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.kinds import TicketKind
from domain.roles import Actor

DetailValue = str | int | float | bool | None


@dataclass
class TimelineEvent:
    """One step of a ticket: who did what, when. `seq` orders the steps and makes projection idempotent."""

    seq: int
    at: datetime
    action: str
    state: str
    actor: Actor | None = None
    note: str = ""
    data: dict[str, DetailValue] = field(default_factory=dict)


@dataclass
class TicketSnapshot:
    """The whole projected state of one ticket.

    `seq` numbers the projections of the ticket's workflow: a later one always wins over an earlier one,
    and a repeated or late one changes nothing.
    """

    ticket_id: str
    kind: TicketKind
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
    # The deadline of the step the ticket waits on now, if any; lists sort and filter by it.
    due_at: datetime | None = None
    overdue: bool = False
    closed_at: datetime | None = None
    deadlines: dict[str, datetime] = field(default_factory=dict)
    # Deadlines counted across a year the official working-day calendar does not cover yet.
    provisional_deadlines: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    details: dict[str, DetailValue] = field(default_factory=dict)
    # The ticket this one was opened from (e.g. the 困人救援 that left the car stopped).
    spawned_from: str | None = None
    # Every ticket this one carries as evidence, e.g. a 违法线索's 指令书 and the 隐患 behind it.
    linked_tickets: list[str] = field(default_factory=list)
    # SHA-256 (hex) of the token the public follows the ticket with; never the token itself.
    tracking_digest: str | None = None


@dataclass
class ReportRef:
    """A source report (alarm, call, QR scan) attached to a ticket; (source, ref) is unique."""

    source: str
    ref: str
    ticket_id: str
    received_at: datetime
