"""The fault repair's legal clocks on Temporal's time-skipping test server: reminders, escalation,
extension (延期) by the district regulator, pause (中止计时) by the maintenance unit, and working days."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time, timedelta
from email.message import EmailMessage

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.calendar import CHINA_TIME
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.fault_repair import MAINTAINER, REGULATOR, SAFETY_MANAGER, Repairs, close, fix_input
from tests.support.rescue import (
    MAINTENANCE_MAIL,
    REGULATOR_MAIL,
    USE_UNIT_MAIL,
    mails_to,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import ExtendInput, ReasonInput, StepInput


@pytest.fixture
async def repairs(time_skipping_server: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Repairs]:
    repairs = Repairs(time_skipping_server.client, settings)
    try:
        yield repairs
    finally:
        await repairs.end_unfinished()


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(template_of(m) for m in mails_to(messages, address))


async def _closing_mails(mail_catcher: MailCatcher) -> None:
    """Wait until both parties have the closing mail, so no mail is left to the next test's server time."""
    await mail_catcher.wait_for(
        lambda ms: (
            "work_order_closed" in _templates(ms, USE_UNIT_MAIL)
            and "work_order_closed" in _templates(ms, MAINTENANCE_MAIL)
        )
    )


async def test_an_unaccepted_repair_is_reminded_at_15_minutes_and_escalated_at_30(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    repairs: Repairs,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        ticket_id, handle = await repairs.open()
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert ticket.due_at == ticket.opened_at + timedelta(minutes=30)

        await env.sleep(timedelta(minutes=14))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert ticket.flags == []

        await env.sleep(timedelta(minutes=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        assert timeline[-1].action == "reminder"
        assert timeline[-1].data == {"step": "fault_repair.accept"}
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, MAINTENANCE_MAIL) == ["work_order_assigned", "work_order_reminder"]
        )

        await env.sleep(timedelta(minutes=13))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert not ticket.overdue
        assert "escalated" not in ticket.flags

        await env.sleep(timedelta(minutes=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert ticket.state == "reported"
        assert {"reminded", "escalated", "accept_overdue"} <= set(ticket.flags)
        assert timeline[-1].action == "escalated"
        assert timeline[-1].data == {"step": "fault_repair.accept"}
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, REGULATOR_MAIL)) == 1)
        assert _templates(messages, REGULATOR_MAIL) == ["work_order_escalated"]

        # Late, but accepted: the arrival has its own clock, which has not run out.
        await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        ticket, _ = await ticket_when(
            url, ticket_id, lambda t: t.state == "accepted" and "fault_repair.arrive" in t.deadlines
        )
        assert not ticket.overdue
        assert ticket.due_at == ticket.opened_at + timedelta(hours=2)
        assert "accept_overdue" in ticket.flags, "the breach stays on record"
        outcome = await close(handle, "accepted")
        assert outcome.flags == ["reminded", "escalated", "accept_overdue"]
        await _closing_mails(mail_catcher)


async def test_the_district_regulator_extends_the_accept_deadline(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    repairs: Repairs,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        ticket_id, handle = await repairs.open()
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert ticket.due_at is not None
        extended_to = ticket.due_at + timedelta(hours=1)

        await env.sleep(timedelta(minutes=20))
        result = await handle.execute_update(
            FaultRepairWorkflow.extend,
            ExtendInput(actor=REGULATOR, due_at=extended_to, reason="暴雨，道路封闭"),
        )
        assert result.state == "reported"
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "extended" in t.flags)
        assert ticket.due_at == extended_to
        assert ticket.deadlines["fault_repair.accept"] == extended_to.isoformat()
        extend = timeline[-1]
        assert extend.action == "extend"
        assert extend.actor_user_id == REGULATOR.user_id
        assert extend.note == "暴雨，道路封闭"
        assert extend.data["step"] == "fault_repair.accept"
        assert extend.data["to"] == extended_to.isoformat()

        # Past the original 30 minutes: nothing happens, the deadline is the extended one.
        await env.sleep(timedelta(minutes=11))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert not ticket.overdue
        assert "escalated" not in ticket.flags
        await env.sleep(timedelta(minutes=57))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert not ticket.overdue

        await env.sleep(timedelta(minutes=3))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert {"extended", "escalated", "accept_overdue"} <= set(ticket.flags)
        assert timeline[-1].action == "escalated"
        assert timeline[-1].at >= extended_to
        assert [e.action for e in timeline].count("extend") == 1
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, REGULATOR_MAIL)) == 1)
        assert _templates(messages, REGULATOR_MAIL) == ["work_order_escalated"]

        await close(handle, "reported")
        await _closing_mails(mail_catcher)


