"""Helpers shared by the directive tests: actors of the demo registry, issuing and finishing directives."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError

from api.directive_service import NewDirective, issue_directive
from domain.correction import Addressee
from domain.directive import directive_ticket_id
from domain.roles import Actor
from elevator_orders.settings import Settings
from tests.support.clues import PUDONG_REGULATOR, XUHUI_REGULATOR
from tests.support.fault_repair import MAINTAINER, stored
from tests.support.rescue import SAFETY_MANAGER
from workflows.directive import DirectiveWorkflow
from workflows.directive_models import (
    DirectiveOutcome,
    RectificationReportInput,
    SignInput,
    StepInput,
)

__all__ = [
    "ELEVATOR",
    "MAINTAINER",
    "PUDONG_REGULATOR",
    "SAFETY_MANAGER",
    "XUHUI_REGULATOR",
    "DirectiveHandle",
    "Directives",
    "close",
    "new_directive",
    "report",
]

# A Pudong elevator: used by uu-lujiazui, maintained by mu-shenda, overseen by reg-pudong.
ELEVATOR = "31011500001"
PROBLEMS = "隐患上报工单逾期未整改：制动器闸瓦磨损超限，仍在使用"

DirectiveHandle = WorkflowHandle[DirectiveWorkflow, DirectiveOutcome]


def new_directive(
    rectify_by: date,
    *,
    addressee: Addressee = Addressee.USE_UNIT,
    elevator: str = ELEVATOR,
    from_ticket_id: str | None = None,
    problems: str = PROBLEMS,
) -> NewDirective:
    return NewDirective(
        elevator_code=elevator,
        ref=uuid.uuid4().hex,
        issuer=PUDONG_REGULATOR,
        addressee=addressee,
        problems=problems,
        article_violated="《中华人民共和国特种设备安全法》第四十二条",
        legal_basis="《中华人民共和国特种设备安全法》第八十三条；《特种设备安全监督检查办法》第二十三条",
        rectify_by=rectify_by,
        from_ticket_id=from_ticket_id,
    )


class Directives:
    """The directives a test issues; a failing test's leftovers are terminated at teardown.

    A run left waiting on the shared time-skipping server would hold its clock for every later test.
    """

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._handles: list[DirectiveHandle] = []

    async def issue(self, directive: NewDirective) -> tuple[str, DirectiveHandle]:
        """Issue the directive, wait until it is in the read model; its ticket id and run's handle."""
        ticket_id = directive_ticket_id(directive.elevator_code, directive.ref)
        self._handles.append(self.client.get_workflow_handle_for(DirectiveWorkflow.run, ticket_id))
        registered = await issue_directive(
            self.client, self.settings.temporal_task_queue, directive, mail_grace_seconds=1
        )
        assert registered.ticket_id == ticket_id
        ticket = await stored(self.settings.effective_database_url, ticket_id)
        handle = self.client.get_workflow_handle_for(
            DirectiveWorkflow.run, ticket.workflow_id, run_id=ticket.run_id
        )
        return ticket_id, handle

    async def end_unfinished(self) -> None:
        for handle in self._handles:
            with contextlib.suppress(RPCError):
                if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
                    await handle.terminate(reason="left open by a failed test")


def report(
    actor: Actor = SAFETY_MANAGER, evidence: str = "已更换制动器闸瓦并经检验机构检测合格"
) -> RectificationReportInput:
    return RectificationReportInput(actor=actor, evidence=evidence)


async def close(handle: DirectiveHandle, state: str, unit: Actor = SAFETY_MANAGER) -> DirectiveOutcome:
    """Take the directive from `state` to closed and wait until its run has finished."""
    if state == "awaiting_signature":
        await handle.execute_update(DirectiveWorkflow.sign, SignInput(actor=unit))
        state = "rectifying"
    if state == "rectifying":
        await handle.execute_update(DirectiveWorkflow.submit_rectification, report(actor=unit))
    await handle.execute_update(
        DirectiveWorkflow.verify_pass, StepInput(actor=PUDONG_REGULATOR, note="复查合格")
    )
    outcome = await handle.result()
    assert outcome.state == "closed"
    return outcome
