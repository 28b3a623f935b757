"""The hazard's legal clocks on Temporal's time-skipping test server: working-day deadlines set by severity,
the reminder to whoever must act, and escalation to the district regulator's queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import time, timedelta
from email.message import EmailMessage

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.calendar import CHINA_TIME
from domain.hazard import HazardSeverity
from domain.policies import policy_table
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.clues import clue_raised_by, decline_clue
from tests.support.hazard import (
    INSPECTION_AGENCY,
    INSPECTION_MAIL,
    INSPECTOR,
    Hazards,
    close,
    new_hazard,
    rectification,
)
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
from workflows.hazard import HazardWorkflow
from workflows.hazard_models import ReasonInput

USE_UNIT_NAME = "陆家嘴花园物业管理处"


@pytest.fixture
async def hazards(time_skipping_server: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Hazards]:
    hazards = Hazards(time_skipping_server.client, settings)
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


async def _closing_mails(mail_catcher: MailCatcher, reporter_mail: str) -> None:
    """Wait until both parties have the closing mail, so no mail is left to the next test's server time."""
    await mail_catcher.wait_for(
        lambda ms: (
            "hazard_closed" in _templates(ms, USE_UNIT_MAIL)
            and "hazard_closed" in _templates(ms, reporter_mail)
        )
    )


async def test_a_serious_hazard_is_reminded_and_escalated_on_its_working_day_deadline(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    hazards: Hazards,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    policy = policy_table(settings.policy_overrides)["hazard.rectify_serious"]
    async with running_worker(env.client, settings):
        ticket_id, handle = await hazards.open(new_hazard(severity=HazardSeverity.SERIOUS))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.state == "rectifying")
        reported_at = next(e.at for e in timeline if e.action == "report")

        # The end of the 5th working day after the day of the report, on China's official calendar.
        expected = load_working_day_calendar(settings.working_day_fallback_file).add_working_days(
            reported_at, int(policy.limit)
        )
        assert ticket.due_at == expected.due_at
        assert ticket.deadlines["hazard.rectify_serious"] == expected.due_at.isoformat()
        assert ("hazard.rectify_serious" in ticket.provisional_deadlines) == expected.provisional
        due_local = expected.due_at.astimezone(CHINA_TIME)
        assert due_local.time() == time(0)
        assert (due_local.date() - reported_at.astimezone(CHINA_TIME).date()).days >= 6
        assert policy.remind_at is not None
        remind_at = reported_at + (expected.due_at - reported_at) * policy.remind_at

        await env.sleep(remind_at - reported_at - timedelta(hours=1))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "rectifying")
        assert ticket.flags == []

        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        assert timeline[-1].action == "reminder"
        assert timeline[-1].data == {"step": "hazard.rectify_serious"}
        # The use unit must rectify, so the use unit is reminded; the reporter is not.
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, USE_UNIT_MAIL) == ["work_order_assigned", "work_order_reminder"]
        )
        assert mails_to(mail_catcher.messages, MAINTENANCE_MAIL) == []

        # Now at the reminder plus an hour: sleep on to an hour before the deadline.
        await env.sleep(expected.due_at - remind_at - timedelta(hours=2))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "rectifying")
        assert not ticket.overdue
        assert "escalated" not in ticket.flags

        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert ticket.state == "rectifying"
        assert {"reminded", "escalated", "rectify_overdue"} <= set(ticket.flags)
        escalation = next(event for event in timeline if event.action == "escalated")
        assert escalation.data == {"step": "hazard.rectify_serious"}
        assert escalation.at >= expected.due_at
        # An overdue hazard is also a violation clue against the use unit, per the policy row.
        clue, _ = await clue_raised_by(url, ticket_id)
        assert (clue.state, clue.spawned_from) == ("verifying", ticket_id)
        assert clue.details["suspect_unit_id"] == "uu-lujiazui"
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, REGULATOR_MAIL)) == 2)
        assert sorted(_templates(messages, REGULATOR_MAIL)) == ["work_order_assigned", "work_order_escalated"]
        escalated = _plain(
            next(m for m in mails_to(messages, REGULATOR_MAIL) if template_of(m) == "work_order_escalated")
        )
        assert f"{USE_UNIT_NAME}未在规定时限" in escalated
        assert "隐患整改" in escalated

        # Late, but rectified: the verification has its own clock, which has not run out.
        await handle.execute_update(HazardWorkflow.submit_rectification, rectification())
        ticket, _ = await ticket_when(
            url, ticket_id, lambda t: t.state == "rectified" and "hazard.verify" in t.deadlines
        )
        assert not ticket.overdue
        assert "rectify_overdue" in ticket.flags, "the breach stays on record"
        outcome = await close(handle, "rectified")
        assert outcome.flags == ["reminded", "escalated", "rectify_overdue", "clue_opened"]
        await _closing_mails(mail_catcher, MAINTENANCE_MAIL)
        await decline_clue(env.client, clue)


