"""Bodies of the public tracking page: a ticket followed with a token, naming no one."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TrackingStepOut(BaseModel):
    at: datetime
    action: str
    action_label: str
    state: str
    state_label: str
    note: str = Field(description="The regulator's reasons; empty for other steps")


class TrackingOut(BaseModel):
    ticket_id: str
    number: str | None = Field(default=None, description="工单编号, the number people quote about the ticket")
    kind: str
    kind_label: str
    state: str
    state_label: str
    opened_at: datetime
    due_at: datetime | None = Field(description="The deadline of the step the ticket waits on now")
    closed_at: datetime | None
    public_actions: list[str] = Field(description="What the token's holder may do now, e.g. evaluate")
    timeline: list[TrackingStepOut]


class EvaluateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    satisfied: bool = Field(description="满意 / 不满意")
    rating: int = Field(ge=1, le=5, description="1-5 stars")
    text: str = Field(default="", max_length=500)
