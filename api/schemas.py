"""Bodies of the HTTP API that every kind shares: tickets as read, and the actions several kinds take.

A kind's own bodies (opening its tickets, its own actions) are in `api/<kind>_schemas.py`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.kinds import TicketKind

# An elevator as a request names it: its 智慧电梯码 or registry number.
ElevatorCodeIn = Annotated[str, Field(min_length=1, max_length=64)]
# The id a report has at its source (an alarm id, a unit's own number): a repeat opens nothing new.
SourceRef = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")]


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=500)


class ArriveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    arrived_at: AwareDatetime | None = None
    note: str = Field(default="", max_length=500)


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remark: str = Field(default="", max_length=500)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="撤销原因, e.g. 误报")


class TicketCreated(BaseModel):
    """The answer to opening a ticket: the ticket, and whether the report had opened it already."""

    ticket_id: str
    state: str
    duplicate: bool


class TimelineEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    action: str
    state: str
    actor_user_id: str | None
    actor_name: str | None
    actor_organisation_id: str | None
    actor_role: str | None
    note: str
    data: dict[str, Any]


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    ref: str
    received_at: datetime


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ticket_id: str
    number: str | None = Field(
        default=None,
        description="工单编号 people read and say (KR-PD-20261207-0001: kind, district, day filed, serial); "
        "null for a ticket stored before numbers were given",
    )
    kind: str
    kind_label: str
    state: str
    state_label: str
    allowed_actions: list[str]
    elevator_code: str
    district: str
    use_unit_id: str
    maintenance_unit_id: str
    assigned_unit_id: str
    opened_at: datetime
    updated_at: datetime
    due_at: datetime | None
    overdue: bool
    closed_at: datetime | None
    deadlines: dict[str, datetime]
    provisional_deadlines: list[str] = Field(
        description="Deadlines counted across a year the official working-day calendar does not cover yet"
    )
    flags: list[str]
    details: dict[str, Any]
    spawned_from: str | None = Field(description="The ticket this one was opened from, if any")
    linked_tickets: list[str] = Field(
        description="Tickets this one carries as evidence (a violation clue's 指令书 and its 隐患)"
    )
    workflow_id: str
    run_id: str
    temporal_ui_url: str | None = Field(
        description="The ticket's workflow in Temporal's UI: for the platform operator's staff only, else null"
    )


class TicketDetailOut(TicketOut):
    timeline: list[TimelineEventOut]
    reports: list[ReportOut]
    spawned_tickets: list[str] = Field(
        description="Tickets opened from this one, e.g. the repair after a 困人救援"
    )


class TicketQuery(BaseModel):
    """A listing's filters and page, read from the query string in one validation."""

    kind: TicketKind | None = None
    state: str | None = Field(default=None, max_length=40)
    district: str | None = Field(default=None, max_length=40)
    elevator_code: str | None = Field(default=None, max_length=64)
    overdue: bool | None = None
    opened_from: AwareDatetime | None = None
    opened_to: AwareDatetime | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class TicketPageOut(BaseModel):
    items: list[TicketOut]
    total: int
    limit: int
    offset: int


class ElevatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    registration_code: str
    address: str
    district: str
    use_unit_id: str
    maintenance_unit_id: str
    rescue_station_id: str
    building: str = Field(description="The building the car is in; empty where none is on record")
    inspection_valid_until: date | None = Field(
        description="下次检验日期: the inspection certificate holds until this day; null until one is on record"
    )


class ErrorOut(BaseModel):
    detail: str | dict[str, Any]


class DisputeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="异议理由")


class ExtendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_at: AwareDatetime = Field(description="The new deadline of the running step (延期)")
    reason: str = Field(min_length=1, max_length=500)


class PauseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=500, description="Why the law excludes this time, e.g. 检验检测"
    )


class ResumeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=500)


class WithdrawBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class RectificationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evidence: str = Field(
        min_length=1, max_length=4000, description="整改材料: what was done to remove the 隐患"
    )


class VerifyPassBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remark: str = Field(default="", max_length=500)


class VerifyFailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="验证不通过的理由")
    # A failed re-check of a 指令书 sets a new date to correct by (required there); a 隐患 ignores it.
    rectify_by: date | None = Field(default=None, description="Directive: the new date to correct by")


class OpenCaseBody(BaseModel):
    """A case opened (立案) on a report or a violation clue."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000, description="立案意见")


class DeclineCaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="不予立案的理由")


# The body each action takes that several kinds have, whichever kind it is taken on.
SHARED_ACTION_BODIES: dict[str, type[BaseModel]] = {
    "accept": AcceptBody,
    "arrive": ArriveBody,
    "confirm": ConfirmBody,
    "dispute": DisputeBody,
    "cancel": CancelBody,
    "extend": ExtendBody,
    "pause": PauseBody,
    "resume": ResumeBody,
    "withdraw": WithdrawBody,
    "submit_rectification": RectificationBody,
    "verify_pass": VerifyPassBody,
    "verify_fail": VerifyFailBody,
    "open_case": OpenCaseBody,
    "decline_case": DeclineCaseBody,
}

# What each shared action is, as the OpenAPI document describes it (a kind describes its own).
SHARED_ACTION_DOCS: dict[str, str] = {
    "accept": "The assigned unit takes the ticket (接单).",
    "arrive": "The assigned unit is on site (到场).",
    "confirm": "The use-management unit confirms the work (工单确认); the ticket closes.",
    "dispute": "The use-management unit disputes the work, with a reason; it goes back to the performing unit.",
    "extend": "The district regulator approves an extension (延期) of the running step's deadline.",
    "pause": "Stop the clock for time the law excludes (e.g. testing by an inspection agency).",
    "resume": "Restart a paused clock; the deadline moves by the time it stood still.",
    "open_case": "Violation clue or report: the district regulator opens a case (立案) after verification.",
    "decline_case": "Violation clue or report: no case is opened (不予立案), with the reason.",
}
