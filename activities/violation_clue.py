"""Opening violation clues (违法线索) raised by other tickets."""

from typing import Any

from temporalio import activity
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.contracts import OPEN_VIOLATION_CLUE, OpenClueInput, OpenedClue
from activities.kind_activities import KindActivityContext
from domain.violation_clue import violation_clue_ticket_id
from elevator_orders.clock import Clock, system_clock
from workflows.names import REGISTER_UPDATE, VIOLATION_CLUE_WORKFLOW
from workflows.step_models import Registered, RegisterInput
from workflows.violation_clue_models import ViolationClueInput


class ClueActivities:
    def __init__(
        self, client: Client, task_queue: str, mail_grace_seconds: float, clock: Clock = system_clock
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._mail_grace_seconds = mail_grace_seconds
        self._clock = clock

    @activity.defn(name=OPEN_VIOLATION_CLUE)
    async def open_violation_clue(self, input: OpenClueInput) -> OpenedClue:
        # The clue's id is derived from its source and reason, so a retried activity, a replayed source
        # or a second breach of the same clock reaches the one clue instead of opening another.
        ticket_id = violation_clue_ticket_id(input.source_ticket_id, input.reason)
        start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            VIOLATION_CLUE_WORKFLOW,
            ViolationClueInput(
                ticket_id=ticket_id,
                elevator_code=input.elevator_code,
                source_ticket_id=input.source_ticket_id,
                reason=input.reason,
                summary=input.summary,
                suspect_unit=input.suspect_unit,
                raised_at=self._clock(),
                linked_tickets=list(input.linked_tickets) or [input.source_ticket_id],
                case_opened=input.case_opened,
                mail_grace_seconds=self._mail_grace_seconds,
            ),
            id=ticket_id,
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        try:
            # Answers once the clue is stored, so the source's timeline never links to a missing ticket.
            registered = await self._client.execute_update_with_start_workflow(
                REGISTER_UPDATE,
                RegisterInput(ticket_id=ticket_id),
                start_workflow_operation=start,
                result_type=Registered,
            )
        except WorkflowAlreadyStartedError:
            # The clue was opened and has been decided since: it stays the one clue of this source.
            return OpenedClue(ticket_id=ticket_id, created=False)
        return OpenedClue(ticket_id=ticket_id, created=not registered.duplicate)


def kind_activities(context: KindActivityContext) -> list[object]:
    return [
        ClueActivities(context.client, context.task_queue, context.settings.mail_grace_seconds, context.clock)
    ]
