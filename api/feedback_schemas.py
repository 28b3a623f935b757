"""Bodies of passenger feedback (乘客评价建议): a rating or suggestion, and the use unit's answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import ElevatorCodeIn, TicketCreated


class FeedbackCreate(BaseModel):
    """A passenger's rating or suggestion, from the elevator's QR page; no sign-in, no personal data."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: ElevatorCodeIn
    feedback_type: Literal["evaluation", "suggestion"]
    rating: int | None = Field(default=None, ge=1, le=5, description="1-5 stars; for an evaluation")
    text: str = Field(min_length=1, max_length=1000)


class FeedbackCreated(TicketCreated):
    pass


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=2000, description="The use unit's answer to the passenger")


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "answer": AnswerBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "answer": "Passenger feedback: the use unit answers the passenger's evaluation or suggestion.",
}
