"""Names and inputs of every activity; light enough to import inside the workflow sandbox."""
# No `from __future__ import annotations` here: payload types must be real objects, so pydantic
# can build them inside the workflow sandbox.

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.kinds import TicketKind
from domain.registry import ElevatorRegistration, OrganisationRef
from domain.tickets import ReportRef, TicketSnapshot, TimelineEvent

LOOKUP_ELEVATOR = "lookup_elevator"
PREPARE_TICKET = "prepare_ticket"
COMPUTE_DEADLINES = "compute_deadlines"
PROJECT_TICKET = "project_ticket"
SEND_NOTIFICATION = "send_notification"
NOTE_MAINTENANCE = "note_maintenance"
# A missed clock whose policy row says so opens a clue: "open_" and the kind, as every history names it.
OPEN_VIOLATION_CLUE = f"open_{TicketKind.VIOLATION_CLUE.value}"
OPEN_TICKET = "open_ticket"
KEEP_REPORTER_IDENTITY = "keep_reporter_identity"
SWEEP_MONITORING = "sweep_monitoring"
GRADE_UNITS = "grade_units"
MAIL_DISTRICT_DIGESTS = "mail_district_digests"


@dataclass
class LookupElevatorInput:
    elevator_code: str


@dataclass
class DeadlineRequest:
    policy_key: str
    starts_at: datetime
    # When the ticket was filed: its clocks follow the rules in force that day. None: the rules in force now.
    filed_at: datetime | None = None


@dataclass
class ComputeDeadlinesInput:
    requests: list[DeadlineRequest]


@dataclass
class ComputedDeadline:
    policy_key: str
    due_at: datetime
    # True when the calendar behind a working-day count is a fallback, not the official one.
    provisional: bool = False
    # When the party that must act is reminded, for policies with a reminder.
    remind_at: datetime | None = None
    # Whether missing this deadline opens a violation clue, as the policy row said when it was computed.
    opens_clue: bool = False


@dataclass
class ComputeDeadlinesOutput:
    deadlines: list[ComputedDeadline]


@dataclass
class DeadlineTerms:
    """A policy row whose limit is a fixed duration (no calendar), as it stood when the ticket opened."""

    policy_key: str
    limit: timedelta
    # The share of the time after which the party that must act is reminded; None: no reminder.
    remind_at: float | None = None
    opens_clue: bool = False

    def starting(self, starts_at: datetime) -> ComputedDeadline:
        """The deadline of a clock started at `starts_at`: pure arithmetic on what the row said."""
        due_at = starts_at + self.limit
        reminder = None if self.remind_at is None else starts_at + self.limit * self.remind_at
        return ComputedDeadline(
            policy_key=self.policy_key, due_at=due_at, remind_at=reminder, opens_clue=self.opens_clue
        )


@dataclass
class PrepareTicketInput:
    elevator_code: str
    # Clocks that start as the ticket opens.
    deadlines: list[DeadlineRequest]
    # Policy rows of clocks the ticket starts later; those of fixed duration come back as terms.
    later: list[str] = field(default_factory=list)
    # When the ticket was filed, for the rows of its `later` clocks (as `DeadlineRequest.filed_at`).
    filed_at: datetime | None = None


@dataclass
class PreparedTicket:
    """What a ticket needs from outside the workflow as it opens, in one call (one history event)."""

    registration: ElevatorRegistration
    deadlines: list[ComputedDeadline]
    later: list[DeadlineTerms]


@dataclass
class MailTicketFacts:
    """What a notification may say about a ticket; no personal phone numbers."""

    ticket_id: str
    kind_label: str
    state_label: str
    source_label: str
    alarm_at: datetime
    assigned_unit_name: str
    accept_by: datetime | None = None
    arrive_by: datetime | None = None
    confirm_by: datetime | None = None
    people_freed: int | None = None
    handler_name: str | None = None
    released_at: datetime | None = None
    closed_at: datetime | None = None
    # The ticket kind's code: mails word the source, the time and the assigned unit after it.
    kind: str = TicketKind.RESCUE.value
    # The step a mail is about, and its deadline, for kinds whose mails are generic.
    due_at: datetime | None = None
    step_label: str = ""
    note: str = ""


@dataclass
class NotificationInput:
    idempotency_key: str
    template: str
    recipient: OrganisationRef
    ticket: MailTicketFacts
    elevator: ElevatorRegistration
    event: dict[str, str | int | bool | None] = field(default_factory=dict)


@dataclass
class ProjectTicketInput:
    snapshot: TicketSnapshot
    events: list[TimelineEvent]
    reports: list[ReportRef] = field(default_factory=list)
    # Mails this step sends: stored in the outbox in the projection's transaction, delivered from there.
    mails: list[NotificationInput] = field(default_factory=list)


@dataclass
class NoteMaintenanceInput:
    """Tell an elevator's maintenance schedule about a visit, starting the schedule if it has none."""

    elevator_code: str
    ticket_id: str
    performed_at: datetime


@dataclass
class OpenClueInput:
    """A violation clue (违法线索) raised by a ticket: a missed legal clock, a 投诉 or a 举报."""

    # The ticket that raised the clue and why (a policy key such as a late arrival's, or the kind that referred it):
    # together they name the clue, so raising it twice opens one clue.
    source_ticket_id: str
    reason: str
    elevator_code: str
    # What happened, as the regulator reads it (Chinese).
    summary: str
    # The organisation suspected of the violation.
    suspect_unit: OrganisationRef
    # Every ticket the clue carries as evidence, the source first (e.g. an order to correct, then the 隐患 it was issued for).
    linked_tickets: list[str] = field(default_factory=list)
    # A report whose verification already decided to open a case (立案) starts the clue there.
    case_opened: bool = False


@dataclass
class OpenTicketInput:
    """A ticket that another ticket opens: its workflow type, its id, and that workflow's input."""

    workflow: str
    ticket_id: str
    # The opened kind's own workflow input as JSON: its workflow reads it as its input type.
    arg: dict[str, Any]


@dataclass
class OpenedTicket:
    ticket_id: str
    # False when the ticket had been opened before (the same source and reason, a retried activity).
    created: bool


@dataclass
class KeepIdentityInput:
    """Who filed a 举报 or 投诉 (personal data): kept apart from the ticket, never projected."""

    ticket_id: str
    name: str
    phone: str
    email: str = ""


@dataclass
class SweepInput:
    """A sweep over the monitoring devices, as of the watch's own now."""

    now: datetime


@dataclass
class SweepResult:
    # Devices whose silence opened a ticket, and devices heard again whose ticket was settled.
    opened: list[str]
    settled: list[str]


@dataclass
class GradeUnitsInput:
    """Grade every unit for one month (`2026-11`, Shanghai time)."""

    month: str


@dataclass
class GradeUnitsResult:
    month: str
    formula_version: str
    # "<role>:<unit>" -> its grade (A-D, or 样本不足).
    grades: dict[str, str]


@dataclass
class DistrictDigestsInput:
    """Mail each district's regulators its digest (月报) of one month (`2026-11`)."""

    month: str


@dataclass
class DistrictDigestsResult:
    # The districts whose digest went out in this attempt (a retry skips those already sent).
    sent: list[str]
