"""Opening violation clues (违法线索) raised by other tickets."""

from temporalio import activity
from temporalio.client import Client

from activities.contracts import OPEN_VIOLATION_CLUE, OpenClueInput, OpenedTicket
from activities.kind_activities import KindActivityContext
from activities.ticket_opening import open_registered
from domain.violation_clue import violation_clue_ticket_id
from elevator_orders.clock import Clock, system_clock
from workflows.names import VIOLATION_CLUE_WORKFLOW
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
    async def open_violation_clue(self, input: OpenClueInput) -> OpenedTicket:
        # The clue's id is derived from its source and reason, so a retried activity, a replayed source
        # or a second breach of the same clock reaches the one clue instead of opening another.
        ticket_id = violation_clue_ticket_id(input.source_ticket_id, input.reason)
        clue = ViolationClueInput(
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
        )
        return await open_registered(self._client, self._task_queue, VIOLATION_CLUE_WORKFLOW, ticket_id, clue)


def kind_activities(context: KindActivityContext) -> list[object]:
    return [
        ClueActivities(context.client, context.task_queue, context.settings.mail_grace_seconds, context.clock)
    ]
