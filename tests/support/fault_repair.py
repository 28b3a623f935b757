"""Helpers shared by the fault-repair tests: actors of the demo registry, opening and finishing repairs."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from api.fault_repair_service import NewFault, open_fault_repair
from domain.fault_repair import FaultSource, fault_repair_ticket_id
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine
from store.models import Ticket
from store.tickets import TicketRepository
from tests.support.rescue import JINGAN_SAFETY_MANAGER, MONITORING, SAFETY_MANAGER
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import FaultRepairOutcome, FixInput, ReasonInput, StepInput

__all__ = [
    "ELEVATOR",
    "JINGAN_SAFETY_MANAGER",
    "MAINTAINER",
    "MONITORING",
    "OTHER_MAINTAINER",
    "REGULATOR",
    "SAFETY_MANAGER",
    "RepairHandle",
    "Repairs",
    "cancel",
    "close",
    "fix_input",
    "new_fault",
    "open_repair",
    "stored",
    "update_error",
]

ELEVATOR = "31011500001"
# mu-shenda maintains the Pudong elevators; mu-pujiang the Xuhui and Jing'an ones.
MAINTAINER = Actor("u-maintainer-shenda", "黄工", "mu-shenda", Role.MAINTAINER)
OTHER_MAINTAINER = Actor("u-maintainer-pujiang", "林工", "mu-pujiang", Role.MAINTAINER)
REGULATOR = Actor("u-regulator-pudong", "孙科长", "reg-pudong", Role.REGULATOR)

RepairHandle = WorkflowHandle[FaultRepairWorkflow, FaultRepairOutcome]

# The steps still to take from each open state to a closed repair.
_TO_CLOSED: dict[str, tuple[str, ...]] = {
    "reported": ("accept", "arrive", "fix", "confirm"),
    "accepted": ("arrive", "fix", "confirm"),
    "on_site": ("fix", "confirm"),
    "not_fixable_yet": ("fix", "confirm"),
    "fixed": ("confirm",),
}


def new_fault(
    ref: str | None = None,
    *,
    elevator: str = ELEVATOR,
    source: FaultSource = FaultSource.ALARM,
    reporter: Actor = MONITORING,
    fault_type: str = "door_open_fault",
    description: str = "开门故障报警",
) -> NewFault:
    return NewFault(
        elevator_code=elevator,
        source=source,
        ref=ref or uuid.uuid4().hex,
        reporter=reporter,
        fault_type=fault_type,
        description=description,
    )


def fix_input(
    actor: Actor = MAINTAINER, fault_type: str = "door_close_fault", handler_name: str = "黄工"
) -> FixInput:
    return FixInput(actor=actor, fault_type=fault_type, handler_name=handler_name, description="更换门机皮带")


async def open_repair(
    client: Client, settings: Settings, fault: NewFault | None = None
) -> tuple[str, RepairHandle]:
    """Open a repair, wait until it is in the read model; its ticket id and the handle of its run."""
    registered = await open_fault_repair(
        client, settings.temporal_task_queue, fault or new_fault(), mail_grace_seconds=1
    )
    ticket = await stored(settings.effective_database_url, registered.ticket_id)
    handle = client.get_workflow_handle_for(FaultRepairWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
    return registered.ticket_id, handle


class Repairs:
    """The repairs a test opens; a failing test's leftovers are terminated at teardown by `end_unfinished`.

    A run left waiting on the shared time-skipping server would hold its clock for every later test.
    """

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._handles: list[RepairHandle] = []

    async def open(self, fault: NewFault | None = None) -> tuple[str, RepairHandle]:
        fault = fault or new_fault()
        self.track(fault)
        return await open_repair(self.client, self.settings, fault)

    def track(self, fault: NewFault) -> str:
        """Look after the repair `fault` opens (when opened some other way); its ticket id."""
        ticket_id = fault_repair_ticket_id(fault.elevator_code, fault.source, fault.ref)
        self._handles.append(self.client.get_workflow_handle_for(FaultRepairWorkflow.run, ticket_id))
        return ticket_id

    async def end_unfinished(self) -> None:
        for handle in self._handles:
            with contextlib.suppress(RPCError):
                if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
                    await handle.terminate(reason="left open by a failed test")


async def stored(database_url: str, ticket_id: str, within_seconds: float = 15.0) -> Ticket:
    """The ticket once it is in the read model (polling; it may lag behind a just-opened repair)."""
    deadline = time.monotonic() + within_seconds
    engine = make_engine(database_url)
    try:
        tickets = TicketRepository(Database(engine))
        while (ticket := await tickets.get(ticket_id)) is None:
            assert time.monotonic() < deadline, f"ticket {ticket_id} never reached the read model"
            await asyncio.sleep(0.05)
        return ticket
    finally:
        await engine.dispose()


async def close(handle: RepairHandle, state: str) -> FaultRepairOutcome:
    """Take the repair from `state` to closed and wait until its run has finished."""
    for step in _TO_CLOSED[state]:
        if step == "accept":
            await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        elif step == "arrive":
            await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        elif step == "fix":
            await handle.execute_update(FaultRepairWorkflow.fix, fix_input())
        else:
            await handle.execute_update(FaultRepairWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
    outcome = await handle.result()
    assert outcome.state == "closed"
    return outcome


async def cancel(handle: RepairHandle) -> FaultRepairOutcome:
    """The use unit withdraws the repair (reported or accepted only); wait until its run has finished."""
    await handle.execute_update(
        FaultRepairWorkflow.cancel, ReasonInput(actor=SAFETY_MANAGER, reason="测试结束")
    )
    outcome = await handle.result()
    assert outcome.state == "cancelled"
    return outcome


def update_error(failure: pytest.ExceptionInfo[WorkflowUpdateFailedError], type: str) -> ApplicationError:
    """The ApplicationError behind a rejected Update, checked to be of `type`."""
    cause: Any = failure.value.cause
    assert isinstance(cause, ApplicationError), repr(cause)
    assert cause.type == type, f"{cause.type}: {cause.message}"
    return cause
