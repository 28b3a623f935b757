"""The Web UI finds tickets by kind, district, elevator, overdue and outcome: search attributes the runs set."""

from __future__ import annotations

import asyncio
import time
import uuid

from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from domain.rescue import rescue_workflow_id
from elevator_orders.settings import Settings
from tests.support.rescue import DISPATCHER, new_report, ticket_when
from worker.main import running_worker
from worker.search_attributes import ensure_search_attributes
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import CancelInput
from workflows.search_attributes import DISTRICT, Indexed, changes, opening_search_attributes, started_with

_VISIBLE_TIMEOUT_SECONDS = 15.0
ELEVATOR = "31011500002"
# Tickets of these tests on elevators no other test here uses: a query finds only their own runs.
XUHUI_ELEVATOR = "31010400001"
JINGAN_ELEVATOR = "31010600001"


async def _started(client: Client, workflow_id: str) -> None:
    """Until the run exists (its start was accepted), failing after the visibility timeout."""
    deadline = time.monotonic() + _VISIBLE_TIMEOUT_SECONDS
    while True:
        try:
            await client.get_workflow_handle(workflow_id).describe()
            return
        except RPCError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


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


def test_the_attributes_a_ticket_starts_with_are_what_its_first_projection_need_not_set() -> None:
    started = started_with(opening_search_attributes("rescue", ELEVATOR, "pudong"))
    assert started == {
        "TicketKind": "rescue",
        "ElevatorCode": ELEVATOR,
        "District": "pudong",
        "Overdue": False,
    }
    assert changes(started, {**started, "TicketOutcome": "closed"}) != []
    assert changes(started, dict(started)) == []
    # A caller that did not read the district leaves it to the first projection.
    assert DISTRICT.name not in started_with(opening_search_attributes("rescue", ELEVATOR, None))


async def test_a_new_rescue_is_found_by_its_district_before_a_worker_has_run_it(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    client = dev_server.client
    await ensure_search_attributes(client, client.namespace)
    report = new_report(uuid.uuid4().hex, elevator=XUHUI_ELEVATOR, district="xuhui")
    opening = asyncio.create_task(open_rescue(client, settings.temporal_task_queue, report))
    running = (
        f'TicketKind = "rescue" AND District = "xuhui" AND ElevatorCode = "{XUHUI_ELEVATOR}" '
        'AND Overdue = false AND ExecutionStatus = "Running"'
    )
    # No worker polls yet: a regulator's search finds the rescue all the same.
    assert await _found(client, running) == [rescue_workflow_id(XUHUI_ELEVATOR)]
    async with running_worker(client, settings):
        receipt = await opening
        ticket, _ = await ticket_when(settings.effective_database_url, receipt.ticket_id, lambda t: True)
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="误报"))
        await handle.result()
    history = await handle.fetch_history()
    upserts = [
        event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    ]
    # The run sets only what changed after its start: the outcome, as it closes.
    assert [sorted(fields) for fields in upserts] == [["TicketOutcome"]]
    closed = f'District = "xuhui" AND TicketOutcome = "cancelled" AND RunId = "{ticket.run_id}"'
    assert await _found(client, closed) == [ticket.workflow_id]


async def test_a_rescue_opens_in_a_namespace_where_no_worker_has_registered_them_yet(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    namespace = f"fresh-{uuid.uuid4().hex[:12]}"
    await dev_server.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    client = await Client.connect(
        dev_server.client.service_client.config.target_host,
        namespace=namespace,
        data_converter=dev_server.client.data_converter,
    )
    report = new_report(uuid.uuid4().hex, elevator=JINGAN_ELEVATOR, district="jingan")
    opening = asyncio.create_task(open_rescue(client, settings.temporal_task_queue, report))
    workflow_id = rescue_workflow_id(JINGAN_ELEVATOR)
    await _started(client, workflow_id)
    # Started without them; the worker that starts now registers them, and the run sets them.
    described = await client.get_workflow_handle(workflow_id).describe()
    assert described.typed_search_attributes.get(DISTRICT) is None
    async with running_worker(client, settings):
        receipt = await opening
        ticket, _ = await ticket_when(settings.effective_database_url, receipt.ticket_id, lambda t: True)
    assert ticket.state == "dispatched"
    query = f'District = "jingan" AND ElevatorCode = "{JINGAN_ELEVATOR}" AND RunId = "{ticket.run_id}"'
    assert await _found(client, query) == [workflow_id]
