"""Inputs and results shared by every stepped ticket kind: register, act, extend, pause, answer."""

from dataclasses import dataclass, field
from datetime import datetime

from domain.roles import Actor


@dataclass
class RegisterInput:
    """Sent with the start, so the caller's answer waits until the ticket is dispatched and stored."""

    ticket_id: str


@dataclass
class Registered:
    ticket_id: str
    state: str
    # True when this very report had opened the ticket before.
    duplicate: bool


@dataclass
class StepInput:
    actor: Actor
    note: str = ""


@dataclass
class ReasonInput:
    actor: Actor
    reason: str


@dataclass
class ExtendInput:
    actor: Actor
    due_at: datetime
    reason: str


@dataclass
class StepResult:
    """What an action on a stepped ticket answers: where the ticket is now and what it takes next."""

    ticket_id: str
    state: str
    allowed_actions: list[str] = field(default_factory=list)
