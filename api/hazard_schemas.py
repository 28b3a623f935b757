"""Bodies of the hazard report (隐患上报)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import ElevatorCodeIn, SourceRef, TicketCreated

HazardSeverityIn = Literal["serious", "general"]


class HazardCreate(BaseModel):
    """A hazard (隐患) as a maintenance unit or an inspection agency reports it."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: ElevatorCodeIn
    ref: SourceRef = Field(description="The reporter's own report number: a repeat opens nothing new")
    hazard_type: str = Field(max_length=40, description="隐患类型 code, see GET /hazard-types")
    severity: HazardSeverityIn = Field(description="serious 重大事故隐患 | general 一般事故隐患")
    description: str = Field(default="", max_length=2000)


class HazardCreated(TicketCreated):
    pass


# The hazard's actions take bodies several kinds share (`api/schemas.py`).
ACTION_BODIES: dict[str, type[BaseModel]] = {}

# What each of those actions is, as the OpenAPI document describes it (a 指令书 is rectified the same way).
ACTION_DOCS: dict[str, str] = {
    "withdraw": "Withdraw what one submitted or reported (a maintenance record; a hazard report) with a reason.",
    "submit_rectification": "Hazard: the use-management unit reports the hazard rectified, with what it did (整改材料).",
    "verify_pass": "Hazard: the reporting organisation verifies the rectification (验证通过); the ticket closes.",
    "verify_fail": "Hazard: the rectification falls short, with a reason; the use unit rectifies again on a new clock.",
}
