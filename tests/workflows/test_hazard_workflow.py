"""The hazard workflow (隐患上报) on the real Temporal dev server: its paths, dedup, and rejected actions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.hazard_service import open_hazard
from domain.hazard import HazardSeverity, hazard_ticket_id
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.hazard import (
    ELEVATOR,
    INSPECTION_MAIL,
    INSPECTOR,
    MAINTAINER,
    OTHER_MAINTAINER,
    REGULATOR,
    SAFETY_MANAGER,
    XUHUI_SAFETY_MANAGER,
    HazardHandle,
    Hazards,
    close,
    new_hazard,
    rectification,
    update_error,
    withdraw,
)
from tests.support.rescue import (
    MAINTENANCE_MAIL,
    REGULATOR_MAIL,
    USE_UNIT_MAIL,
    mails_to,
    stored_ticket,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.hazard import HazardWorkflow
from workflows.hazard_models import ExtendInput, ReasonInput, StepInput

OTHER_ELEVATOR = "31011500002"


@pytest.fixture
async def hazards(dev_server: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Hazards]:
    hazards = Hazards(dev_server.client, settings)
    try:
        yield hazards
    finally:
        await hazards.end_unfinished()


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(template_of(m) for m in mails_to(messages, address))


def _plain(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def _accepted_updates(handle: HazardHandle) -> list[str]:
    """Names of the Updates that made it into the workflow's history."""
    history = await handle.fetch_history()
    return [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_an_inspectors_hazard_runs_from_report_to_verification(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, hazards: Hazards
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    calendar = load_working_day_calendar(settings.working_day_fallback_file)
    ref = f"JY-{uuid.uuid4().hex}"
    async with running_worker(client, settings):
        hazard = new_hazard(ref, reporter=INSPECTOR, hazard_type="rope_wear", description="钢丝绳断丝超标")
        hazards.track(hazard)
        registered = await open_hazard(client, settings.temporal_task_queue, hazard, mail_grace_seconds=1)
        assert (
            registered.ticket_id
            == hazard_ticket_id(ELEVATOR, "insp-sh", ref)
            == f"hazard-{ELEVATOR}-insp-sh-{ref}"
        )
        # Reported is momentary: the answer comes once the use unit has the hazard to rectify.
        assert (registered.state, registered.duplicate) == ("rectifying", False)

        ticket, timeline = await stored_ticket(url, registered.ticket_id)
        assert ticket.kind == "hazard"
        assert ticket.state == "rectifying"
        assert ticket.workflow_id == registered.ticket_id
        assert (ticket.district, ticket.use_unit_id, ticket.assigned_unit_id, ticket.maintenance_unit_id) == (
            "pudong",
            "uu-lujiazui",
            "uu-lujiazui",
            "mu-shenda",
        )
        # A serious hazard: 5 working days from the report, on China's official calendar.
        expected = calendar.add_working_days(ticket.opened_at, 5)
        assert ticket.due_at == expected.due_at
        assert ticket.deadlines == {"hazard.rectify_serious": expected.due_at.isoformat()}
        assert not ticket.overdue
        assert ticket.details["hazard_type"] == "rope_wear"
        assert ticket.details["hazard_type_label"] == "曳引钢丝绳磨损"
        assert (ticket.details["severity"], ticket.details["severity_label"]) == ("serious", "重大事故隐患")
        assert (ticket.details["reporter_unit_id"], ticket.details["reporter_role"]) == (
            "insp-sh",
            "inspector",
        )
        assert [(e.action, e.state) for e in timeline] == [("report", "reported"), ("dispatch", "rectifying")]
        assert timeline[0].actor_user_id == INSPECTOR.user_id
        assert timeline[0].data == {"hazard_type": "rope_wear", "severity": "serious", "ref": ref}

        handle = client.get_workflow_handle_for(HazardWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)
        submitted = await handle.execute_update(
            HazardWorkflow.submit_rectification,
            rectification(evidence=" 已更换全部曳引钢丝绳，附检测报告 "),
        )
        assert submitted.state == "rectified"
        assert submitted.allowed_actions == ["verify_pass", "verify_fail", "extend", "pause"]
        # The answer comes with the verification clock: 5 working days from the submission.
        ticket, timeline = await stored_ticket(url, registered.ticket_id)
        assert ticket.state == "rectified"
        assert timeline[-1].action == "submit_rectification"
        assert timeline[-1].note == "已更换全部曳引钢丝绳，附检测报告"
        assert ticket.details["evidence"] == "已更换全部曳引钢丝绳，附检测报告"
        verify_due = calendar.add_working_days(timeline[-1].at, 5).due_at
        assert ticket.due_at == verify_due
        assert ticket.deadlines["hazard.verify"] == verify_due.isoformat()

        verified = await handle.execute_update(
            HazardWorkflow.verify_pass, StepInput(actor=INSPECTOR, note="现场复查合格")
        )
        assert (verified.state, verified.allowed_actions) == ("closed", [])
        outcome = await handle.result()
        assert (outcome.ticket_id, outcome.state, outcome.flags) == (registered.ticket_id, "closed", [])

        ticket, timeline = await stored_ticket(url, registered.ticket_id)
        assert ticket.state == "closed"
        assert ticket.closed_at is not None
        assert ticket.due_at is None
        assert [e.action for e in timeline] == [
            "report",
            "dispatch",
            "submit_rectification",
            "verify_pass",
        ]
        assert [e.actor_user_id for e in timeline] == [
            INSPECTOR.user_id,
            None,
            SAFETY_MANAGER.user_id,
            INSPECTOR.user_id,
        ]

        messages = await mail_catcher.wait_for(lambda ms: len(ms) >= 4)
    assert _templates(messages, USE_UNIT_MAIL) == ["hazard_closed", "work_order_assigned"]
    assert _templates(messages, INSPECTION_MAIL) == ["hazard_closed", "hazard_verification_requested"]
    assert mails_to(messages, MAINTENANCE_MAIL) == []
    assert len(messages) == 4, [str(m["Subject"]) for m in messages]
    assert all("隐患上报" in str(m["Subject"]) for m in messages)


async def test_a_failed_verification_sends_the_use_unit_back_on_a_new_clock(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, hazards: Hazards
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    calendar = load_working_day_calendar(settings.working_day_fallback_file)
    async with running_worker(client, settings):
        ticket_id, handle = await hazards.open(
            new_hazard(hazard_type="door_lock_failure", severity=HazardSeverity.GENERAL)
        )
        ticket, _ = await stored_ticket(url, ticket_id)
        # A general hazard has 15 working days.
        assert ticket.due_at == calendar.add_working_days(ticket.opened_at, 15).due_at
        assert list(ticket.deadlines) == ["hazard.rectify_general"]

        await handle.execute_update(HazardWorkflow.submit_rectification, rectification(evidence="调整门锁"))
        with pytest.raises(WorkflowUpdateFailedError) as no_reason:
            await handle.execute_update(HazardWorkflow.verify_fail, ReasonInput(actor=MAINTAINER, reason=" "))
        assert update_error(no_reason, "InvalidInput").details[0] == {"field": "reason"}

        failed = await handle.execute_update(
            HazardWorkflow.verify_fail, ReasonInput(actor=MAINTAINER, reason="门锁啮合长度仍不足 7mm")
        )
        assert failed.state == "rectifying"
        assert failed.allowed_actions == ["submit_rectification", "withdraw", "extend", "pause"]
        ticket, timeline = await stored_ticket(url, ticket_id)
        assert ticket.state == "rectifying"
        assert "verify_failed" in ticket.flags
        assert ticket.details["verify_fail_reason"] == "门锁啮合长度仍不足 7mm"
        assert ticket.details["rectify_rounds"] == 2
        assert (timeline[-1].action, timeline[-1].actor_user_id) == ("verify_fail", MAINTAINER.user_id)
        # A new rectification clock from the failure, on the same severity's row.
        assert ticket.due_at == calendar.add_working_days(timeline[-1].at, 15).due_at
        assert ticket.deadlines["hazard.rectify_general"] == ticket.due_at.isoformat()
        assert not ticket.overdue

        messages = await mail_catcher.wait_for(
            lambda ms: "hazard_verification_failed" in _templates(ms, USE_UNIT_MAIL)
        )
        assert _templates(messages, USE_UNIT_MAIL) == ["hazard_verification_failed", "work_order_assigned"]
        disputed = next(
            m for m in mails_to(messages, USE_UNIT_MAIL) if template_of(m) == "hazard_verification_failed"
        )
        assert "门锁啮合长度仍不足 7mm" in _plain(disputed)

        await handle.execute_update(
            HazardWorkflow.submit_rectification, rectification(evidence="更换门锁装置")
        )
        outcome = await close(handle, "rectified")
        assert outcome.flags == ["verify_failed"]

        _, timeline = await stored_ticket(url, ticket_id)
        assert [e.action for e in timeline] == [
            "report",
            "dispatch",
            "submit_rectification",
            "verify_fail",
            "submit_rectification",
            "verify_pass",
        ]
        messages = await mail_catcher.wait_for(lambda ms: "hazard_closed" in _templates(ms, USE_UNIT_MAIL))
        messages = await mail_catcher.wait_for(lambda ms: "hazard_closed" in _templates(ms, MAINTENANCE_MAIL))
    assert _templates(messages, MAINTENANCE_MAIL) == [
        "hazard_closed",
        "hazard_verification_requested",
        "hazard_verification_requested",
    ]


async def test_the_reporter_withdraws_only_while_the_hazard_is_being_rectified(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, hazards: Hazards
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    async with running_worker(client, settings):
        ticket_id, handle = await hazards.open()
        await handle.execute_update(HazardWorkflow.submit_rectification, rectification())

        with pytest.raises(WorkflowUpdateFailedError) as too_late:
            await handle.execute_update(HazardWorkflow.withdraw, ReasonInput(actor=MAINTAINER, reason="误报"))
        assert update_error(too_late, "InvalidTransition").details[0] == {
            "state": "rectified",
            "action": "withdraw",
            "allowed_actions": ["verify_pass", "verify_fail", "extend", "pause"],
        }
        await handle.execute_update(
            HazardWorkflow.verify_fail, ReasonInput(actor=MAINTAINER, reason="未整改到位")
        )

        # Withdrawing is the reporter's: not the use unit's, not another organisation's.
        for actor in (SAFETY_MANAGER, INSPECTOR, OTHER_MAINTAINER):
            with pytest.raises(WorkflowUpdateFailedError) as not_reporter:
                await handle.execute_update(HazardWorkflow.withdraw, ReasonInput(actor=actor, reason="误报"))
            update_error(not_reporter, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as no_reason:
            await handle.execute_update(HazardWorkflow.withdraw, ReasonInput(actor=MAINTAINER, reason=""))
        assert update_error(no_reason, "InvalidInput").details[0] == {"field": "reason"}

        withdrawn = await handle.execute_update(
            HazardWorkflow.withdraw, ReasonInput(actor=MAINTAINER, reason="复核为误报")
        )
        assert (withdrawn.state, withdrawn.allowed_actions) == ("cancelled", [])
        outcome = await handle.result()
        assert (outcome.state, outcome.flags) == ("cancelled", ["verify_failed"])

        ticket, timeline = await stored_ticket(url, ticket_id)
        assert ticket.state == "cancelled"
        assert ticket.closed_at is not None
        assert ticket.due_at is None
        assert (timeline[-1].action, timeline[-1].note) == ("withdraw", "复核为误报")
        assert await _accepted_updates(handle) == [
            "register",
            "submit_rectification",
            "verify_fail",
            "withdraw",
        ]
    assert "hazard_closed" not in _templates(mail_catcher.messages, USE_UNIT_MAIL)


async def test_actions_out_of_turn_or_by_the_wrong_party_are_rejected_before_they_enter_history(
    dev_server: WorkflowEnvironment, settings: Settings, hazards: Hazards
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    async with running_worker(client, settings):
        ticket_id, handle = await hazards.open(new_hazard(elevator=OTHER_ELEVATOR))

        with pytest.raises(WorkflowUpdateFailedError) as wrong_state:
            await handle.execute_update(HazardWorkflow.verify_pass, StepInput(actor=MAINTAINER))
        assert update_error(wrong_state, "InvalidTransition").details[0] == {
            "state": "rectifying",
            "action": "verify_pass",
            "allowed_actions": ["submit_rectification", "withdraw", "extend", "pause"],
        }

        # Rectifying is the use unit's safety manager's: not another use unit's, not the maintainer's.
        for actor in (XUHUI_SAFETY_MANAGER, MAINTAINER):
            with pytest.raises(WorkflowUpdateFailedError) as not_use_unit:
                await handle.execute_update(HazardWorkflow.submit_rectification, rectification(actor=actor))
            update_error(not_use_unit, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as no_evidence:
            await handle.execute_update(HazardWorkflow.submit_rectification, rectification(evidence="  "))
        error = update_error(no_evidence, "InvalidInput")
        assert "evidence" in error.message
        assert error.details[0] == {"field": "evidence"}

        # The clock of the rectification is the use unit's to pause; the reporter's is the verification.
        with pytest.raises(WorkflowUpdateFailedError) as not_theirs:
            await handle.execute_update(HazardWorkflow.pause, ReasonInput(actor=MAINTAINER, reason="检测"))
        update_error(not_theirs, "ActionNotPermitted")
        paused = await handle.execute_update(
            HazardWorkflow.pause, ReasonInput(actor=SAFETY_MANAGER, reason="等待检验机构检测")
        )
        assert paused.allowed_actions == ["submit_rectification", "withdraw", "extend", "resume"]
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.details["paused"] is True)
        assert ticket.due_at is None
        with pytest.raises(WorkflowUpdateFailedError) as twice:
            await handle.execute_update(
                HazardWorkflow.pause, ReasonInput(actor=SAFETY_MANAGER, reason="等待检验机构检测")
            )
        assert update_error(twice, "InvalidTransition").details[0]["action"] == "pause"
        await handle.execute_update(HazardWorkflow.resume, StepInput(actor=SAFETY_MANAGER))

        # Extensions are the district regulator's, forward only, with a reason.
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.due_at is not None)
        assert ticket.due_at is not None
        with pytest.raises(WorkflowUpdateFailedError) as not_regulator:
            await handle.execute_update(
                HazardWorkflow.extend,
                ExtendInput(actor=SAFETY_MANAGER, due_at=ticket.due_at + timedelta(days=5), reason="配件"),
            )
        update_error(not_regulator, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as earlier:
            await handle.execute_update(
                HazardWorkflow.extend,
                ExtendInput(actor=REGULATOR, due_at=ticket.due_at - timedelta(hours=1), reason="配件"),
            )
        assert update_error(earlier, "InvalidInput").details[0] == {"field": "due_at"}
        extended_to = ticket.due_at + timedelta(days=5)
        extended = await handle.execute_update(
            HazardWorkflow.extend, ExtendInput(actor=REGULATOR, due_at=extended_to, reason="需更换整机部件")
        )
        assert extended.state == "rectifying"
        ticket, _ = await ticket_when(url, ticket_id, lambda t: "extended" in t.flags)
        assert ticket.due_at == extended_to

        await handle.execute_update(HazardWorkflow.submit_rectification, rectification())
        # A maintainer reported it: an inspector does not verify it, nor another maintenance unit.
        for actor in (INSPECTOR, OTHER_MAINTAINER, SAFETY_MANAGER):
            with pytest.raises(WorkflowUpdateFailedError) as not_reporter:
                await handle.execute_update(HazardWorkflow.verify_pass, StepInput(actor=actor))
            update_error(not_reporter, "ActionNotPermitted")
        # Now the reporter must act: the verification clock is the reporter's to pause.
        with pytest.raises(WorkflowUpdateFailedError) as use_unit_pauses:
            await handle.execute_update(
                HazardWorkflow.pause, ReasonInput(actor=SAFETY_MANAGER, reason="检测")
            )
        update_error(use_unit_pauses, "ActionNotPermitted")
        await handle.execute_update(
            HazardWorkflow.pause, ReasonInput(actor=MAINTAINER, reason="等待第三方检测")
        )
        with pytest.raises(WorkflowUpdateFailedError) as again:
            await handle.execute_update(HazardWorkflow.submit_rectification, rectification())
        assert update_error(again, "InvalidTransition").details[0] == {
            "state": "rectified",
            "action": "submit_rectification",
            "allowed_actions": ["verify_pass", "verify_fail", "extend", "resume"],
        }

        assert await _accepted_updates(handle) == [
            "register",
            "pause",
            "resume",
            "extend",
            "submit_rectification",
            "pause",
        ]
        outcome = await close(handle, "rectified")
        assert outcome.flags == ["extended"]


async def test_the_same_report_twice_opens_one_hazard(
    dev_server: WorkflowEnvironment, settings: Settings, hazards: Hazards
) -> None:
    client = dev_server.client
    url = settings.effective_database_url
    hazard = new_hazard(elevator=OTHER_ELEVATOR)
    another = new_hazard(elevator=OTHER_ELEVATOR, reporter=INSPECTOR)
    hazards.track(hazard)
    hazards.track(another)
    async with running_worker(client, settings):
        first = await open_hazard(client, settings.temporal_task_queue, hazard, mail_grace_seconds=1)
        again = await open_hazard(client, settings.temporal_task_queue, hazard, mail_grace_seconds=1)
        assert first.duplicate is False
        assert again.duplicate is True
        assert again.ticket_id == first.ticket_id
        assert again.state == "rectifying"

        ticket, timeline = await stored_ticket(url, first.ticket_id)
        assert [e.action for e in timeline] == ["report", "dispatch"]
        runs = [w async for w in client.list_workflows(f'WorkflowId = "{first.ticket_id}"')]
        assert [w.run_id for w in runs] == [ticket.run_id]

        # Another report number is another hazard, even on the same elevator.
        other = await open_hazard(client, settings.temporal_task_queue, another, mail_grace_seconds=1)
        assert other.duplicate is False
        assert other.ticket_id != first.ticket_id

        await withdraw(client.get_workflow_handle_for(HazardWorkflow.run, first.ticket_id))
        await withdraw(client.get_workflow_handle_for(HazardWorkflow.run, other.ticket_id), INSPECTOR)
        ticket, timeline = await stored_ticket(url, first.ticket_id)
        assert ticket.state == "cancelled"
        assert timeline[-1].actor_user_id == MAINTAINER.user_id


async def test_a_new_hazard_mails_the_use_unit_what_to_rectify_and_by_when(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, hazards: Hazards
) -> None:
    client = dev_server.client
    async with running_worker(client, settings):
        _, handle = await hazards.open(
            new_hazard(hazard_type="emergency_alarm", description="五方通话无应答")
        )
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, USE_UNIT_MAIL)) == 1)
        body = _plain(mails_to(messages, USE_UNIT_MAIL)[0])
        assert "重大事故隐患·紧急报警装置失效：五方通话无应答" in body
        assert "隐患整改" in body
        assert "维保单位上报" in body
        # The regulator hears of a hazard only when a step is overdue.
        assert mails_to(messages, REGULATOR_MAIL) == []
        await withdraw(handle)
