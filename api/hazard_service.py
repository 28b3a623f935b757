"""Opening hazard reports: the only place the API starts the hazard workflow."""

from dataclasses import dataclass

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from api.deps import AppResources
from api.workflow_calls import open_ticket, temporal_reachable
from domain.hazard import HazardSeverity, hazard_ticket_id
from domain.registry import OrganisationRef
from domain.roles import Actor
from elevator_orders.clock import Clock, system_clock
from workflows.hazard import HazardWorkflow
from workflows.hazard_models import HazardInput, Registered
from workflows.hazard_monitoring import MonitoringWatchWorkflow, WatchInput, monitoring_watch_id


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
    client: Client,
    task_queue: str,
    new: NewHazard,
    *,
    mail_grace_seconds: float = 30.0,
    clock: Clock = system_clock,
) -> Registered:
    """Open the hazard, or answer with the one this very report opened before."""
    ticket_id = hazard_ticket_id(new.elevator_code, new.reporter.organisation_id, new.ref)
    return await open_ticket(
        client,
        task_queue,
        HazardWorkflow.run,
        HazardInput(
            ticket_id=ticket_id,
            elevator_code=new.elevator_code,
            ref=new.ref,
            reporter=new.reporter,
            reporter_unit=new.reporter_unit,
            reported_at=clock(),
            hazard_type=new.hazard_type,
            severity=new.severity,
            description=new.description,
            mail_grace_seconds=mail_grace_seconds,
        ),
        ticket_id=ticket_id,
    )


async def watch_devices(resources: AppResources) -> None:
    """Make sure the watch over monitoring devices runs: devices are being heard from."""
    async with temporal_reachable():
        await resources.temporal.start_workflow(
            MonitoringWatchWorkflow.run,
            WatchInput(interval_seconds=resources.settings.monitoring_sweep_seconds),
            id=monitoring_watch_id(resources.settings.temporal_task_queue),
            task_queue=resources.settings.temporal_task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
