"""Receiving reports (举报): the only place the API starts the report workflow."""

from dataclasses import dataclass

from temporalio.client import Client

from api.tracking_tokens import new_tracking_token
from api.workflow_calls import open_ticket
from domain.report import SuspectParty, report_ticket_id
from elevator_orders.clock import Clock, system_clock
from workflows.report import ReportWorkflow
from workflows.report_models import ReporterContact, ReportInput


@dataclass(frozen=True)
class ReportReceipt:
    ticket_id: str
    state: str
    duplicate: bool
    # The token the reporter follows the report with; None when this submission had opened it before.
    tracking_token: str | None


async def receive_report(
    client: Client,
    task_queue: str,
    *,
    elevator_code: str,
    ref: str,
    text: str,
    suspect: SuspectParty,
    reporter: ReporterContact | None,
    mail_grace_seconds: float = 30.0,
    filed_with: str | None = None,
    clock: Clock = system_clock,
) -> ReportReceipt:
    ticket_id = report_ticket_id(elevator_code, ref)
    # The reporter follows the report with the token; the ticket keeps only its digest.
    token, digest = new_tracking_token()
    registered = await open_ticket(
        client,
        task_queue,
        ReportWorkflow.run,
        ReportInput(
            ticket_id=ticket_id,
            elevator_code=elevator_code,
            ref=ref,
            text=text,
            suspect=suspect,
            received_at=clock(),
            reporter=reporter,
            tracking_digest=digest,
            mail_grace_seconds=mail_grace_seconds,
            spawned_from=filed_with,
        ),
        ticket_id=ticket_id,
    )
    return ReportReceipt(
        ticket_id=registered.ticket_id,
        state=registered.state,
        duplicate=registered.duplicate,
        # A repeat reaches the ticket the first submission opened, with that submission's token.
        tracking_token=None if registered.duplicate else token,
    )