async def test_a_paused_accept_clock_stands_still_and_resumes_with_a_moved_deadline(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    repairs: Repairs,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        ticket_id, handle = await repairs.open()
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        original_due = ticket.due_at
        assert original_due is not None

        await env.sleep(timedelta(minutes=10))
        paused = await handle.execute_update(
            FaultRepairWorkflow.pause, ReasonInput(actor=MAINTAINER, reason="检验机构检测，暂停计时")
        )
        assert paused.allowed_actions == ["accept", "cancel", "extend", "resume"]
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.details["paused"] is True)
        assert ticket.due_at is None
        assert not ticket.overdue

        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert ticket.due_at is None
        assert not ticket.overdue
        assert ticket.flags == [], "a paused clock neither reminds nor escalates"
        assert timeline[-1].action == "pause"
        assert _templates(mail_catcher.messages, MAINTENANCE_MAIL) == ["work_order_assigned"]
        assert mails_to(mail_catcher.messages, REGULATOR_MAIL) == []

        resumed = await handle.execute_update(FaultRepairWorkflow.resume, StepInput(actor=MAINTAINER))
        assert resumed.allowed_actions == ["accept", "cancel", "extend", "pause"]
        ticket, timeline = await ticket_when(
            url, ticket_id, lambda t: t.details["paused"] is False and t.due_at is not None
        )
        pause, resume = timeline[-2], timeline[-1]
        assert (pause.action, resume.action) == ("pause", "resume")
        stood_still = resume.at - pause.at
        assert timedelta(hours=2) <= stood_still < timedelta(hours=2, minutes=1)
        assert ticket.due_at == original_due + stood_still
        assert ticket.details["paused_seconds"] == stood_still.total_seconds()

        # The reminder moved with the deadline: half of the 30 minutes, plus the paused time.
        await env.sleep(timedelta(minutes=7))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        assert timeline[-1].action == "reminder"

        await env.sleep(timedelta(minutes=11))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "reported")
        assert not ticket.overdue, "escalated before the moved deadline"
        assert "escalated" not in ticket.flags

        await env.sleep(timedelta(minutes=3))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert {"reminded", "escalated", "accept_overdue"} <= set(ticket.flags)
        assert timeline[-1].at >= original_due + stood_still
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, REGULATOR_MAIL)) == 1)
        assert _templates(messages, REGULATOR_MAIL) == ["work_order_escalated"]

        await close(handle, "reported")
        await _closing_mails(mail_catcher)


async def test_an_unconfirmed_repair_escalates_after_2_working_days(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    repairs: Repairs,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        ticket_id, handle = await repairs.open()
        await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.fix, fix_input())
        ticket, timeline = await ticket_when(
            url, ticket_id, lambda t: t.state == "fixed" and "fault_repair.confirm" in t.deadlines
        )
        fixed_at = next(e.at for e in timeline if e.action == "fix")

        # The end of the 2nd working day after the day of the fix, on China's official calendar.
        expected = load_working_day_calendar(settings.working_day_fallback_file).add_working_days(fixed_at, 2)
        assert ticket.due_at == expected.due_at
        assert ticket.deadlines["fault_repair.confirm"] == expected.due_at.isoformat()
        assert ("fault_repair.confirm" in ticket.provisional_deadlines) == expected.provisional
        due_local = expected.due_at.astimezone(CHINA_TIME)
        assert due_local.time() == time(0)
        assert (due_local.date() - fixed_at.astimezone(CHINA_TIME).date()).days >= 3
        await mail_catcher.wait_for(lambda ms: _templates(ms, USE_UNIT_MAIL) == ["confirmation_requested"])

        await env.sleep(expected.due_at - fixed_at - timedelta(hours=1))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        assert ticket.state == "fixed"
        assert not ticket.overdue
        assert timeline[-1].action == "reminder"
        assert timeline[-1].data == {"step": "fault_repair.confirm"}
        # The use unit must confirm, so the use unit is reminded.
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, USE_UNIT_MAIL) == ["confirmation_requested", "work_order_reminder"]
        )

        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert ticket.state == "fixed"
        assert {"escalated", "confirm_overdue"} <= set(ticket.flags)
        assert timeline[-1].action == "escalated"
        assert timeline[-1].data == {"step": "fault_repair.confirm"}
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, REGULATOR_MAIL)) == 1)
        assert _templates(messages, REGULATOR_MAIL) == ["work_order_escalated"]

        confirmed = await handle.execute_update(FaultRepairWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
        assert confirmed.state == "closed"
        outcome = await handle.result()
        assert outcome.state == "closed"
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "closed")
        assert not ticket.overdue
        assert "confirm_overdue" in ticket.flags, "the breach stays on record after closing"
        await _closing_mails(mail_catcher)
