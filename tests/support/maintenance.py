"""Helpers for the maintenance-record tests: who submits and confirms, and submitting a record."""

import uuid
from datetime import UTC, datetime, timedelta

from temporalio.client import Client, WorkflowHandle

from api.maintenance_record_service import NewRecord, submit_maintenance_record
from domain.maintenance_record import MaintenanceLevel, maintenance_schedule_workflow_id
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from workflows.maintenance_record import MaintenanceRecordWorkflow
from workflows.maintenance_record_schedule import MaintenanceScheduleWorkflow

MAINTAINER = Actor("u-maintainer-shenda", "黄工", "mu-shenda", Role.MAINTAINER)
OTHER_MANAGER = Actor("u-safety-xujiahui", "周经理", "uu-xujiahui", Role.SAFETY_MANAGER)
ITEMS = ["机房环境", "曳引机", "制动器", "轿门门锁", "层门门锁"]


def new_record(elevator: str, performed_at: datetime | None = None) -> NewRecord:
    return NewRecord(
        elevator_code=elevator,
        ref=uuid.uuid4().hex,
        submitter=MAINTAINER,
        level=MaintenanceLevel.HALF_MONTH,
        performed_at=performed_at or datetime.now(UTC) - timedelta(hours=1),
        handler_name="黄工",
        items=ITEMS,
        remarks="例行半月维保",
    )


async def submit(
    client: Client, settings: Settings, record: NewRecord
) -> WorkflowHandle[MaintenanceRecordWorkflow, str]:
    registered = await submit_maintenance_record(
        client, settings.temporal_task_queue, record, mail_grace_seconds=1
    )
    return client.get_workflow_handle_for(MaintenanceRecordWorkflow.run, registered.ticket_id)


async def end_schedule(client: Client, elevator: str) -> None:
    """The schedule runs for the elevator's life; a test ends it so no run outlives its worker."""
    handle = client.get_workflow_handle_for(
        MaintenanceScheduleWorkflow.run, maintenance_schedule_workflow_id(elevator)
    )
    await handle.terminate(reason="test finished")
