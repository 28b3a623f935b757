"""How a ticket opens another: the opened ticket's workflow started from an activity, answering once stored.

The one way for every kind (a stopped car opens a repair; a missed legal clock opens a clue): an
activity retries until the ticket exists, the ticket's id makes a retry reach the same ticket, and the
opener's history holds the answer instead of a child workflow.
"""

from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.contracts import OPEN_TICKET, OpenedTicket, OpenTicketInput
from elevator_orders.ticket_start import start_registered


async def open_registered(
    client: Client, task_queue: str, workflow: str, ticket_id: str, arg: Any
) -> OpenedTicket:
    """Start `workflow` as ticket `ticket_id` unless it runs already; answer once the ticket is stored."""
    try:
        # Answers once the ticket is stored, so the opener's timeline never links to a missing ticket.
        registered = await start_registered(client, task_queue, workflow, arg, ticket_id)
    except WorkflowAlreadyStartedError:
        # Opened and closed since: it stays the one ticket of this source.
        return OpenedTicket(ticket_id=ticket_id, created=False)
    return OpenedTicket(ticket_id=ticket_id, created=not registered.duplicate)


class TicketOpening:
    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    @activity.defn(name=OPEN_TICKET)
    async def open_ticket(self, input: OpenTicketInput) -> OpenedTicket:
        return await open_registered(
            self._client, self._task_queue, input.workflow, input.ticket_id, input.arg
        )
