"""Bodies of the entrapment rescue (困人救援): a report, and the release of the people in the car."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.rescue import ReportSource


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


class ReleaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    people_freed: int = Field(ge=0, le=100, description="解困人数")
    handler_name: str = Field(min_length=1, max_length=100, description="处置人员")
    released_at: AwareDatetime | None = None
    note: str = Field(default="", max_length=500)
    car_stopped: bool = Field(
        default=False, description="停梯检修: opens a fault repair for the car by itself"
    )


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "release": ReleaseBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "release": "Rescue: the trapped people are freed (解困), how many, and who freed them (处置人员).",
    # Fault repairs are called off too, by their use unit: one route, described here.
    "cancel": "Call off a ticket opened by mistake (rescue: the dispatcher; fault repair: the use unit).",
}
