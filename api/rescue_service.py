"""Opening rescues and acting on them: the only place the API talks to the rescue workflow."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import TypedSearchAttributes, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import AppResources
from api.workflow_calls import temporal_reachable
from domain.alarms import MachineAlarm, Opening
from domain.kinds import TicketKind
from domain.rescue import ReportSource, rescue_ticket_id, rescue_workflow_id
from domain.roles import Actor
from elevator_orders.clock import Clock, system_clock
from workflows.patches import start_memo
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import EntrapmentReport, ReportReceipt, RescueInput
from workflows.search_attributes import opening_search_attributes

# A rescue that has just closed releases its elevator's workflow id within moments.
_CLOSING_RETRIES = 20
_CLOSING_BACKOFF_SECONDS = 0.1


@dataclass(frozen=True)
class NewReport:
    elevator_code: str
    source: ReportSource
    ref: str
    reporter: Actor
    alarm_at: datetime | None
    alarm_type: str
    description: str
    callback_phone: str | None
    # The elevator's district when the caller has read it (checking the code is registered): a new
    # rescue is then found by its district in the Web UI from its start.
    district: str | None = None


async def open_rescue(
    client: Client,
    task_queue: str,
    new: NewReport,
    *,
    mail_grace_seconds: float = 30.0,
    clock: Clock = system_clock,
) -> ReportReceipt:
    """Open a rescue on the elevator, or join the one already open there; never two at once."""
    report = EntrapmentReport(
        elevator_code=new.elevator_code,
        source=new.source,
        ref=new.ref,
        reporter=new.reporter,
        received_at=clock(),
        alarm_at=new.alarm_at,
        alarm_type=new.alarm_type,
        description=new.description,
        callback_phone=new.callback_phone,
    )
    ticket_id = rescue_ticket_id(new.elevator_code, new.source, new.ref)
    search_attributes: TypedSearchAttributes | None = opening_search_attributes(
        TicketKind.RESCUE.value, new.elevator_code, new.district
    )
    for attempt in range(_CLOSING_RETRIES):
        start = WithStartWorkflowOperation(
            RescueWorkflow.run,
            RescueInput(ticket_id=ticket_id, report=report, mail_grace_seconds=mail_grace_seconds),
            id=rescue_workflow_id(new.elevator_code),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            memo=start_memo(),
            search_attributes=search_attributes,
        )
        try:
            async with temporal_reachable():
                receipt: ReportReceipt = await client.execute_update_with_start_workflow(
                    RescueWorkflow.report_entrapment, report, start_workflow_operation=start
                )
            return receipt
        except RPCError as error:
            if search_attributes is None or not _lacks_search_attributes(error):
                raise
            # A namespace no worker has registered them in yet (they are added as a worker starts): the
            # rescue opens without them, and its run sets them once a worker has registered them.
            search_attributes = None
            continue
        except WorkflowUpdateFailedError as error:
            closing = isinstance(error.cause, ApplicationError) and error.cause.type == "TicketClosing"
            if not closing or attempt == _CLOSING_RETRIES - 1:
                raise
        await asyncio.sleep(_CLOSING_BACKOFF_SECONDS * (attempt + 1))
    raise AssertionError("unreachable")


def _lacks_search_attributes(error: RPCError) -> bool:
    return error.status is RPCStatusCode.INVALID_ARGUMENT and "search attribute" in error.message


async def open_from_alarm(resources: AppResources, alarm: MachineAlarm, platform: Actor) -> Opening:
    """An entrapment alarm from a monitoring platform: it opens the car's rescue, or joins the open one."""
    # One indexed read, so that a rescue the alarm opens is found by its district from its start.
    district = await resources.registry.district_of(alarm.elevator_code)
    receipt = await open_rescue(
        resources.temporal,
        resources.settings.temporal_task_queue,
        NewReport(
            elevator_code=alarm.elevator_code,
            source=ReportSource.ALARM,
            ref=alarm.ref,
            reporter=platform,
            alarm_at=alarm.occurred_at,
            alarm_type=alarm.code.name_zh,
            description=alarm.description_zh,
            callback_phone=None,
            district=district,
        ),
        mail_grace_seconds=resources.settings.mail_grace_seconds,
        clock=resources.clock,
    )
    return Opening(ticket_id=receipt.ticket_id, joined=receipt.joined_existing)
