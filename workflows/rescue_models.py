"""Inputs and results of the rescue workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.rescue import ReportSource
from domain.roles import Actor


@dataclass
class EntrapmentReport:
    """One report of people trapped: a monitoring alarm, a 110 call, or a passenger's QR scan."""

    elevator_code: str
    source: ReportSource
    ref: str
    reporter: Actor
    received_at: datetime
    # When the source says the entrapment began; the 30-minute clock runs from it.
    alarm_at: datetime | None = None
    alarm_type: str = ""
    description: str = ""
    callback_phone: str | None = None


@dataclass
class RescueInput:
    ticket_id: str
    report: EntrapmentReport
    # How long a finished rescue waits for its last mails before handing them to workflows of their own.
    mail_grace_seconds: float = 30.0


@dataclass
class ReportReceipt:
    ticket_id: str
    state: str
    # True when the report joined a rescue already open on this elevator.
    joined_existing: bool
    # True when this very report (source and ref) had been received before.
    duplicate: bool


@dataclass
class AcceptInput:
    actor: Actor
    note: str = ""


@dataclass
class ArriveInput:
    actor: Actor
    arrived_at: datetime | None = None
    note: str = ""


@dataclass
class ReleaseInput:
    actor: Actor
    people_freed: int
    handler_name: str
    released_at: datetime | None = None
    note: str = ""
    # The car is stopped for inspection after the rescue: a fault repair opens by itself.
    car_stopped: bool = False


@dataclass
class ConfirmInput:
    actor: Actor
    remark: str = ""


@dataclass
class DisputeInput:
    actor: Actor
    reason: str


@dataclass
class CancelInput:
    actor: Actor
    reason: str


@dataclass
class ActionResult:
    ticket_id: str
    state: str
    seq: int
    allowed_actions: list[str] = field(default_factory=list)


@dataclass
class RescueOutcome:
    ticket_id: str
    state: str
    flags: list[str]
