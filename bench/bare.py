"""The baseline: a bare rescue workflow with the same four Updates, their validators and one deadline timer.

Nothing else: no activities (no registry lookup, no deadline policy, no projection, no mail, no audit).
A fifth Update, `report`, exists only so that it can be opened with update-with-start like ours (the
alarm-storm goal compares against exactly that call). Registered only on the benchmark's bare worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

# The accept deadline of a rescue (rescue.accept in the policy table is of this order).
ACCEPT_DEADLINE = timedelta(minutes=5)

_NEXT = {"accept": "dispatched", "arrive": "accepted", "release": "on_site", "confirm": "released"}
_AFTER = {"accept": "accepted", "arrive": "on_site", "release": "released", "confirm": "closed"}


@dataclass
class BareReport:
    elevator_code: str
    ref: str


@dataclass
class BareAction:
    user_id: str
    note: str = ""


@dataclass
class BareResult:
    state: str
    joined_existing: bool = False


@workflow.defn
class BareRescueWorkflow:
    @workflow.init
    def __init__(self, elevator_code: str) -> None:
        self._elevator_code = elevator_code
        self._state = "dispatched"
        self._refs: set[str] = set()
        self._accept_overdue = False

    @workflow.run
    async def run(self, elevator_code: str) -> str:
        try:
            await workflow.wait_condition(lambda: self._state != "dispatched", timeout=ACCEPT_DEADLINE)
        except TimeoutError:
            self._accept_overdue = True
        await workflow.wait_condition(lambda: self._state == "closed")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.update
    def report(self, report: BareReport) -> BareResult:
        joined = bool(self._refs)
        self._refs.add(report.ref)
        return BareResult(self._state, joined_existing=joined)

    @report.validator
    def _validate_report(self, report: BareReport) -> None:
        if report.elevator_code != self._elevator_code:
            raise ApplicationError("another elevator", type="InvalidInput", non_retryable=True)
        if self._state == "closed":
            raise ApplicationError("closing", type="TicketClosing", non_retryable=True)

    @workflow.update
    def accept(self, action: BareAction) -> BareResult:
        return self._apply("accept")

    @accept.validator
    def _validate_accept(self, action: BareAction) -> None:
        self._check("accept", action)

    @workflow.update
    def arrive(self, action: BareAction) -> BareResult:
        return self._apply("arrive")

    @arrive.validator
    def _validate_arrive(self, action: BareAction) -> None:
        self._check("arrive", action)

    @workflow.update
    def release(self, action: BareAction) -> BareResult:
        return self._apply("release")

    @release.validator
    def _validate_release(self, action: BareAction) -> None:
        self._check("release", action)

    @workflow.update
    def confirm(self, action: BareAction) -> BareResult:
        return self._apply("confirm")

    @confirm.validator
    def _validate_confirm(self, action: BareAction) -> None:
        self._check("confirm", action)

    def _check(self, action: str, actor: BareAction) -> None:
        if self._state != _NEXT[action]:
            raise ApplicationError(f"{action} not allowed in {self._state}", type="InvalidTransition")
        if not actor.user_id:
            raise ApplicationError("no actor", type="ActionNotPermitted")

    def _apply(self, action: str) -> BareResult:
        self._state = _AFTER[action]
        return BareResult(self._state)


def bare_workflow_id(elevator_code: str) -> str:
    return f"bare-rescue-{elevator_code}"


async def open_bare(client: Client, task_queue: str, elevator_code: str, ref: str) -> BareResult:
    """Update-with-start, as the API opens a rescue: one run per elevator, every report joins it."""
    start = WithStartWorkflowOperation(
        BareRescueWorkflow.run,
        elevator_code,
        id=bare_workflow_id(elevator_code),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )
    result: BareResult = await client.execute_update_with_start_workflow(
        BareRescueWorkflow.report, BareReport(elevator_code, ref), start_workflow_operation=start
    )
    return result


async def act_bare(client: Client, elevator_code: str, action: str, user_id: str) -> BareResult:
    handle = client.get_workflow_handle(bare_workflow_id(elevator_code))
    result: BareResult = await handle.execute_update(action, BareAction(user_id), result_type=BareResult)
    return result
