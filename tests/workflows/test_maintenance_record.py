"""Maintenance records: the use unit confirms or disputes; every visit feeds the elevator's 15-day schedule."""

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.maintenance_record import maintenance_schedule_workflow_id
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from tests.support.maintenance import MAINTAINER, OTHER_MANAGER, end_schedule, new_record, submit
from tests.support.rescue import (
    MAINTENANCE_MAIL,
    SAFETY_MANAGER,
    USE_UNIT_MAIL,
    mails_to,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.fault_repair_models import ExtendInput, ReasonInput, StepInput
from workflows.maintenance_record import MaintenanceRecordWorkflow
from workflows.maintenance_record_models import ResubmitInput
from workflows.maintenance_record_schedule import MaintenanceScheduleWorkflow

ELEVATOR = "31011500002"
REGULATOR = Actor("u-regulator-pudong", "孙科长", "reg-pudong", Role.REGULATOR)


async def test_record_is_confirmed_after_a_dispute_and_counted_by_the_schedule(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    record = new_record(ELEVATOR)
    try:
        async with running_worker(client, settings):
            handle = await submit(client, settings, record)
            ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "submitted")
            assert ticket.kind == "maintenance_record"
            assert ticket.due_at is not None, "the confirmation clock runs"
            assert ticket.details["level"] == "half_month"

            with pytest.raises(WorkflowUpdateFailedError) as wrong_unit:
                await handle.execute_update(MaintenanceRecordWorkflow.confirm, StepInput(actor=OTHER_MANAGER))
            assert isinstance(wrong_unit.value.cause, ApplicationError)
            assert wrong_unit.value.cause.type == "ActionNotPermitted"
            with pytest.raises(WorkflowUpdateFailedError) as too_early:
                await handle.execute_update(
                    MaintenanceRecordWorkflow.resubmit, ResubmitInput(actor=MAINTAINER, items=["制动器"])
                )
            assert isinstance(too_early.value.cause, ApplicationError)
            assert too_early.value.cause.details[0]["allowed_actions"] == [
                "confirm",
                "dispute",
                "withdraw",
                "extend",
                "pause",
            ]

            # The manager may stop the confirmation clock; the district regulator may extend it.
            paused = await handle.execute_update(
                MaintenanceRecordWorkflow.pause,
                ReasonInput(actor=SAFETY_MANAGER, reason="安全管理员外出培训"),
            )
            assert paused.allowed_actions[-1] == "resume"
            stopped, _ = await ticket_when(url, handle.id, lambda t: t.due_at is None)
            assert stopped.details["paused"] is True
            await handle.execute_update(MaintenanceRecordWorkflow.resume, StepInput(actor=SAFETY_MANAGER))
            resumed, _ = await ticket_when(url, handle.id, lambda t: t.due_at is not None)
            assert ticket.due_at is not None
            assert resumed.due_at is not None
            assert resumed.due_at > ticket.due_at, "the paused time is added to the deadline"
            later = resumed.due_at + timedelta(days=2)
            await handle.execute_update(
                MaintenanceRecordWorkflow.extend,
                ExtendInput(actor=REGULATOR, due_at=later, reason="节假日顺延"),
            )
            extended, _ = await ticket_when(url, handle.id, lambda t: t.due_at == later)
            assert "extended" in extended.flags

            state = await handle.execute_update(
                MaintenanceRecordWorkflow.dispute,
                ReasonInput(actor=SAFETY_MANAGER, reason="缺少层门门锁检查"),
            )
            assert state == "disputed"
            ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "disputed")
            assert ticket.due_at is None
            state = await handle.execute_update(
                MaintenanceRecordWorkflow.resubmit,
                ResubmitInput(
                    actor=MAINTAINER, items=[*record.items, "层门门锁"], remarks="补充层门门锁检查"
                ),
            )
            assert state == "submitted"
            assert await handle.execute_update(
                MaintenanceRecordWorkflow.confirm, StepInput(actor=SAFETY_MANAGER)
            ) == ("confirmed")
            assert await handle.result() == "confirmed"

            ticket, timeline = await ticket_when(url, handle.id, lambda t: t.state == "confirmed")
            assert [e.action for e in timeline] == [
                "submit",
                "pause",
                "resume",
                "extend",
                "dispute",
                "resubmit",
                "confirm",
            ]
            assert ticket.details["revision"] == 2
            assert ticket.closed_at is not None
            schedule = client.get_workflow_handle_for(
                MaintenanceScheduleWorkflow.run, maintenance_schedule_workflow_id(ELEVATOR)
            )
            state_now = await schedule.query(MaintenanceScheduleWorkflow.schedule)
            assert state_now.last_performed_at == record.performed_at
            assert state_now.due_at is not None
            assert (state_now.due_at - record.performed_at).days == 15
            messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, MAINTENANCE_MAIL)) >= 2)
        assert sorted(template_of(m) for m in mails_to(messages, MAINTENANCE_MAIL)) == [
            "confirmation_disputed",
            "work_order_closed",
        ]
        assert "confirmation_requested" in [template_of(m) for m in mails_to(messages, USE_UNIT_MAIL)]
    finally:
        await end_schedule(client, ELEVATOR)
