"""Opening a ticket's workflow from outside it: the one call the API and the opening activity share."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from workflows.names import REGISTER_UPDATE
from workflows.patches import start_memo
from workflows.step_models import Registered, RegisterInput


async def start_registered(
    client: Client, task_queue: str, workflow: Any, arg: Any, ticket_id: str
) -> Registered:
    """Start `workflow` as ticket `ticket_id`, or reach the one already running; answer once it is stored.

    Update-with-start makes opening idempotent: the same id is never two tickets, and the answer waits
    until the ticket is dispatched and stored. A finished ticket keeps its id: starting it again raises
    WorkflowAlreadyStartedError, and the caller answers from what the ticket already is.
    """
    start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        workflow,
        arg,
        id=ticket_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        memo=start_memo(),
    )
    registered: Registered = await client.execute_update_with_start_workflow(
        REGISTER_UPDATE,
        RegisterInput(ticket_id=ticket_id),
        start_workflow_operation=start,
        result_type=Registered,
    )
    return registered
