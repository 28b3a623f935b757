"""Helpers shared by the complaint tests: filing complaints and finishing the ones a test leaves open."""

from __future__ import annotations

import contextlib
import uuid

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError

from api.complaint_service import ComplaintReceipt, NewComplaint, receive_complaint
from api.tracking_tokens import tracking_digest
from elevator_orders.settings import Settings
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_models import ComplaintOutcome, EvaluateInput

# A Pudong elevator: used by uu-lujiazui, maintained by mu-shenda, overseen by reg-pudong.
ELEVATOR = "31011500001"
COMPLAINANT_NAME = "张小红"
COMPLAINANT_PHONE = "13912345678"

ComplaintHandle = WorkflowHandle[ComplaintWorkflow, ComplaintOutcome]


def new_complaint(elevator: str = ELEVATOR) -> NewComplaint:
    return NewComplaint(
        elevator_code=elevator,
        ref=uuid.uuid4().hex,
        complaint="电梯频繁停运，物业报修后一周仍未修复",
        request="尽快修复电梯并说明原因",
        complainant_name=COMPLAINANT_NAME,
        complainant_phone=COMPLAINANT_PHONE,
    )


def evaluation(
    token: str, *, satisfied: bool = True, rating: int = 5, text: str = "处理及时"
) -> EvaluateInput:
    return EvaluateInput(
        tracking_digest=tracking_digest(token), satisfied=satisfied, rating=rating, text=text
    )


class Complaints:
    """The complaints a test files; a failing test's leftovers are terminated at teardown.

    A run left waiting on the shared time-skipping server would hold its clock for every later test.
    """

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._handles: list[ComplaintHandle] = []

    async def file(self, complaint: NewComplaint | None = None) -> tuple[ComplaintReceipt, ComplaintHandle]:
        receipt = await receive_complaint(
            self.client, self.settings.temporal_task_queue, complaint or new_complaint(), mail_grace_seconds=1
        )
        handle = self.client.get_workflow_handle_for(ComplaintWorkflow.run, receipt.ticket_id)
        self._handles.append(handle)
        return receipt, handle

    async def end_unfinished(self) -> None:
        for handle in self._handles:
            with contextlib.suppress(RPCError):
                if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
                    await handle.terminate(reason="left open by a failed test")
