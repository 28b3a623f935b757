"""Opening hazard reports: the only place the API starts the hazard workflow."""

from dataclasses import dataclass
from datetime import UTC, datetime

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from api.workflow_calls import temporal_reachable
from domain.hazard import HazardSeverity, hazard_ticket_id
from domain.registry import OrganisationRef
from domain.roles import Actor
from workflows.hazard import HazardWorkflow
from workflows.hazard_models import HazardInput, Registered, RegisterInput


@dataclass(frozen=True)
class NewHazard:
    elevator_code: str
    ref: str
    reporter: Actor
    # The reporter's organisation, resolved by the caller from the registry.
    reporter_unit: OrganisationRef
    hazard_type: str
    severity: HazardSeverity
    description: str


async def open_hazard(
    client: Client, task_queue: str, new: NewHazard, *, mail_grace_seconds: float = 30.0
) -> Registered:
    """Open the hazard, or answer with the one this very report opened before."""
    ticket_id = hazard_ticket_id(new.elevator_code, new.reporter.organisation_id, new.ref)
    start = WithStartWorkflowOperation(
        HazardWorkflow.run,
        HazardInput(
            ticket_id=ticket_id,
            elevator_code=new.elevator_code,
            ref=new.ref,
            reporter=new.reporter,
            reporter_unit=new.reporter_unit,
            reported_at=datetime.now(UTC),
            hazard_type=new.hazard_type,
            severity=new.severity,
            description=new.description,
            mail_grace_seconds=mail_grace_seconds,
        ),
        id=ticket_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A finished hazard keeps its id: a late repeat of its report is answered from the store.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    async with temporal_reachable():
        registered: Registered = await client.execute_update_with_start_workflow(
            HazardWorkflow.register, RegisterInput(ticket_id=ticket_id), start_workflow_operation=start
        )
    return registered
