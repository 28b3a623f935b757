"""Inputs and results of the supervisory-directive workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.correction import Addressee
from domain.roles import Actor
from workflows.step_models import ExtendInput, ReasonInput, Registered, RegisterInput, StepInput, StepResult


@dataclass
class DirectiveInput:
    ticket_id: str
    elevator_code: str
    # The request's own id (Idempotency-Key, or a fresh one): with the elevator it names the directive.
    ref: str
    # The district regulator's officer who issues it; the API checks the district.
    issuer: Actor
    addressee: Addressee
    # 存在的问题, 违反的条款, 依据: as the directive states them.
    problems: str
    article_violated: str
    legal_basis: str
    # 于X年X月X日前改正: the deadline is the end of this day, China time.
    rectify_by: date
    issued_at: datetime
    # The escalated ticket it was issued from, if any; every ticket it carries as evidence.
    from_ticket_id: str | None = None
    linked_tickets: list[str] = field(default_factory=list)
    mail_grace_seconds: float = 30.0


@dataclass
class SignInput:
    actor: Actor
    note: str = ""


@dataclass
class RefusalInput:
    """The regulator records that the unit refused to sign (拒绝签收); the directive is served anyway."""

    actor: Actor
    note: str


@dataclass
class RectificationReportInput:
    actor: Actor
    # 整改报告: what the unit did, as the regulator will re-check it.
    evidence: str


@dataclass
class RecheckFailedInput:
    actor: Actor
    reason: str
    # The new date to correct by; required, though optional in the type so a missing one names its field.
    rectify_by: date | None = None


@dataclass
class DirectiveOutcome:
    ticket_id: str
    state: str
    flags: list[str]


# The activity that gives a directive its 文号.
ALLOCATE_DOCUMENT_NUMBER = "allocate_document_number"


@dataclass
class AllocateDocumentNumberInput:
    """Number the directive: the issuing authority's next serial of the year of issue, or the one it has."""

    ticket_id: str
    authority_id: str
    # The year in the 文号 (China time), decided by the workflow from its own record of the issue.
    year: int
    issued_at: datetime


@dataclass
class DocumentNumberOut:
    serial: int
    number: str


# Directives answer like every stepped kind.
DirectiveResult = StepResult

__all__ = [
    "ALLOCATE_DOCUMENT_NUMBER",
    "AllocateDocumentNumberInput",
    "DirectiveInput",
    "DirectiveOutcome",
    "DirectiveResult",
    "DocumentNumberOut",
    "ExtendInput",
    "ReasonInput",
    "RecheckFailedInput",
    "RectificationReportInput",
    "RefusalInput",
    "RegisterInput",
    "Registered",
    "SignInput",
    "StepInput",
]
