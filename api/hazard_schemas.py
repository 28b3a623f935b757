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

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {}
