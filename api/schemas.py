"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.kinds import TicketKind
from domain.rescue import ReportSource

# A person or a machine opens a repair through the API; a rescue opens its own from inside the engine.
FaultSourceIn = Literal["alarm", "use_unit"]


class RescueCreate(BaseModel):
    """An entrapment report: from a monitoring alarm, a 110 call, or a passenger's QR scan."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: str = Field(min_length=1, max_length=64, description="智慧电梯码 / 电梯编号")
    source: ReportSource
    ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The source's own id (alarm id, 110 call number); for QR scans the Idempotency-Key header may stand in.",
    )
    alarm_at: AwareDatetime | None = Field(
        default=None, description="When the entrapment began, per the source"
    )
    alarm_type: str = Field(default="", max_length=40, description="e.g. 用户报警, 平层关人, 非平层关人")
    description: str = Field(default="", max_length=500)
    callback_phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")


class RescueCreated(BaseModel):
    ticket_id: str
    state: str
    joined_existing: bool
    duplicate: bool


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=500)


class ArriveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    arrived_at: AwareDatetime | None = None
    note: str = Field(default="", max_length=500)


class ReleaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    people_freed: int = Field(ge=0, le=100, description="解困人数")
    handler_name: str = Field(min_length=1, max_length=100, description="处置人员")
    released_at: AwareDatetime | None = None
    note: str = Field(default="", max_length=500)
    car_stopped: bool = Field(
        default=False, description="停梯检修: opens a fault repair for the car by itself"
    )


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remark: str = Field(default="", max_length=500)


class CancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="撤销原因, e.g. 误报")


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
        description="Tickets this one carries as evidence (a violation clue's directive and its hazard)"
    )
    workflow_id: str
    run_id: str
    temporal_ui_url: str


class TicketDetailOut(TicketOut):
    timeline: list[TimelineEventOut]
    reports: list[ReportOut]
    spawned_tickets: list[str] = Field(
        description="Tickets opened from this one, e.g. the repair after a rescue"
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


class NotFixableBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan: str = Field(min_length=1, max_length=2000, description="书面维修方案; the car stays stopped")
    planned_fix_by: AwareDatetime = Field(description="When the repair will be done; becomes the deadline")


class FixBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fault_type: str = Field(min_length=1, max_length=40, description="故障类型 code, see GET /fault-types")
    handler_name: str = Field(min_length=1, max_length=100, description="处置人员")
    description: str = Field(default="", max_length=2000)


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


class FaultRepairCreate(BaseModel):
    """A fault to repair: from a monitoring alarm or reported by the use-management unit."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: str = Field(min_length=1, max_length=64)
    source: FaultSourceIn
    ref: str = Field(
        min_length=1,
        max_length=120,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The source's own id (alarm id, the unit's report number): a repeat opens nothing new",
    )
    fault_type: str = Field(default="other", max_length=40, description="故障类型 code, see GET /fault-types")
    description: str = Field(default="", max_length=2000)


class FaultRepairCreated(BaseModel):
    ticket_id: str
    state: str
    duplicate: bool


class MaintenanceRecordCreate(BaseModel):
    """A maintenance record (维保记录) as the maintenance unit submits it."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: str = Field(min_length=1, max_length=64)
    ref: str = Field(
        min_length=1,
        max_length=120,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The maintenance unit's record number",
    )
    level: Literal["half_month", "quarterly", "half_year", "annual"] = Field(
        description="TSG T5002 Art 6 level"
    )
    performed_at: AwareDatetime = Field(description="When the maintenance was done")
    handler_name: str = Field(min_length=1, max_length=100, description="维保人员")
    items: list[str] = Field(min_length=1, max_length=100, description="The items maintained")
    remarks: str = Field(default="", max_length=2000)


class MaintenanceRecordCreated(BaseModel):
    ticket_id: str
    state: str
    duplicate: bool


class ResubmitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[str] = Field(min_length=1, max_length=100)
    remarks: str = Field(default="", max_length=2000)


class WithdrawBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


HazardSeverityIn = Literal["serious", "general"]


class HazardCreate(BaseModel):
    """A hazard (隐患) as a maintenance unit or an inspection agency reports it."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: str = Field(min_length=1, max_length=64)
    ref: str = Field(
        min_length=1,
        max_length=120,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The reporter's own report number: a repeat opens nothing new",
    )
    hazard_type: str = Field(max_length=40, description="隐患类型 code, see GET /hazard-types")
    severity: HazardSeverityIn = Field(description="serious 重大隐患 | general 一般隐患")
    description: str = Field(default="", max_length=2000)


class HazardCreated(BaseModel):
    ticket_id: str
    state: str
    duplicate: bool


class RectificationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evidence: str = Field(
        min_length=1, max_length=4000, description="整改材料: what was done to remove the hazard"
    )


class VerifyPassBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remark: str = Field(default="", max_length=500)


class VerifyFailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="验证不通过的理由")
    # A directive's failed re-check sets a new date to correct by (required there); a hazard ignores it.
    rectify_by: date | None = Field(default=None, description="Directive: the new date to correct by")


class FeedbackCreate(BaseModel):
    """A passenger's rating or suggestion, from the elevator's QR page; no sign-in, no personal data."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: str = Field(min_length=1, max_length=64)
    feedback_type: Literal["evaluation", "suggestion"]
    rating: int | None = Field(default=None, ge=1, le=5, description="1-5 stars; for an evaluation")
    text: str = Field(min_length=1, max_length=1000)


class FeedbackCreated(BaseModel):
    ticket_id: str
    state: str
    duplicate: bool


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=2000, description="The use unit's answer to the passenger")
