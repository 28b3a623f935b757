"""Inputs of the passenger-feedback workflow and its Updates."""

from dataclasses import dataclass
from datetime import datetime

from domain.feedback import FeedbackType
from domain.roles import Actor


@dataclass
class FeedbackInput:
    ticket_id: str
    elevator_code: str
    ref: str
    feedback_type: FeedbackType
    text: str
    received_at: datetime
    # 1 to 5 stars for an evaluation; None for a suggestion.
    rating: int | None = None
    mail_grace_seconds: float = 30.0


@dataclass
class AnswerInput:
    actor: Actor
    answer: str