async def test_an_unverified_rectification_escalates_to_the_regulator(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    hazards: Hazards,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    calendar = load_working_day_calendar(settings.working_day_fallback_file)
    async with running_worker(env.client, settings):
        ticket_id, handle = await hazards.open(
            new_hazard(reporter=INSPECTOR, hazard_type="buffer", severity=HazardSeverity.GENERAL)
        )
        await handle.execute_update(HazardWorkflow.submit_rectification, rectification(evidence="更换缓冲器"))
        ticket, timeline = await ticket_when(
            url, ticket_id, lambda t: t.state == "rectified" and "hazard.verify" in t.deadlines
        )
        submitted_at = next(e.at for e in timeline if e.action == "submit_rectification")
        # 5 working days to verify, from the submission.
        expected = calendar.add_working_days(submitted_at, 5)
        assert ticket.due_at == expected.due_at
        assert ticket.deadlines["hazard.verify"] == expected.due_at.isoformat()
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, INSPECTION_MAIL) == ["hazard_verification_requested"]
        )

        await env.sleep(expected.due_at - submitted_at - timedelta(hours=1))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        assert ticket.state == "rectified"
        assert not ticket.overdue
        assert timeline[-1].action == "reminder"
        assert timeline[-1].data == {"step": "hazard.verify"}
        # The reporter must verify, so the reporter is reminded.
        await mail_catcher.wait_for(
            lambda ms: (
                _templates(ms, INSPECTION_MAIL) == ["hazard_verification_requested", "work_order_reminder"]
            )
        )

        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert ticket.state == "rectified"
        assert {"escalated", "verify_overdue"} <= set(ticket.flags)
        assert "rectify_overdue" not in ticket.flags
        assert timeline[-1].data == {"step": "hazard.verify"}
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, REGULATOR_MAIL)) == 1)
        assert f"{INSPECTION_AGENCY.name}未在规定时限" in _plain(mails_to(messages, REGULATOR_MAIL)[0])

        # Verified late and failed: the use unit rectifies again, on a fresh clock that is not overdue.
        await handle.execute_update(
            HazardWorkflow.verify_fail, ReasonInput(actor=INSPECTOR, reason="缓冲器型号与设计不符")
        )
        ticket, timeline = await ticket_when(
            url, ticket_id, lambda t: t.state == "rectifying" and not t.overdue
        )
        assert ticket.due_at == calendar.add_working_days(timeline[-1].at, 15).due_at
        assert "verify_overdue" in ticket.flags, "the breach stays on record"
        outcome = await close(handle, "rectifying", reporter=INSPECTOR)
        assert outcome.flags == ["reminded", "escalated", "verify_overdue", "verify_failed"]
        await _closing_mails(mail_catcher, INSPECTION_MAIL)
        assert mails_to(mail_catcher.messages, MAINTENANCE_MAIL) == []
