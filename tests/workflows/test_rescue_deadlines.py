"""The rescue's legal clocks on Temporal's time-skipping test server: 5 minutes, 30 minutes, 2 hours, 24 hours."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from elevator_orders.settings import Settings
from tests.support.clues import clue_raised_by, decline_clue
from tests.support.rescue import (
    MAINTENANCE_MAIL,
    REGULATOR_MAIL,
    RESCUER,
    SAFETY_MANAGER,
    STATION_MAIL,
    STATION_RESCUER,
    USE_UNIT_MAIL,
    mails_to,
    new_report,
    open_dispatched,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, ConfirmInput, DisputeInput, ReleaseInput


async def test_nobody_accepting_in_5_minutes_redispatches_to_the_rescue_station(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    async with running_worker(env.client, settings):
        ticket_id, handle = await open_dispatched(env.client, settings, new_report(uuid.uuid4().hex))
        url = settings.effective_database_url
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "dispatched")
        assert ticket.assigned_unit_id == "mu-shenda"

        await env.sleep(timedelta(minutes=4))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "dispatched")
        assert ticket.assigned_unit_id == "mu-shenda", "re-dispatched before the 5-minute limit"

        await env.sleep(timedelta(minutes=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.assigned_unit_id == "rs-pudong")
        assert {"accept_overdue", "redispatched"} <= set(ticket.flags)
        assert timeline[-1].action == "redispatch"
        # After the re-dispatch the station races the 30-minute arrival limit, which is what is due now.
        assert ticket.due_at is not None
        assert ticket.due_at.isoformat() == ticket.deadlines["rescue.arrive"]

        messages = await mail_catcher.wait_for(
            lambda ms: len(mails_to(ms, STATION_MAIL)) == 1 and len(mails_to(ms, REGULATOR_MAIL)) == 1
        )
        assert [template_of(m) for m in mails_to(messages, STATION_MAIL)] == ["rescue_dispatched"]
        assert [template_of(m) for m in mails_to(messages, REGULATOR_MAIL)] == ["rescue_accept_overdue"]
        assert sorted(template_of(m) for m in mails_to(messages, USE_UNIT_MAIL)) == [
            "rescue_accept_overdue",
            "rescue_use_unit_notified",
        ]

        # The station's rescuer can now take it.
        result = await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=STATION_RESCUER))
        assert result.state == "accepted"
        await _finish(handle)


async def test_late_arrival_and_two_hours_trapped_escalate_to_the_district_regulator(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        ticket_id, handle = await open_dispatched(env.client, settings, new_report(uuid.uuid4().hex))
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))

        await env.sleep(timedelta(minutes=29))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "accepted")
        assert not ticket.overdue

        await env.sleep(timedelta(minutes=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "arrival_overdue" in t.flags)
        assert ticket.overdue
        assert "arrival_overdue" in [event.action for event in timeline]
        # A late arrival is a violation clue against the maintenance unit, per the policy row.
        clue, clue_timeline = await clue_raised_by(url, ticket_id)
        assert (clue.state, clue.spawned_from, clue.linked_tickets) == ("verifying", ticket_id, [ticket_id])
        assert clue.details["suspect_unit_id"] == "mu-shenda"
        assert clue.district == "pudong"
        assert clue_timeline[0].action == "raise"
        await mail_catcher.wait_for(
            lambda ms: (
                sorted(template_of(m) for m in mails_to(ms, REGULATOR_MAIL))
                == ["rescue_arrival_overdue", "work_order_assigned"]
            )
        )

        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "on_site")
        assert not ticket.overdue, "on site now: the open step is the release, not the arrival"
        assert ticket.details["arrival_minutes"] >= 31

        await env.sleep(timedelta(minutes=90))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: "accident" in t.flags)
        assert ticket.overdue
        await mail_catcher.wait_for(
            lambda ms: (
                sorted(template_of(m) for m in mails_to(ms, REGULATOR_MAIL))
                == ["rescue_accident", "rescue_arrival_overdue", "work_order_assigned"]
            )
        )
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=1, handler_name="李师傅")
        )
        await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        outcome = await handle.result()
        await decline_clue(env.client, clue)
    assert outcome.state == "closed"
    assert outcome.flags == ["arrival_overdue", "clue_opened", "accident"]


async def test_unconfirmed_rescue_escalates_after_24_hours_and_still_closes_on_confirmation(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        ticket_id, handle = await open_dispatched(env.client, settings, new_report(uuid.uuid4().hex))
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=3, handler_name="李师傅")
        )
        ticket, _ = await ticket_when(url, ticket_id, lambda t: "rescue.confirm" in t.deadlines)
        assert ticket.state == "released"
        assert ticket.due_at is not None
        assert ticket.due_at.isoformat() == ticket.deadlines["rescue.confirm"]

        # Halfway through the 24 hours the use unit is reminded, like every party that must act.
        await env.sleep(timedelta(hours=13))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        await mail_catcher.wait_for(
            lambda ms: "work_order_reminder" in [template_of(m) for m in mails_to(ms, USE_UNIT_MAIL)]
        )
        await env.sleep(timedelta(hours=10))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "released")
        assert not ticket.overdue

        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert {"confirmation_overdue", "escalated", "confirm_overdue"} <= set(ticket.flags)
        assert timeline[-1].action == "escalated"
        await mail_catcher.wait_for(
            lambda ms: [template_of(m) for m in mails_to(ms, REGULATOR_MAIL)] == ["work_order_escalated"]
        )

        await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        outcome = await handle.result()
        assert outcome.state == "closed"
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "closed")
        assert not ticket.overdue
        assert "confirmation_overdue" in ticket.flags, "the breach stays on record after closing"


async def _finish(handle: WorkflowHandle[Any, Any]) -> None:
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=STATION_RESCUER))
    await handle.execute_update(
        RescueWorkflow.release, ReleaseInput(actor=STATION_RESCUER, people_freed=1, handler_name="陈队长")
    )
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
    assert (await handle.result()).state == "closed"


async def test_disputed_release_goes_back_to_the_rescuer_and_its_correction_restarts_the_clock(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    async with running_worker(env.client, settings):
        ticket_id, handle = await open_dispatched(env.client, settings, new_report(uuid.uuid4().hex))
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=3, handler_name="李师傅")
        )
        await ticket_when(url, ticket_id, lambda t: "rescue.confirm" in t.deadlines)
        await env.sleep(timedelta(hours=20))
        result = await handle.execute_update(
            RescueWorkflow.dispute, DisputeInput(actor=SAFETY_MANAGER, reason="被困人数应为 2 人")
        )
        assert result.state == "release_disputed"
        assert result.allowed_actions == ["release"]
        disputed, _ = await ticket_when(url, ticket_id, lambda t: t.state == "release_disputed")
        assert disputed.due_at is None
        await mail_catcher.wait_for(
            lambda ms: "confirmation_disputed" in [template_of(m) for m in mails_to(ms, MAINTENANCE_MAIL)]
        )

        corrected_at = await env.get_current_time()
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=2, handler_name="李师傅")
        )
        ticket, _ = await ticket_when(
            url,
            ticket_id,
            lambda t: t.state == "released" and t.due_at is not None and t.due_at > corrected_at,
        )
        assert ticket.details["people_freed"] == 2
        assert ticket.due_at is not None
        assert timedelta(hours=23) < ticket.due_at - corrected_at <= timedelta(hours=24, minutes=1)
        # 20 hours after the first release, the corrected one is not overdue at the old deadline.
        await env.sleep(timedelta(hours=5))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "released")
        assert not ticket.overdue
        await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        outcome = await handle.result()
    assert outcome.state == "closed"
    assert "disputed" in outcome.flags
