"""Inputs and results of the fault-repair workflow and its Updates: one dataclass per call."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

from domain.fault_repair import FaultSource, fault_repair_ticket_id
from domain.roles import Actor
from workflows.follow_up_models import CAR_STOPPED, FollowUp, FollowUpBuilder, Opener
from workflows.names import FAULT_REPAIR_WORKFLOW
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
    # The ticket this repair was opened from, e.g. the 困人救援 that left the car stopped.
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


def _repair_of_stopped_car(opener: Opener) -> FollowUp:
    """The car stays stopped after a 困人救援: its fault repair starts now, as a ticket of its own."""
    repair_id = fault_repair_ticket_id(opener.elevator_code, FaultSource.RESCUE, opener.ticket_id)
    repair = FaultRepairInput(
        ticket_id=repair_id,
        elevator_code=opener.elevator_code,
        source=FaultSource.RESCUE,
        ref=opener.ticket_id,
        reporter=opener.actor,
        reported_at=opener.at,
        fault_type="entrapment_follow_up",
        description="困人救援后停梯检修",
        spawned_from=opener.ticket_id,
        mail_grace_seconds=opener.mail_grace_seconds,
    )
    return FollowUp(
        workflow=FAULT_REPAIR_WORKFLOW,
        ticket_id=repair_id,
        arg=asdict(repair),
        # The names the 困人救援's details and timeline have carried since it first opened repairs.
        detail="fault_repair_ticket_id",
        event="fault_repair_opened",
        note="停梯检修，已生成故障维修工单",
    )


# What a fault repair follows (workflows/follow_ups.py).
FOLLOW_UPS: Mapping[str, FollowUpBuilder] = {CAR_STOPPED: _repair_of_stopped_car}
