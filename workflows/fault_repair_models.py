"""Inputs and results of the fault-repair workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass
from datetime import datetime

from domain.fault_repair import FaultSource
from domain.roles import Actor
from workflows.step_models import (
    ExtendInput,
    ReasonInput,
    Registered,
    RegisterInput,
    StepInput,
    StepResult,
)

__all__ = [
    "ExtendInput",
    "FaultRepairInput",
    "FaultRepairOutcome",
    "FaultRepairResult",
    "FixInput",
    "NotFixableInput",
    "ReasonInput",
    "RegisterInput",
    "Registered",
    "StepInput",
]


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
class FaultRepairOutcome:
    ticket_id: str
    state: str
    flags: list[str]


# Fault repair answers like every stepped kind.
FaultRepairResult = StepResult
