"""Bodies of alarm intake: a batch of a monitoring platform's alarms, and what each did."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from domain.alarms import MAX_BATCH, Outcome, ServiceMode

# A platform's own ids: printable, and short enough to key the alarm log.
ALARM_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"


class RunningStateIn(BaseModel):
    """The car as the device saw it when it raised the alarm; every part optional."""

    model_config = ConfigDict(extra="ignore")

    direction: str | None = Field(default=None, max_length=10, description="up, down or stopped")
    floor: int | None = Field(default=None, ge=-10, le=300)
    door_open: bool | None = None
    people_inside: bool | None = Field(default=None, description="有人: someone is in the car")
    mode: ServiceMode | None = Field(default=None, description="检修/维保/消防...: what the car is doing")


class AlarmIn(BaseModel):
    """One alarm as a remote-monitoring platform sends it."""

    model_config = ConfigDict(extra="forbid")

    alarm_id: str = Field(pattern=ALARM_ID_PATTERN, description="The platform's own id of the alarm")
    elevator_code: str = Field(min_length=1, max_length=64)
    event_code: str = Field(min_length=1, max_length=32, description="The platform's event code")
    occurred_at: AwareDatetime
    running_state: RunningStateIn | None = None


# An item that is no AlarmIn stays as sent: it is refused on its own, with its field named, never the batch.
BatchItem = Annotated[AlarmIn | JsonValue, Field(union_mode="left_to_right")]


class AlarmBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH)


class AlarmAnswer(BaseModel):
    """What one alarm of the batch did, at the batch's position."""

    index: int
    alarm_id: str | None
    outcome: Outcome
    ticket_id: str | None = None
    # True when this alarm (the platform's id) was received before: the answer is the first one's.
    duplicate: bool = False
    # Why it was refused, or why it did only what it did.
    reason: str = ""


class AlarmBatchOut(BaseModel):
    answers: list[AlarmAnswer]
    # Counts by outcome, for the platform's own log.
    counts: dict[str, int]


class UnknownCodeOut(BaseModel):
    event_code: str
    alarms: int
    last_at: datetime


class UnknownCodesOut(BaseModel):
    """The event codes a platform sent that its mapping does not know: kept, never dropped."""

    platform_id: str
    mapping: str
    codes: list[UnknownCodeOut]


class HeartbeatIn(BaseModel):
    """A device saying it is alive (心跳): the car it watches, and when."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: str = Field(min_length=1, max_length=64)
    at: AwareDatetime


class HeartbeatBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[HeartbeatIn] = Field(min_length=1, max_length=MAX_BATCH)


class HeartbeatsOut(BaseModel):
    accepted: int
    # Cars not registered here: their heartbeats are not kept.
    unregistered: list[str]
