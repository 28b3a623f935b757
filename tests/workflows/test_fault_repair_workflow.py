"""The fault-repair workflow on the real Temporal dev server: its paths, dedup, and rejected actions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.fault_repair_service import open_fault_repair
from domain.fault_repair import FaultSource, fault_repair_ticket_id
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from tests.support.fault_repair import (
    ELEVATOR,
    MAINTAINER,
    OTHER_MAINTAINER,
    REGULATOR,
    SAFETY_MANAGER,
    RepairHandle,
    Repairs,
    cancel,
    close,
    fix_input,
    new_fault,
    update_error,
)
from tests.support.rescue import (
    MAINTENANCE_MAIL,
    USE_UNIT_MAIL,
    mails_to,
    stored_ticket,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import (
    ExtendInput,
    FixInput,
    NotFixableInput,
    ReasonInput,
    StepInput,
)

OTHER_ELEVATOR = "31011500002"
XUHUI_REGULATOR = Actor("u-regulator-xuhui", "郑科长", "reg-xuhui", Role.REGULATOR)


@pytest.fixture
async def repairs(dev_server: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Repairs]:
    repairs = Repairs(dev_server.client, settings)
    try:
        yield repairs
    finally:
        await repairs.end_unfinished()


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(template_of(m) for m in mails_to(messages, address))


async def _accepted_updates(handle: RepairHandle) -> list[str]:
    """Names of the Updates that made it into the workflow's history."""
    history = await handle.fetch_history()
    return [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_repair_runs_from_alarm_to_confirmation(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, repairs: Repairs
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    ref = uuid.uuid4().hex
    async with running_worker(client, settings):
        fault = new_fault(ref)
        repairs.track(fault)
        registered = await open_fault_repair(
            client, settings.temporal_task_queue, fault, mail_grace_seconds=1
        )
        assert registered.ticket_id == fault_repair_ticket_id(ELEVATOR, FaultSource.ALARM, ref)
        assert registered.ticket_id == f"fault-repair-{ELEVATOR}-alarm-{ref}"
        assert (registered.state, registered.duplicate) == ("reported", False)

        # The answer comes once the repair is dispatched and stored: no polling needed.
        ticket, timeline = await stored_ticket(url, registered.ticket_id)
        assert ticket.kind == "fault_repair"
        assert ticket.state == "reported"
        assert ticket.workflow_id == registered.ticket_id
        assert (ticket.district, ticket.assigned_unit_id, ticket.use_unit_id) == (
            "pudong",
            "mu-shenda",
            "uu-lujiazui",
        )
        assert ticket.due_at == ticket.opened_at + timedelta(minutes=30)
        assert ticket.deadlines["fault_repair.accept"] == ticket.due_at.isoformat()
        assert not ticket.overdue
        assert ticket.details["fault_type"] == "door_open_fault"
        assert ticket.details["source"] == "alarm"
        assert [e.action for e in timeline] == ["report", "dispatch"]

        handle = client.get_workflow_handle_for(
            FaultRepairWorkflow.run, ticket.workflow_id, run_id=ticket.run_id
        )
        accepted = await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        assert accepted.state == "accepted"
        assert accepted.allowed_actions == ["arrive", "cancel", "extend", "pause"]
        # The arrival runs on its own clock: 2 hours from the report, not from the acceptance.
        ticket, _ = await ticket_when(
            url,
            registered.ticket_id,
            lambda t: t.state == "accepted" and "fault_repair.arrive" in t.deadlines,
        )
        assert ticket.due_at == ticket.opened_at + timedelta(hours=2)

        arrived = await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        assert arrived.state == "on_site"
        fixed = await handle.execute_update(
            FaultRepairWorkflow.fix,
            FixInput(
                actor=MAINTAINER, fault_type="door_close_fault", handler_name=" 黄工 ", description="调整门机"
            ),
        )
        assert fixed.state == "fixed"
        assert fixed.allowed_actions == ["confirm", "dispute", "extend", "pause"]
        confirmed = await handle.execute_update(
            FaultRepairWorkflow.confirm, StepInput(actor=SAFETY_MANAGER, note="已试运行")
        )
        assert confirmed.state == "closed"
        assert confirmed.allowed_actions == []
        outcome = await handle.result()
        assert (outcome.ticket_id, outcome.state, outcome.flags) == (registered.ticket_id, "closed", [])

        ticket, timeline = await stored_ticket(url, registered.ticket_id)
        assert ticket.state == "closed"
        assert ticket.closed_at is not None
        assert ticket.due_at is None
        assert not ticket.overdue
        assert ticket.details["fault_type"] == "door_close_fault"
        assert ticket.details["fault_type_label"] == "关门故障"
        assert ticket.details["handler_name"] == "黄工"
        assert ticket.details["car_stopped"] is False
        assert [e.action for e in timeline] == ["report", "dispatch", "accept", "arrive", "fix", "confirm"]
        assert [e.seq for e in timeline] == list(range(1, 7))
        assert [e.actor_user_id for e in timeline] == [
            "u-monitoring",
            None,
            MAINTAINER.user_id,
            MAINTAINER.user_id,
            MAINTAINER.user_id,
            SAFETY_MANAGER.user_id,
        ]
        assert timeline[4].data == {"fault_type": "door_close_fault", "handler_name": "黄工"}

        messages = await mail_catcher.wait_for(lambda ms: len(ms) >= 4)
    assert _templates(messages, MAINTENANCE_MAIL) == ["work_order_assigned", "work_order_closed"]
    assert _templates(messages, USE_UNIT_MAIL) == ["confirmation_requested", "work_order_closed"]
    assert len(messages) == 4, [str(m["Subject"]) for m in messages]
    assert all(registered.ticket_id in str(m["X-Idempotency-Key"]) for m in messages)


async def test_a_disputed_repair_goes_back_to_the_maintenance_unit(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, repairs: Repairs
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    async with running_worker(client, settings):
        ticket_id, handle = await repairs.open()
        await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.fix, fix_input())

        with pytest.raises(WorkflowUpdateFailedError) as no_reason:
            await handle.execute_update(
                FaultRepairWorkflow.dispute, ReasonInput(actor=SAFETY_MANAGER, reason="  ")
            )
        assert "reason" in update_error(no_reason, "InvalidInput").message

        disputed = await handle.execute_update(
            FaultRepairWorkflow.dispute, ReasonInput(actor=SAFETY_MANAGER, reason="门仍然关不上")
        )
        assert disputed.state == "accepted"
        ticket, timeline = await ticket_when(
            url, ticket_id, lambda t: t.state == "accepted" and "fault_repair.arrive" in t.deadlines
        )
        assert "disputed" in ticket.flags
        assert timeline[-1].action == "dispute"
        assert timeline[-1].note == "门仍然关不上"
        assert timeline[-1].actor_user_id == SAFETY_MANAGER.user_id
        # The maintenance unit must come again: the arrival clock restarts at the dispute.
        ticket, _ = await ticket_when(
            url, ticket_id, lambda t: t.due_at == timeline[-1].at + timedelta(hours=2)
        )
        assert not ticket.overdue

        messages = await mail_catcher.wait_for(
            lambda ms: "confirmation_disputed" in _templates(ms, MAINTENANCE_MAIL)
        )
        assert _templates(messages, MAINTENANCE_MAIL) == ["confirmation_disputed", "work_order_assigned"]
        assert "confirmation_disputed" not in _templates(messages, USE_UNIT_MAIL)

        await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.fix, fix_input(fault_type="door_open_fault"))
        confirmed = await handle.execute_update(FaultRepairWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
        assert confirmed.state == "closed"
        outcome = await handle.result()
        assert outcome.flags == ["disputed"]

        ticket, timeline = await stored_ticket(url, ticket_id)
        assert ticket.state == "closed"
        assert ticket.details["fault_type"] == "door_open_fault"
        assert [e.action for e in timeline] == [
            "report",
            "dispatch",
            "accept",
            "arrive",
            "fix",
            "dispute",
            "arrive",
            "fix",
            "confirm",
        ]
        messages = await mail_catcher.wait_for(lambda ms: len(_templates(ms, USE_UNIT_MAIL)) >= 3)
    assert _templates(messages, USE_UNIT_MAIL) == [
        "confirmation_requested",
        "confirmation_requested",
        "work_order_closed",
    ]


async def test_a_fault_not_fixable_on_the_spot_keeps_the_car_stopped_until_the_planned_date(
    dev_server: WorkflowEnvironment, settings: Settings, repairs: Repairs
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    async with running_worker(client, settings):
        ticket_id, handle = await repairs.open()
        await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        ticket, timeline = await ticket_when(
            url, ticket_id, lambda t: t.state == "on_site" and "fault_repair.fix" in t.deadlines
        )
        # 24 hours to fix, from the arrival.
        assert timeline[-1].action == "arrive"
        assert ticket.due_at == timeline[-1].at + timedelta(hours=24)

        with pytest.raises(WorkflowUpdateFailedError) as in_the_past:
            await handle.execute_update(
                FaultRepairWorkflow.report_not_fixable,
                NotFixableInput(
                    actor=MAINTAINER, plan="更换门机", planned_fix_by=datetime.now(UTC) - timedelta(hours=1)
                ),
            )
        assert "planned_fix_by" in update_error(in_the_past, "InvalidInput").message

        planned_fix_by = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        result = await handle.execute_update(
            FaultRepairWorkflow.report_not_fixable,
            NotFixableInput(
                actor=MAINTAINER, plan=" 订购门机控制板，到货后更换 ", planned_fix_by=planned_fix_by
            ),
        )
        assert result.state == "not_fixable_yet"
        assert result.allowed_actions == ["fix", "extend", "pause"]

        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.state == "not_fixable_yet")
        assert ticket.details["car_stopped"] is True
        assert ticket.details["plan"] == "订购门机控制板，到货后更换"
        assert ticket.details["planned_fix_by"] == planned_fix_by.isoformat()
        # The written plan's date is the repair's deadline now.
        assert ticket.due_at == planned_fix_by
        assert ticket.deadlines["fault_repair.fix"] == planned_fix_by.isoformat()
        assert not ticket.overdue
        assert timeline[-1].action == "report_not_fixable"
        assert timeline[-1].data == {"planned_fix_by": planned_fix_by.isoformat()}

        fixed = await handle.execute_update(FaultRepairWorkflow.fix, fix_input())
        assert fixed.state == "fixed"
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "fixed")
        assert ticket.details["car_stopped"] is False
        confirmed = await handle.execute_update(FaultRepairWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
        assert confirmed.state == "closed"
        assert (await handle.result()).state == "closed"

        _, timeline = await stored_ticket(url, ticket_id)
        assert [e.action for e in timeline] == [
            "report",
            "dispatch",
            "accept",
            "arrive",
            "report_not_fixable",
            "fix",
            "confirm",
        ]


async def test_actions_out_of_turn_or_by_the_wrong_party_are_rejected_before_they_enter_history(
    dev_server: WorkflowEnvironment, settings: Settings, repairs: Repairs
) -> None:
    client = dev_server.client
    async with running_worker(client, settings):
        _, handle = await repairs.open(new_fault(elevator=OTHER_ELEVATOR))

        with pytest.raises(WorkflowUpdateFailedError) as wrong_state:
            await handle.execute_update(FaultRepairWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
        error = update_error(wrong_state, "InvalidTransition")
        assert error.details[0] == {
            "state": "reported",
            "action": "confirm",
            "allowed_actions": ["accept", "cancel", "extend", "pause"],
        }

        # The elevator is maintained by mu-shenda: a maintainer of mu-pujiang may not take it.
        with pytest.raises(WorkflowUpdateFailedError) as wrong_unit:
            await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=OTHER_MAINTAINER))
        update_error(wrong_unit, "ActionNotPermitted")

        # A safety manager is no maintainer, even of the right elevator.
        with pytest.raises(WorkflowUpdateFailedError) as wrong_role:
            await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=SAFETY_MANAGER))
        update_error(wrong_role, "ActionNotPermitted")

        # Extensions are the district regulator's: not the maintainer's, not another district's.
        for actor in (MAINTAINER, XUHUI_REGULATOR):
            with pytest.raises(WorkflowUpdateFailedError) as not_regulator:
                await handle.execute_update(
                    FaultRepairWorkflow.extend,
                    ExtendInput(actor=actor, due_at=datetime.now(UTC) + timedelta(days=1), reason="等待配件"),
                )
            update_error(not_regulator, "ActionNotPermitted")

        with pytest.raises(WorkflowUpdateFailedError) as not_paused:
            await handle.execute_update(FaultRepairWorkflow.resume, StepInput(actor=MAINTAINER))
        error = update_error(not_paused, "InvalidTransition")
        assert error.details[0]["action"] == "resume"
        assert error.details[0]["allowed_actions"] == ["accept", "cancel", "extend", "pause"]

        await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        with pytest.raises(WorkflowUpdateFailedError) as unknown_type:
            await handle.execute_update(FaultRepairWorkflow.fix, fix_input(fault_type="gremlins"))
        error = update_error(unknown_type, "InvalidInput")
        assert "fault_type" in error.message
        assert error.details[0] == {"field": "fault_type"}

        with pytest.raises(WorkflowUpdateFailedError) as no_handler:
            await handle.execute_update(FaultRepairWorkflow.fix, fix_input(handler_name=" "))
        assert update_error(no_handler, "InvalidInput").details[0] == {"field": "handler_name"}

        with pytest.raises(WorkflowUpdateFailedError) as too_late_to_cancel:
            await handle.execute_update(
                FaultRepairWorkflow.cancel, ReasonInput(actor=SAFETY_MANAGER, reason="误报")
            )
        assert update_error(too_late_to_cancel, "InvalidTransition").details[0]["state"] == "on_site"

        assert await _accepted_updates(handle) == ["register", "accept", "arrive"]
        await close(handle, "on_site")


