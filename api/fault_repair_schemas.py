"""Bodies of the fault repair (故障维修): a fault reported, fixed, or not fixable on the spot."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.schemas import ElevatorCodeIn, SourceRef, TicketCreated

# A person or a machine opens a repair through the API; a 困人救援 opens its own from inside the engine.
FaultSourceIn = Literal["alarm", "use_unit"]


class FaultRepairCreate(BaseModel):
    """A fault to repair: from a monitoring alarm or reported by the use-management unit."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: ElevatorCodeIn
    source: FaultSourceIn
    ref: SourceRef = Field(
        description="The source's own id (alarm id, the unit's report number): a repeat opens nothing new"
    )
    fault_type: str = Field(default="other", max_length=40, description="故障类型 code, see GET /fault-types")
    description: str = Field(default="", max_length=2000)


class FaultRepairCreated(TicketCreated):
    pass


class NotFixableBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan: str = Field(min_length=1, max_length=2000, description="书面维修方案; the car stays stopped")
    planned_fix_by: AwareDatetime = Field(description="When the repair will be done; becomes the deadline")


class FixBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fault_type: str = Field(min_length=1, max_length=40, description="故障类型 code, see GET /fault-types")
    handler_name: str = Field(min_length=1, max_length=100, description="处置人员")
    description: str = Field(default="", max_length=2000)


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "report_not_fixable": NotFixableBody,
    "fix": FixBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "report_not_fixable": "Fault repair: not fixable on the spot; a written plan, and the car stays stopped.",
    "fix": "Fault repair: fixed, with the fault type (故障类型) and who fixed it (处置人员).",
}
