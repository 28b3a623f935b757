"""Opening fault repairs: the only place the API starts the fault-repair workflow."""

from dataclasses import dataclass

from temporalio.client import Client

from api.deps import AppResources
from api.workflow_calls import open_ticket
from domain.alarms import MachineAlarm, Opening
from domain.fault_repair import SPEC, FaultSource, fault_repair_ticket_id
from domain.roles import Actor
from elevator_orders.clock import Clock, system_clock
from store.ticket_filters import TicketFilter
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import FaultRepairInput, Registered

# Repairs open on one car at once: a handful at most.
_OPEN_REPAIRS_SCAN = 50


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


async def open_from_alarm(resources: AppResources, alarm: MachineAlarm, platform: Actor) -> Opening:
    """A fault alarm: it joins a repair of the same fault open on the car, or opens one."""
    fault_type = alarm.code.fault_type or "other"
    # This very alarm opened a repair before (perhaps closed since): it names that one.
    known = await resources.tickets.get(
        fault_repair_ticket_id(alarm.elevator_code, FaultSource.ALARM, alarm.ref)
    )
    if known is not None:
        return Opening(ticket_id=known.ticket_id, joined=True)
    open_repairs = await resources.tickets.list(
        TicketFilter(kind=SPEC.kind.value, elevator_code=alarm.elevator_code, open_only=True),
        limit=_OPEN_REPAIRS_SCAN,
        offset=0,
    )
    for repair in open_repairs.items:
        if repair.details.get("fault_type") == fault_type:
            return Opening(ticket_id=repair.ticket_id, joined=True)
    registered = await open_fault_repair(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewFault(
            elevator_code=alarm.elevator_code,
            source=FaultSource.ALARM,
            ref=alarm.ref,
            reporter=platform,
            fault_type=fault_type,
            description=alarm.description_zh,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    # A repeat of this very alarm names the repair it opened.
    return Opening(ticket_id=registered.ticket_id, joined=registered.duplicate)
