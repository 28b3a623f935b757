"""The Web UI finds tickets by kind, district, elevator, overdue and outcome: search attributes the runs set."""

from __future__ import annotations

import asyncio
import time
import uuid

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from elevator_orders.settings import Settings
from tests.support.rescue import DISPATCHER, new_report, ticket_when
from worker.main import running_worker
from worker.search_attributes import ensure_search_attributes
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import CancelInput
from workflows.search_attributes import Indexed, changes

_VISIBLE_TIMEOUT_SECONDS = 15.0
ELEVATOR = "31011500002"


async def _found(client: Client, query: str) -> list[str]:
    deadline = time.monotonic() + _VISIBLE_TIMEOUT_SECONDS
    while True:
        ids = [execution.id async for execution in client.list_workflows(query)]
        if ids or time.monotonic() > deadline:
            return ids
        await asyncio.sleep(0.2)


def test_a_projection_sets_only_what_changed_and_no_district_before_the_lookup() -> None:
    first: Indexed = {"TicketKind": "rescue", "ElevatorCode": ELEVATOR, "Overdue": False}
    dispatched: Indexed = {**first, "District": "pudong"}
    closed: Indexed = {**dispatched, "TicketOutcome": "closed"}
    assert [update.key.name for update in changes({}, first)] == ["TicketKind", "ElevatorCode", "Overdue"]
    assert [update.key.name for update in changes(first, dispatched)] == ["District"]
    # The steps between change nothing the Web UI indexes: no upsert, no history event.
    assert changes(dispatched, dispatched) == []
    assert [update.key.name for update in changes(dispatched, closed)] == ["TicketOutcome"]


async def test_a_rescue_is_found_by_its_kind_district_elevator_and_outcome(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    client = dev_server.client
    async with running_worker(client, settings):
        # A second worker start registers nothing twice.
        await ensure_search_attributes(client, client.namespace)
        receipt = await open_rescue(
            client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, elevator=ELEVATOR)
        )
        ticket, _ = await ticket_when(settings.effective_database_url, receipt.ticket_id, lambda t: True)
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="误报"))
        await handle.result()
    query = (
        f'TicketKind = "rescue" AND District = "pudong" AND ElevatorCode = "{ELEVATOR}" '
        f'AND TicketOutcome = "cancelled" AND Overdue = false AND RunId = "{ticket.run_id}"'
    )
    assert await _found(client, query) == [ticket.workflow_id]
