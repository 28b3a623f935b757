"""The rescue workflow on the real Temporal dev server: lifecycle, dedup, and rejected actions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from api.rescue_service import open_rescue
from domain.rescue import ReportSource, rescue_ticket_id, rescue_workflow_id
from elevator_orders.settings import Settings
from tests.support.rescue import (
    DISPATCHER,
    ELEVATOR,
    MAINTENANCE_MAIL,
    OTHER_RESCUER,
    RESCUER,
    SAFETY_MANAGER,
    USE_UNIT_MAIL,
    alarm,
    mails_to,
    new_report,
    stored_ticket,
    template_of,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import ReasonInput
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import (
    AcceptInput,
    ArriveInput,
    CancelInput,
    ConfirmInput,
    ReleaseInput,
    RescueInput,
)


async def _accepted_updates(handle: WorkflowHandle[Any, Any]) -> list[str]:
    """Names of the Updates that made it into the workflow's history."""
    history = await handle.fetch_history()
    return [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


async def _patch_markers(handle: WorkflowHandle[Any, Any]) -> int:
    history = await handle.fetch_history()
    return sum(
        1
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and event.marker_recorded_event_attributes.marker_name == "core_patch"
    )


async def _upserted_keys(handle: WorkflowHandle[Any, Any]) -> list[set[str]]:
    """The search attributes each upsert of the run set, in order."""
    history = await handle.fetch_history()
    return [
        set(event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    ]


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_rescue_runs_from_alarm_to_confirmation(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    client = dev_server.client
    ref = uuid.uuid4().hex
    async with running_worker(client, settings):
        receipt = await open_rescue(client, settings.temporal_task_queue, new_report(ref))
        assert receipt.state == "dispatched"
        assert not receipt.joined_existing
        ticket, _ = await stored_ticket(settings.effective_database_url, receipt.ticket_id)
        assert ticket.state == "dispatched"
        assert ticket.assigned_unit_id == "mu-shenda"
        assert ticket.district == "pudong"
        assert ticket.due_at is not None
        assert ticket.due_at.isoformat() == ticket.deadlines["rescue.accept"]
        assert not ticket.overdue

        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=2, handler_name="李师傅")
        )
        result = await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        assert result.state == "closed"
        outcome = await handle.result()
        assert outcome.state == "closed"
        assert outcome.flags == []

        ticket, timeline = await stored_ticket(settings.effective_database_url, receipt.ticket_id)
        assert ticket.state == "closed"
        assert ticket.closed_at is not None
        assert ticket.details["people_freed"] == 2
        assert ticket.details["handler_name"] == "李师傅"
        assert [e.action for e in timeline] == [
            "report",
            "dispatch",
            "accept",
            "arrive",
            "release",
            "confirm",
        ]
        assert [e.seq for e in timeline] == list(range(1, 7))
        assert timeline[2].actor_user_id == RESCUER.user_id

        messages = await mail_catcher.wait_for(lambda ms: len(ms) >= 5)
    to_maintenance = sorted(template_of(m) for m in mails_to(messages, MAINTENANCE_MAIL))
    to_use_unit = sorted(template_of(m) for m in mails_to(messages, USE_UNIT_MAIL))
    assert to_maintenance == ["rescue_closed", "rescue_dispatched"]
    assert to_use_unit == ["rescue_closed", "rescue_confirmation_requested", "rescue_use_unit_notified"]
    assert len(messages) == 5
    assert all(receipt.ticket_id in str(m["X-Idempotency-Key"]) for m in messages)
    # Started under the newest baseline (its memo): no patch marker, no TemporalChangeVersion upsert.
    # Started with its kind, elevator and overdue, not its district (this caller did not read it): the
    # run adds the district as it is dispatched, and the outcome as it closes.
    assert await _patch_markers(handle) == 0
    assert await _upserted_keys(handle) == [{"District"}, {"TicketOutcome"}]


async def test_a_rescue_started_without_the_baseline_memo_records_one_baseline_marker(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    client = dev_server.client
    report = alarm(uuid.uuid4().hex)
    ticket_id = rescue_ticket_id(report.elevator_code, report.source, report.ref)
    async with running_worker(client, settings):
        # As a starter did before the memo existed (and as the runs still open from then were started).
        handle = await client.start_workflow(
            RescueWorkflow.run,
            RescueInput(ticket_id=ticket_id, report=report),
            id=rescue_workflow_id(report.elevator_code),
            task_queue=settings.temporal_task_queue,
        )
        receipt = await handle.execute_update(RescueWorkflow.report_entrapment, report)
        assert receipt.state == "dispatched"
        await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="误报"))
        await handle.result()

    # Every patch of the code it started on is one baseline marker (workflows/patches.py), not one each.
    assert await _patch_markers(handle) == 1
    assert {"TemporalChangeVersion"} in await _upserted_keys(handle)


