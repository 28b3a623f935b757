"""Inputs and results of the fault-repair workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.fault_repair import FaultSource
from domain.roles import Actor


@dataclass
class FaultRepairInput:
    ticket_id: str
    elevator_code: str
    source: FaultSource
    ref: str
    reporter: Actor
    reported_at: datetime
    fault_type: str = "other"
    description: str = ""
    # The ticket this repair was opened from, e.g. the rescue that left the car stopped.
    spawned_from: str | None = None
    mail_grace_seconds: float = 30.0


@dataclass
class RegisterInput:
    """Sent with the start, so the caller's answer waits until the repair is dispatched and stored."""

    ticket_id: str


@dataclass
class Registered:
    ticket_id: str
    state: str
    # True when this very report had opened the repair before.
    duplicate: bool


@dataclass
class StepInput:
    actor: Actor
    note: str = ""


@dataclass
class NotFixableInput:
    actor: Actor
    plan: str
    planned_fix_by: datetime


@dataclass
class FixInput:
    actor: Actor
    fault_type: str
    handler_name: str
    description: str = ""


@dataclass
class ReasonInput:
    actor: Actor
    reason: str


@dataclass
class ExtendInput:
    actor: Actor
    due_at: datetime
    reason: str


@dataclass
class FaultRepairResult:
    ticket_id: str
    state: str
    allowed_actions: list[str] = field(default_factory=list)


@dataclass
class FaultRepairOutcome:
    ticket_id: str
    state: str
    flags: list[str]
