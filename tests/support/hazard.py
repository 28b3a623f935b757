"""Helpers shared by the hazard tests: actors of the demo registry, opening and finishing hazards."""

from __future__ import annotations

import contextlib
import uuid

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError

from api.hazard_service import NewHazard, open_hazard
from domain.hazard import HazardSeverity, hazard_ticket_id
from domain.registry import OrganisationRef
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from tests.support.fault_repair import MAINTAINER, OTHER_MAINTAINER, REGULATOR, stored, update_error
from tests.support.rescue import SAFETY_MANAGER
from workflows.hazard import HazardWorkflow
from workflows.hazard_models import HazardOutcome, ReasonInput, RectificationInput, StepInput

__all__ = [
    "ELEVATOR",
    "INSPECTION_AGENCY",
    "INSPECTION_MAIL",
    "INSPECTOR",
    "MAINTAINER",
    "OTHER_MAINTAINER",
    "REGULATOR",
    "SAFETY_MANAGER",
    "SHENDA",
    "XUHUI_SAFETY_MANAGER",
    "HazardHandle",
    "Hazards",
    "close",
    "new_hazard",
    "open_hazard_ticket",
    "rectification",
    "update_error",
    "withdraw",
]

# A Pudong elevator: used by uu-lujiazui, maintained by mu-shenda.
ELEVATOR = "31011500001"
INSPECTOR = Actor("u-inspector", "徐检验师", "insp-sh", Role.INSPECTOR)
XUHUI_SAFETY_MANAGER = Actor("u-safety-xujiahui", "周经理", "uu-xujiahui", Role.SAFETY_MANAGER)
SHENDA = OrganisationRef("mu-shenda", "上海申达电梯维保有限公司", "mu-shenda@demo.elevator-orders.example")
INSPECTION_AGENCY = OrganisationRef(
    "insp-sh", "上海市特种设备监督检验技术研究院", "insp-sh@demo.elevator-orders.example"
)
INSPECTION_MAIL = INSPECTION_AGENCY.email

HazardHandle = WorkflowHandle[HazardWorkflow, HazardOutcome]

# The reporter's organisation, by reporter: the API resolves it from the registry.
_UNITS = {MAINTAINER.user_id: SHENDA, INSPECTOR.user_id: INSPECTION_AGENCY}


def new_hazard(
    ref: str | None = None,
    *,
    elevator: str = ELEVATOR,
    reporter: Actor = MAINTAINER,
    hazard_type: str = "brake_abnormal",
    severity: HazardSeverity = HazardSeverity.SERIOUS,
    description: str = "制动器闸瓦磨损超限",
) -> NewHazard:
    return NewHazard(
        elevator_code=elevator,
        ref=ref or f"YH-{uuid.uuid4().hex}",
        reporter=reporter,
        reporter_unit=_UNITS[reporter.user_id],
        hazard_type=hazard_type,
        severity=severity,
        description=description,
    )


def rectification(
    actor: Actor = SAFETY_MANAGER, evidence: str = "已更换制动器闸瓦并调整间隙"
) -> RectificationInput:
    return RectificationInput(actor=actor, evidence=evidence)


async def open_hazard_ticket(
    client: Client, settings: Settings, hazard: NewHazard | None = None
) -> tuple[str, HazardHandle]:
    """Open a hazard, wait until it is in the read model; its ticket id and the handle of its run."""
    registered = await open_hazard(
        client, settings.temporal_task_queue, hazard or new_hazard(), mail_grace_seconds=1
    )
    ticket = await stored(settings.effective_database_url, registered.ticket_id)
    handle = client.get_workflow_handle_for(HazardWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
    return registered.ticket_id, handle


class Hazards:
    """The hazards a test opens; a failing test's leftovers are terminated at teardown by `end_unfinished`.

    A run left waiting on the shared time-skipping server would hold its clock for every later test.
    """

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._handles: list[HazardHandle] = []

    async def open(self, hazard: NewHazard | None = None) -> tuple[str, HazardHandle]:
        hazard = hazard or new_hazard()
        self.track(hazard)
        return await open_hazard_ticket(self.client, self.settings, hazard)

    def track(self, hazard: NewHazard) -> str:
        """Look after the hazard `hazard` opens (when opened some other way); its ticket id."""
        ticket_id = hazard_ticket_id(hazard.elevator_code, hazard.reporter.organisation_id, hazard.ref)
        self._handles.append(self.client.get_workflow_handle_for(HazardWorkflow.run, ticket_id))
        return ticket_id

    async def end_unfinished(self) -> None:
        for handle in self._handles:
            with contextlib.suppress(RPCError):
                if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
                    await handle.terminate(reason="left open by a failed test")


async def close(handle: HazardHandle, state: str, reporter: Actor = MAINTAINER) -> HazardOutcome:
    """Take the hazard from `state` to closed (the reporter verifies) and wait until its run has finished."""
    if state == "rectifying":
        await handle.execute_update(HazardWorkflow.submit_rectification, rectification())
    await handle.execute_update(HazardWorkflow.verify_pass, StepInput(actor=reporter))
    outcome = await handle.result()
    assert outcome.state == "closed"
    return outcome


async def withdraw(handle: HazardHandle, reporter: Actor = MAINTAINER) -> HazardOutcome:
    """The reporter withdraws a hazard still being rectified; wait until its run has finished."""
    await handle.execute_update(HazardWorkflow.withdraw, ReasonInput(actor=reporter, reason="测试结束"))
    outcome = await handle.result()
    assert outcome.state == "cancelled"
    return outcome
