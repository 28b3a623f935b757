"""Inputs of the complaint workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass
from datetime import datetime

from domain.roles import Actor
from workflows.step_models import ExtendInput, ReasonInput, Registered, RegisterInput, StepInput, StepResult


@dataclass
class ComplaintInput:
    ticket_id: str
    elevator_code: str
    # The submission's own id (its Idempotency-Key, or a fresh one): with the elevator it names the ticket.
    ref: str
    # What happened (投诉内容) and what the complainant asks for (诉求).
    complaint: str
    request: str
    # Personal data, required by SAMR rules (real-name complaints): kept apart from the ticket, never projected.
    complainant_name: str
    complainant_phone: str
    # SHA-256 (hex) of the tracking token the complainant follows the ticket with.
    tracking_digest: str
    received_at: datetime
    mail_grace_seconds: float = 30.0


@dataclass
class ResultInput:
    actor: Actor
    # Whether mediation reached an agreement (达成调解协议); always False once mediation ran out.
    agreed: bool
    result: str


@dataclass
class ReferViolationInput:
    actor: Actor
    # What the violation is, as the regulator who verifies the clue reads it (Chinese).
    summary: str
    # "use_unit" or "maintenance_unit": the organisation the clue is against.
    suspect: str


@dataclass
class EvaluateInput:
    """The complainant's evaluation of the result, proven by the digest of their tracking token."""

    tracking_digest: str
    satisfied: bool
    # 1 to 5 stars.
    rating: int
    text: str = ""


@dataclass
class ComplaintOutcome:
    ticket_id: str
    state: str
    flags: list[str]


__all__ = [
    "ComplaintInput",
    "ComplaintOutcome",
    "EvaluateInput",
    "ExtendInput",
    "ReasonInput",
    "ReferViolationInput",
    "RegisterInput",
    "Registered",
    "ResultInput",
    "StepInput",
    "StepResult",
]
