"""Calls from the API into Temporal, with its failures turned into the API's own errors."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.errors import TemporalUnavailable, TicketNotActionable
from elevator_orders.ticket_start import start_registered
from store.models import Ticket
from store.ticket_listing import TicketRow
from workflows.step_models import Registered


@asynccontextmanager
async def temporal_reachable() -> AsyncIterator[None]:
    try:
        yield
    except RuntimeError as error:
        # A lazy client that cannot connect raises a bare RuntimeError from its native bridge.
        if str(error).startswith("Failed client connect"):
            raise TemporalUnavailable(str(error)) from error
        raise


async def act(client: Client, ticket: Ticket | TicketRow, update: Any, payload: Any) -> None:
    """Send one human action to the run that owns the ticket (never a later run on the same elevator)."""
    handle = client.get_workflow_handle(ticket.workflow_id, run_id=ticket.run_id)
    try:
        async with temporal_reachable():
            await handle.execute_update(update, payload)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise TicketNotActionable(ticket.ticket_id, ticket.state) from error
        raise


async def open_ticket(
    client: Client, task_queue: str, run: Any, workflow_input: Any, *, ticket_id: str
) -> Registered:
    """Start a stepped ticket's workflow (its id is the ticket id), or reach the one already running.

    A finished ticket keeps its id, so a late repeat of its report is answered from the store instead.
    """
    async with temporal_reachable():
        return await start_registered(client, task_queue, run, workflow_input, ticket_id)
