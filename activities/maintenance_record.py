"""The maintenance record's activities: keeping each elevator's maintenance schedule told of every visit."""

from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from activities.contracts import NOTE_MAINTENANCE, NoteMaintenanceInput
from activities.kind_activities import KindActivityContext
from domain.maintenance_record import maintenance_schedule_workflow_id
from workflows.maintenance_record_models import RecordPerformed, ScheduleInput
from workflows.names import MAINTENANCE_SCHEDULE_WORKFLOW, RECORD_PERFORMED_SIGNAL
from workflows.patches import start_memo


class ScheduleActivities:
    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    @activity.defn(name=NOTE_MAINTENANCE)
    async def note_maintenance(self, input: NoteMaintenanceInput) -> None:
        # Signal-with-start: the first record of an elevator starts its schedule. Repeating the signal
        # is harmless, since the schedule keeps only the latest visit.
        await self._client.start_workflow(
            MAINTENANCE_SCHEDULE_WORKFLOW,
            ScheduleInput(elevator_code=input.elevator_code),
            id=maintenance_schedule_workflow_id(input.elevator_code),
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal=RECORD_PERFORMED_SIGNAL,
            start_signal_args=[RecordPerformed(ticket_id=input.ticket_id, performed_at=input.performed_at)],
            memo=start_memo(),
        )


def kind_activities(context: KindActivityContext) -> list[object]:
    return [ScheduleActivities(context.client, context.task_queue)]