async def test_a_pause_ends_with_its_step(
    dev_server: WorkflowEnvironment, settings: Settings, repairs: Repairs
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    async with running_worker(client, settings):
        ticket_id, handle = await repairs.open()
        await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        await ticket_when(
            url, ticket_id, lambda t: t.state == "on_site" and "fault_repair.fix" in t.deadlines
        )

        paused = await handle.execute_update(
            FaultRepairWorkflow.pause, ReasonInput(actor=MAINTAINER, reason="检验机构现场检测")
        )
        assert paused.allowed_actions == ["report_not_fixable", "fix", "extend", "resume"]
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.details["paused"] is True)
        assert ticket.due_at is None
        assert timeline[-1].action == "pause"
        assert timeline[-1].data == {"step": "fault_repair.fix"}

        # Pausing is the maintenance unit's, and only a running clock pauses.
        with pytest.raises(WorkflowUpdateFailedError) as not_maintainer:
            await handle.execute_update(
                FaultRepairWorkflow.pause, ReasonInput(actor=SAFETY_MANAGER, reason="检验机构现场检测")
            )
        update_error(not_maintainer, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as twice:
            await handle.execute_update(
                FaultRepairWorkflow.pause, ReasonInput(actor=MAINTAINER, reason="检验机构现场检测")
            )
        assert update_error(twice, "InvalidTransition").details[0]["allowed_actions"] == [
            "report_not_fixable",
            "fix",
            "extend",
            "resume",
        ]

        # Fixed while the repair clock stood still: the confirmation runs on a fresh, running clock.
        await handle.execute_update(FaultRepairWorkflow.fix, fix_input())
        ticket, _ = await ticket_when(
            url, ticket_id, lambda t: t.state == "fixed" and "fault_repair.confirm" in t.deadlines
        )
        assert ticket.due_at is not None
        assert ticket.due_at.isoformat() == ticket.deadlines["fault_repair.confirm"]
        assert ticket.details["paused"] is False, "the paused flag outlived the paused step"
        with pytest.raises(WorkflowUpdateFailedError) as nothing_to_resume:
            await handle.execute_update(FaultRepairWorkflow.resume, StepInput(actor=MAINTAINER))
        update_error(nothing_to_resume, "InvalidTransition")
        await close(handle, "fixed")


async def test_the_same_report_twice_opens_one_repair(
    dev_server: WorkflowEnvironment, settings: Settings, repairs: Repairs
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    fault = new_fault(elevator=OTHER_ELEVATOR)
    another = new_fault(elevator=OTHER_ELEVATOR)
    repairs.track(fault)
    repairs.track(another)
    async with running_worker(client, settings):
        first = await open_fault_repair(client, settings.temporal_task_queue, fault, mail_grace_seconds=1)
        again = await open_fault_repair(client, settings.temporal_task_queue, fault, mail_grace_seconds=1)
        assert first.duplicate is False
        assert again.duplicate is True
        assert again.ticket_id == first.ticket_id
        assert again.state == "reported"

        ticket, timeline = await ticket_when(url, first.ticket_id, lambda t: t.state == "reported")
        assert [e.action for e in timeline] == ["report", "dispatch"]
        runs = [w async for w in client.list_workflows(f'WorkflowId = "{first.ticket_id}"')]
        assert [w.run_id for w in runs] == [ticket.run_id]

        # Another report of the same elevator is another repair.
        other = await open_fault_repair(client, settings.temporal_task_queue, another, mail_grace_seconds=1)
        assert other.duplicate is False
        assert other.ticket_id != first.ticket_id

        for ticket_id in (first.ticket_id, other.ticket_id):
            stored, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
            await cancel(
                client.get_workflow_handle_for(
                    FaultRepairWorkflow.run, stored.workflow_id, run_id=stored.run_id
                )
            )
        ticket, timeline = await stored_ticket(url, first.ticket_id)
        assert ticket.state == "cancelled"
        assert timeline[-1].action == "cancel"
        assert timeline[-1].actor_user_id == SAFETY_MANAGER.user_id


async def test_a_repair_cannot_be_extended_backwards_or_by_a_regulator_without_reason(
    dev_server: WorkflowEnvironment, settings: Settings, repairs: Repairs
) -> None:
    client = dev_server.client
    async with running_worker(client, settings):
        ticket_id, handle = await repairs.open()
        ticket, _ = await stored_ticket(settings.effective_database_url, ticket_id)
        assert ticket.due_at is not None

        with pytest.raises(WorkflowUpdateFailedError) as earlier:
            await handle.execute_update(
                FaultRepairWorkflow.extend,
                ExtendInput(actor=REGULATOR, due_at=ticket.due_at - timedelta(minutes=1), reason="等待配件"),
            )
        assert update_error(earlier, "InvalidInput").details[0] == {"field": "due_at"}
        with pytest.raises(WorkflowUpdateFailedError) as no_reason:
            await handle.execute_update(
                FaultRepairWorkflow.extend,
                ExtendInput(actor=REGULATOR, due_at=ticket.due_at + timedelta(hours=1), reason=" "),
            )
        assert update_error(no_reason, "InvalidInput").details[0] == {"field": "reason"}
        await cancel(handle)
