"""Inputs of the maintenance-record and maintenance-schedule workflows and their Updates and Signals."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.maintenance_record import MaintenanceLevel
from domain.roles import Actor


@dataclass
class MaintenanceRecordInput:
    ticket_id: str
    elevator_code: str
    ref: str
    submitter: Actor
    level: MaintenanceLevel
    performed_at: datetime
    handler_name: str
    items: list[str] = field(default_factory=list)
    remarks: str = ""
    mail_grace_seconds: float = 30.0


@dataclass
class ResubmitInput:
    actor: Actor
    items: list[str]
    remarks: str = ""


@dataclass
class RecordPerformed:
    """A maintenance visit the schedule counts from (sent once its record is submitted)."""

    ticket_id: str
    performed_at: datetime


@dataclass
class ScheduleInput:
    elevator_code: str
    last_performed_at: datetime | None = None
    last_record_ticket_id: str | None = None
    mail_grace_seconds: float = 30.0


@dataclass
class ScheduleState:
    elevator_code: str
    last_performed_at: datetime | None
    due_at: datetime | None
    missed_ticket_id: str | None
