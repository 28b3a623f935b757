"""Opening fault repairs: the only place the API starts the fault-repair workflow."""

from dataclasses import dataclass
from datetime import UTC, datetime

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from api.workflow_calls import temporal_reachable
from domain.fault_repair import FaultSource, fault_repair_ticket_id
from domain.roles import Actor
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import FaultRepairInput, Registered, RegisterInput


@dataclass(frozen=True)
class NewFault:
    elevator_code: str
    source: FaultSource
    ref: str
    reporter: Actor
    fault_type: str
    description: str


async def open_fault_repair(
    client: Client, task_queue: str, new: NewFault, *, mail_grace_seconds: float = 30.0
) -> Registered:
    """Open the repair, or answer with the one this very report opened before."""
    ticket_id = fault_repair_ticket_id(new.elevator_code, new.source, new.ref)
    start = WithStartWorkflowOperation(
        FaultRepairWorkflow.run,
        FaultRepairInput(
            ticket_id=ticket_id,
            elevator_code=new.elevator_code,
            source=new.source,
            ref=new.ref,
            reporter=new.reporter,
            reported_at=datetime.now(UTC),
            fault_type=new.fault_type,
            description=new.description,
            mail_grace_seconds=mail_grace_seconds,
        ),
        id=ticket_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A finished repair keeps its id: a late repeat of its report is answered from the store.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    async with temporal_reachable():
        registered: Registered = await client.execute_update_with_start_workflow(
            FaultRepairWorkflow.register, RegisterInput(ticket_id=ticket_id), start_workflow_operation=start
        )
    return registered
