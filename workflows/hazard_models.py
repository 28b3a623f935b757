"""Inputs and results of the hazard workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass
from datetime import datetime

from domain.hazard import HazardSeverity
from domain.registry import OrganisationRef
from domain.roles import Actor
from workflows.step_models import ExtendInput, ReasonInput, Registered, RegisterInput, StepInput, StepResult


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
class RectificationInput:
    actor: Actor
    # What was done, as the reporter will check it (整改材料).
    evidence: str


@dataclass
class HazardOutcome:
    ticket_id: str
    state: str
    flags: list[str]


# Hazards answer like every stepped kind.
HazardResult = StepResult

__all__ = [
    "ExtendInput",
    "HazardInput",
    "HazardOutcome",
    "HazardResult",
    "ReasonInput",
    "RectificationInput",
    "RegisterInput",
    "Registered",
    "StepInput",
]
