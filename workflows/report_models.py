"""Inputs of the report workflow and its Updates: one dataclass per call."""

from dataclasses import dataclass
from datetime import datetime

from domain.report import SuspectParty
from domain.roles import Actor


@dataclass
class ReporterContact:
    """A real-name reporter (举报人): personal data, kept by an activity apart from the ticket."""

    name: str
    phone: str


@dataclass
class ReportInput:
    ticket_id: str
    elevator_code: str
    ref: str
    text: str
    suspect: SuspectParty
    received_at: datetime
    # None for an anonymous report.
    reporter: ReporterContact | None = None
    # SHA-256 (hex) of the token the reporter follows the report with; the token itself never reaches here.
    tracking_digest: str | None = None
    mail_grace_seconds: float = 30.0
    # The 投诉 filed together with this report: a combined filing runs as two tracks (Order 20 Art 7).
    spawned_from: str | None = None


@dataclass
class InformInput:
    actor: Actor
    # How and what the reporter was told, e.g. "电话告知已立案查处".
    note: str
