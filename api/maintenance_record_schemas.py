"""Bodies of the maintenance record (维保记录): submitted, and resubmitted after a dispute."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.schemas import ElevatorCodeIn, SourceRef, TicketCreated


class MaintenanceRecordCreate(BaseModel):
    """A maintenance record (维保记录) as the maintenance unit submits it."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: ElevatorCodeIn
    ref: SourceRef = Field(description="The maintenance unit's record number")
    level: Literal["half_month", "quarterly", "half_year", "annual"] = Field(
        description="TSG T5002 Art 6 level"
    )
    performed_at: AwareDatetime = Field(description="When the maintenance was done")
    handler_name: str = Field(min_length=1, max_length=100, description="维保人员")
    items: list[str] = Field(min_length=1, max_length=100, description="The items maintained")
    remarks: str = Field(default="", max_length=2000)


class MaintenanceRecordCreated(TicketCreated):
    pass


class ResubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[str] = Field(min_length=1, max_length=100)
    remarks: str = Field(default="", max_length=2000)


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "resubmit": ResubmitBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "resubmit": "Maintenance record: the maintenance unit revises a disputed record and submits it again.",
}
