"""Inputs and results of the hazard workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.hazard import HazardSeverity
from domain.registry import OrganisationRef
from domain.roles import Actor


@dataclass
class HazardInput:
    ticket_id: str
    elevator_code: str
    # The reporter's own report number; with the reporter and the elevator it names the hazard.
    ref: str
    reporter: Actor
    # The reporter's organisation (maintenance unit or inspection agency): it verifies, and is mailed.
    reporter_unit: OrganisationRef
    reported_at: datetime
    hazard_type: str
    severity: HazardSeverity
    description: str = ""
    mail_grace_seconds: float = 30.0


@dataclass
class RegisterInput:
    """Sent with the start, so the caller's answer waits until the hazard is dispatched and stored."""

    ticket_id: str


@dataclass
class Registered:
    ticket_id: str
    state: str
    # True when this very report had opened the hazard before.
    duplicate: bool


@dataclass
class StepInput:
    actor: Actor
    note: str = ""


@dataclass
class RectificationInput:
    actor: Actor
    # What was done, as the reporter will check it (整改材料).
    evidence: str


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
class HazardResult:
    ticket_id: str
    state: str
    allowed_actions: list[str] = field(default_factory=list)


@dataclass
class HazardOutcome:
    ticket_id: str
    state: str
    flags: list[str]
