"""Submitting maintenance records: the only place the API starts the maintenance-record workflow."""

from dataclasses import dataclass
from datetime import datetime

from temporalio.client import Client

from api.workflow_calls import open_ticket
from domain.maintenance_record import MaintenanceLevel, maintenance_record_ticket_id
from domain.roles import Actor
from workflows.maintenance_record import MaintenanceRecordWorkflow
from workflows.maintenance_record_models import MaintenanceRecordInput
from workflows.step_models import Registered


@dataclass(frozen=True)
class NewRecord:
    elevator_code: str
    ref: str
    submitter: Actor
    level: MaintenanceLevel
    performed_at: datetime
    handler_name: str
    items: list[str]
    remarks: str


async def submit_maintenance_record(
    client: Client, task_queue: str, new: NewRecord, *, mail_grace_seconds: float = 30.0
) -> Registered:
    """Submit the record, or answer with the one this very record number opened before."""
    ticket_id = maintenance_record_ticket_id(new.elevator_code, new.ref)
    return await open_ticket(
        client,
        task_queue,
        MaintenanceRecordWorkflow.run,
        MaintenanceRecordInput(
            ticket_id=ticket_id,
            elevator_code=new.elevator_code,
            ref=new.ref,
            submitter=new.submitter,
            level=new.level,
            performed_at=new.performed_at,
            handler_name=new.handler_name,
            items=new.items,
            remarks=new.remarks,
            mail_grace_seconds=mail_grace_seconds,
        ),
        ticket_id=ticket_id,
    )
