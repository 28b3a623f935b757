"""The 15-day maintenance rule and the confirmation clock, at their real lengths on the time-skipping server."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.calendar import CHINA_TIME, NotCovered, WorkingDayCalendar, parse_fallback_days
from domain.maintenance_record import maintenance_schedule_workflow_id, missed_maintenance_ticket_id
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.clues import clue_raised_by, decline_clue
from tests.support.maintenance import end_schedule, new_record, submit
from tests.support.payload_keys import encrypting_data_converter
from tests.support.rescue import (
    JINGAN_SAFETY_MANAGER,
    MAINTENANCE_MAIL,
    REGULATOR_MAIL,
    SAFETY_MANAGER,
    mails_to,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from tests.support.temporal_test_server import time_skipping_wrapper
from worker.main import running_worker
from workflows.fault_repair_models import StepInput
from workflows.maintenance_record import MaintenanceRecordWorkflow
from workflows.maintenance_record_schedule import MaintenanceScheduleWorkflow

ELEVATOR = "31011500001"


async def test_no_record_for_15_days_goes_to_the_regulator_until_the_next_visit(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    # The test server's clock runs ahead of the wall clock once earlier tests have skipped time.
    performed = await env.get_current_time() - timedelta(hours=1)
    try:
        async with running_worker(env.client, settings):
            first = await submit(env.client, settings, new_record(ELEVATOR, performed))
            await ticket_when(url, first.id, lambda t: t.state == "submitted")
            await first.execute_update(MaintenanceRecordWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
            schedule = env.client.get_workflow_handle_for(
                MaintenanceScheduleWorkflow.run, maintenance_schedule_workflow_id(ELEVATOR)
            )
            first_run = (await schedule.describe()).run_id

            await env.sleep(timedelta(days=13))
            await mail_catcher.wait_for(
                lambda ms: "work_order_reminder" in [template_of(m) for m in mails_to(ms, MAINTENANCE_MAIL)]
            )
            due_date = (performed + timedelta(days=15)).astimezone(CHINA_TIME).date().isoformat()
            missed_id = missed_maintenance_ticket_id(ELEVATOR, due_date)

            await env.sleep(timedelta(days=3))
            missed, _ = await ticket_when(url, missed_id, lambda t: t.overdue)
            assert missed.kind == "maintenance_record"
            assert missed.state == "overdue"
            assert missed.district == "pudong"
            assert "interval_overdue" in missed.flags
            # A missed 15-day interval is a violation clue against the maintenance unit (条例 Art 31).
            clue, _ = await clue_raised_by(url, missed_id)
            assert clue.details["suspect_unit_id"] == "mu-shenda"
            assert clue.linked_tickets == [missed_id, first.id]
            _, timeline = await ticket_when(url, missed_id, lambda t: t.overdue)
            assert [e.action for e in timeline] == ["escalated", "clue_opened"]
            await mail_catcher.wait_for(
                lambda ms: "work_order_escalated" in [template_of(m) for m in mails_to(ms, REGULATOR_MAIL)]
            )

            # The next visit resolves the queue item, and the schedule starts over from it.
            late = await submit(env.client, settings, new_record(ELEVATOR, await env.get_current_time()))
            resolved, _ = await ticket_when(url, missed_id, lambda t: t.state == "resolved")
            assert not resolved.overdue
            assert resolved.details["last_record_ticket_id"] == late.id
            await ticket_when(url, late.id, lambda t: t.state == "submitted")
            await late.execute_update(MaintenanceRecordWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
            # Finish before this worker stops: a run left behind would hold the shared server's clock.
            assert await late.result() == "confirmed"
            assert await first.result() == "confirmed"
            description = await schedule.describe()
            assert description.run_id != first_run, "each visit continues the schedule as new"
            await decline_clue(env.client, clue)
    finally:
        await end_schedule(env.client, ELEVATOR)


async def test_an_unconfirmed_record_escalates_after_3_working_days(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    elevator = "31011500002"
    try:
        async with running_worker(env.client, settings):
            handle = await submit(env.client, settings, new_record(elevator, await env.get_current_time()))
            ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "submitted")
            expected = load_working_day_calendar(None).add_working_days(ticket.opened_at, 3)
            assert ticket.due_at == expected.due_at

            await env.sleep(expected.due_at - await env.get_current_time() - timedelta(minutes=5))
            ticket, _ = await ticket_when(url, handle.id, lambda t: "reminded" in t.flags)
            assert not ticket.overdue
            await env.sleep(timedelta(minutes=10))
            ticket, _ = await ticket_when(url, handle.id, lambda t: t.overdue)
            assert "confirm_overdue" in ticket.flags
            await mail_catcher.wait_for(
                lambda ms: "work_order_escalated" in [template_of(m) for m in mails_to(ms, REGULATOR_MAIL)]
            )
            await handle.execute_update(MaintenanceRecordWorkflow.confirm, StepInput(actor=SAFETY_MANAGER))
            assert await handle.result() == "confirmed"
    finally:
        await end_schedule(env.client, elevator)


def _first_working_pair_after(day: date) -> date:
    """The first day after `day` that is a Monday, Tuesday or Wednesday: it and the two after are weekdays."""
    day += timedelta(days=1)
    while day.weekday() > 2:
        day += timedelta(days=1)
    return day


async def test_a_confirmation_deadline_reaching_past_the_official_calendar_is_provisional(
    settings: Settings, mail_catcher: MailCatcher, tmp_path: Path
) -> None:
    # A server of its own: this test moves the clock a week or two ahead, which others should not inherit.
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(time_skipping_wrapper()),
        data_converter=encrypting_data_converter(),
    )
    # The server only moves forward from today, so the calendar is built around its start, not a year:
    # the official calendar covers weekdays up to the day after submission and nothing beyond, as
    # chinesecalendar covers the years the State Council has published; the operator's fallback file
    # makes the day after that a holiday.
    start = (await env.get_current_time()).astimezone(CHINA_TIME).date()
    submitted_on = _first_working_pair_after(start)
    last_official = submitted_on + timedelta(days=1)
    holiday = submitted_on + timedelta(days=2)

    def official(day: date) -> bool:
        if day > last_official:
            raise NotCovered(f"no official calendar after {last_official}")
        return day.weekday() < 5

    fallback_file = tmp_path / "holidays.txt"
    fallback_file.write_text(f"{holiday.isoformat()} holiday  # not yet published\n", encoding="utf-8")
    calendar = WorkingDayCalendar(official, parse_fallback_days(fallback_file.read_text(encoding="utf-8")))
    url = settings.effective_database_url
    elevator = "31010600001"
    try:
        async with running_worker(env.client, settings, working_days=calendar):
            at_ten = datetime.combine(submitted_on, time(10), tzinfo=CHINA_TIME)
            await env.sleep(at_ten - await env.get_current_time())
            handle = await submit(env.client, settings, new_record(elevator, await env.get_current_time()))
            ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "submitted")
            # The next day counts (official); the holiday from the file does not; then two more weekdays.
            expected = calendar.add_working_days(ticket.opened_at, 3)
            assert expected.provisional
            assert ticket.due_at == expected.due_at
            counted = [day for day in _days_between(submitted_on, expected.due_at) if day.weekday() < 5]
            assert holiday in counted
            assert len(counted) == 4
            assert ticket.provisional_deadlines == ["maintenance_record.confirm"]

            await env.sleep(ticket.due_at - await env.get_current_time() + timedelta(minutes=1))
            ticket, _ = await ticket_when(url, handle.id, lambda t: t.overdue)
            assert "confirm_overdue" in ticket.flags
            await handle.execute_update(
                MaintenanceRecordWorkflow.confirm, StepInput(actor=JINGAN_SAFETY_MANAGER)
            )
            assert await handle.result() == "confirmed"
            await end_schedule(env.client, elevator)
    finally:
        await env.shutdown()


def _days_between(after: date, due_at: datetime) -> list[date]:
    """The days after `after` up to and including the last day before `due_at` (China time)."""
    last = due_at.astimezone(CHINA_TIME).date() - timedelta(days=1)
    return [after + timedelta(days=offset) for offset in range(1, (last - after).days + 1)]
