"""Receiving reports (举报): the only place the API starts the report workflow."""

from dataclasses import dataclass

from temporalio.client import Client

from api.deps import AppResources
from api.open311_models import (
    FilingRefused,
    Open311Attribute,
    Open311Filed,
    Open311Filing,
    Open311Service,
    Open311Value,
)
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


OPEN311 = Open311Service(
    service_code="elevator_violation_report",
    service_name="电梯违法行为举报",
    description="举报电梯使用管理单位或维保单位的违法行为；可以匿名。区市场监管局核查。",
    keywords=("举报", "违法", "电梯"),
    attributes=(
        Open311Attribute(
            code="suspect",
            description="被举报的单位",
            datatype="singlevaluelist",
            required=True,
            values=tuple(Open311Value(party.value, party.label_zh) for party in SuspectParty),
        ),
    ),
)


async def file_from_open311(resources: AppResources, filing: Open311Filing) -> Open311Filed:
    """A report filed through another system (Open311): anonymous unless a name and phone come with it."""
    try:
        suspect = SuspectParty(filing.attributes.get("suspect", ""))
    except ValueError as error:
        raise FilingRefused("attribute[suspect] must be use_unit or maintenance_unit") from error
    if not filing.description.strip():
        raise FilingRefused("description is required")
    name, phone = filing.name.strip(), filing.phone.strip()
    reporter = ReporterContact(name=name[:50], phone=phone) if name and phone else None
    receipt = await receive_report(
        resources.temporal,
        resources.settings.temporal_task_queue,
        elevator_code=filing.elevator_code,
        ref=filing.ref,
        text=filing.description.strip()[:2000],
        suspect=suspect,
        reporter=reporter,
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    return Open311Filed(
        ticket_id=receipt.ticket_id, token=receipt.tracking_token, notice="区市场监管局将核查并答复"
    )