async def test_same_alarm_twice_and_a_second_source_join_one_ticket(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    client = dev_server.client
    elevator = "31011500002"
    ref = uuid.uuid4().hex
    async with running_worker(client, settings):
        first = await open_rescue(client, settings.temporal_task_queue, new_report(ref, elevator=elevator))
        again = await open_rescue(client, settings.temporal_task_queue, new_report(ref, elevator=elevator))
        by_qr = await open_rescue(
            client,
            settings.temporal_task_queue,
            new_report(uuid.uuid4().hex, ReportSource.QR, elevator=elevator),
        )
        assert (first.joined_existing, first.duplicate) == (False, False)
        assert (again.joined_existing, again.duplicate) == (True, True)
        assert (by_qr.joined_existing, by_qr.duplicate) == (True, False)
        assert first.ticket_id == again.ticket_id == by_qr.ticket_id

        ticket, timeline = await stored_ticket(settings.effective_database_url, first.ticket_id)
        assert [e.action for e in timeline].count("report") == 2
        runs = [
            w
            async for w in client.list_workflows(f'WorkflowId = "{rescue_workflow_id(elevator)}"')
            if w.run_id == ticket.run_id
        ]
        assert len(runs) == 1
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="误报"))
        assert (await handle.result()).state == "cancelled"

        # The elevator is free again: the next entrapment opens a new ticket.
        later = await open_rescue(
            client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, elevator=elevator)
        )
        assert not later.joined_existing
        assert later.ticket_id != first.ticket_id
        later_ticket, _ = await stored_ticket(settings.effective_database_url, later.ticket_id)
        assert later_ticket.run_id != ticket.run_id
        later_handle = client.get_workflow_handle_for(
            RescueWorkflow.run, later_ticket.workflow_id, run_id=later_ticket.run_id
        )
        await later_handle.execute_update(
            RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="测试结束")
        )
        # Finished before this worker stops: a rescue left open would hold the elevator's workflow id.
        assert (await later_handle.result()).state == "cancelled"


async def test_invalid_actions_are_rejected_before_they_enter_history(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    client = dev_server.client
    async with running_worker(client, settings):
        receipt = await open_rescue(
            client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, elevator="31010400001")
        )
        ticket, _ = await stored_ticket(settings.effective_database_url, receipt.ticket_id)
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)

        with pytest.raises(WorkflowUpdateFailedError) as wrong_state:
            await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        cause = wrong_state.value.cause
        assert isinstance(cause, ApplicationError)
        assert cause.type == "InvalidTransition"
        assert cause.details[0] == {
            "state": "dispatched",
            "action": "confirm",
            "allowed_actions": ["accept", "cancel"],
        }

        # This elevator is served by mu-pujiang: a rescuer of mu-shenda may not accept it.
        with pytest.raises(WorkflowUpdateFailedError) as wrong_unit:
            await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
        assert isinstance(wrong_unit.value.cause, ApplicationError)
        assert wrong_unit.value.cause.type == "ActionNotPermitted"

        assert await _accepted_updates(handle) == ["report_entrapment"]
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=OTHER_RESCUER))
        await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="测试结束"))
        assert (await handle.result()).state == "cancelled"


async def test_rescue_that_stops_the_car_opens_its_fault_repair(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    async with running_worker(client, settings):
        receipt = await open_rescue(
            client, settings.temporal_task_queue, new_report(uuid.uuid4().hex), mail_grace_seconds=1
        )
        ticket, _ = await stored_ticket(url, receipt.ticket_id)
        handle = client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
        await handle.execute_update(
            RescueWorkflow.release,
            ReleaseInput(actor=RESCUER, people_freed=1, handler_name="李师傅", car_stopped=True),
        )
        repair_id = f"fault-repair-{ELEVATOR}-rescue-{receipt.ticket_id}"
        # The release answers once the repair it opened is stored: no waiting for it.
        repair, repair_timeline = await stored_ticket(url, repair_id)
        assert repair.state == "reported"
        assert repair.kind == "fault_repair"
        assert repair.spawned_from == receipt.ticket_id
        assert repair.details["fault_type"] == "entrapment_follow_up"
        assert repair.assigned_unit_id == "mu-shenda"
        assert [e.action for e in repair_timeline] == ["report", "dispatch"]
        ticket, timeline = await stored_ticket(url, receipt.ticket_id)
        assert ticket.details["fault_repair_ticket_id"] == repair_id
        assert "fault_repair_opened" in [e.action for e in timeline]

        await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        assert (await handle.result()).state == "closed"
        # The repair lives on after the rescue closed, with its own clocks.
        repair_handle = client.get_workflow_handle_for(FaultRepairWorkflow.run, repair_id)
        assert (await repair_handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await repair_handle.execute_update(
            FaultRepairWorkflow.cancel, ReasonInput(actor=SAFETY_MANAGER, reason="测试结束")
        )
        assert (await repair_handle.result()).state == "cancelled"
        await mail_catcher.wait_for(
            lambda ms: "work_order_assigned" in [template_of(m) for m in mails_to(ms, MAINTENANCE_MAIL)]
        )
