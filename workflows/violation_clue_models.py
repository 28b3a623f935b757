"""Inputs of the violation-clue workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.registry import OrganisationRef
from domain.roles import Actor


@dataclass
class ViolationClueInput:
    ticket_id: str
    elevator_code: str
    # The ticket that raised the clue, and why (a policy key such as a late arrival's, or "report").
    source_ticket_id: str
    reason: str
    summary: str
    suspect_unit: OrganisationRef
    raised_at: datetime
    linked_tickets: list[str] = field(default_factory=list)
    # A report's verification already decided on 立案: the clue starts as an open case.
    case_opened: bool = False
    mail_grace_seconds: float = 30.0


@dataclass
class OpenCaseInput:
    actor: Actor
    note: str = ""


@dataclass
class PenaltyInput:
    """行政处罚信息 as the decision states it."""

    actor: Actor
    decision_number: str
    legal_basis: str
    amount_yuan: Decimal
    note: str = ""
