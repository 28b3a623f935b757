"""Opening fault repairs: the only place the API starts the fault-repair workflow."""

from dataclasses import dataclass

from temporalio.client import Client

from api.workflow_calls import open_ticket
from domain.fault_repair import FaultSource, fault_repair_ticket_id
from domain.roles import Actor
from elevator_orders.clock import Clock, system_clock
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import FaultRepairInput, Registered


@dataclass(frozen=True)
class NewFault:
    elevator_code: str
    source: FaultSource
    ref: str
    reporter: Actor
    fault_type: str
    description: str


async def open_fault_repair(
    client: Client,
    task_queue: str,
    new: NewFault,
    *,
    mail_grace_seconds: float = 30.0,
    clock: Clock = system_clock,
) -> Registered:
    """Open the repair, or answer with the one this very report opened before."""
    ticket_id = fault_repair_ticket_id(new.elevator_code, new.source, new.ref)
    return await open_ticket(
        client,
        task_queue,
        FaultRepairWorkflow.run,
        FaultRepairInput(
            ticket_id=ticket_id,
            elevator_code=new.elevator_code,
            source=new.source,
            ref=new.ref,
            reporter=new.reporter,
            reported_at=clock(),
            fault_type=new.fault_type,
            description=new.description,
            mail_grace_seconds=mail_grace_seconds,
        ),
        ticket_id=ticket_id,
    )
