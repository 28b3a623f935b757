"""What a ticket tells the kinds that follow one of its moments, and what each of them opens then."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.roles import Actor

# The car stays stopped after the opener's work: it needs a repair of its own.
CAR_STOPPED = "car_stopped"


@dataclass(frozen=True)
class Opener:
    """What the opening ticket tells the kinds that follow its moment."""

    ticket_id: str
    elevator_code: str
    actor: Actor
    at: datetime
    mail_grace_seconds: float


@dataclass(frozen=True)
class FollowUp:
    """One ticket to open: its workflow's type name, id and input, and how the opener records it."""

    workflow: str
    ticket_id: str
    # The opened workflow's input, as JSON: the opener never imports the opened kind's models.
    arg: dict[str, Any]
    # The opener's detail that keeps the opened ticket's id: present, the ticket was already opened.
    detail: str
    event: str
    note: str


FollowUpBuilder = Callable[[Opener], FollowUp]
