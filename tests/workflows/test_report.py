"""Reports (举报): the district regulator verifies and decides on 立案; a real-name reporter is told.

Main paths on the dev server; the legal clocks at their real length on the time-skipping server.
"""

import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.report_service import receive_report
from domain.report import SuspectParty
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine
from store.identities import IdentityRepository, StoredIdentity
from store.models import Ticket, TicketEvent
from tests.support.clues import CITY_REGULATOR_MAIL, PUDONG_REGULATOR, XUHUI_REGULATOR, clue_raised_by
from tests.support.fault_repair import update_error
from tests.support.rescue import (
    MAINTENANCE_MAIL,
    REGULATOR_MAIL,
    SAFETY_MANAGER,
    USE_UNIT_MAIL,
    mails_to,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.report import ReportWorkflow
from workflows.report_models import InformInput, ReporterContact
from workflows.step_models import ExtendInput, ReasonInput, StepInput
from workflows.violation_clue import ViolationClueWorkflow

ELEVATOR = "31011500001"
REPORTER = ReporterContact(name="韩梅梅", phone="13912345678")
TEXT = "该电梯维保人员长期不到场，维保记录涉嫌造假"

ReportHandle = WorkflowHandle[ReportWorkflow, str]


async def _file(
    env: WorkflowEnvironment,
    settings: Settings,
    reporter: ReporterContact | None,
    suspect: SuspectParty = SuspectParty.USE_UNIT,
    text: str = TEXT,
) -> ReportHandle:
    receipt = await receive_report(
        env.client,
        settings.temporal_task_queue,
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        text=text,
        suspect=suspect,
        reporter=reporter,
        mail_grace_seconds=1,
    )
    assert receipt.tracking_token
    assert not receipt.duplicate
    return env.client.get_workflow_handle_for(ReportWorkflow.run, receipt.ticket_id)


async def _identity(database_url: str, ticket_id: str) -> StoredIdentity | None:
    engine = make_engine(database_url)
    try:
        return await IdentityRepository(Database(engine)).get(ticket_id)
    finally:
        await engine.dispose()


def _shows_no_identity(ticket: Ticket, timeline: list[TicketEvent]) -> None:
    visible = repr(
        (
            ticket.details,
            ticket.flags,
            [(e.note, e.data, e.actor_user_id, e.actor_name) for e in timeline],
        )
    )
    assert REPORTER.name not in visible
    assert REPORTER.phone not in visible


def _mail_text(message: EmailMessage) -> str:
    return "\n".join(
        str(part.get_content()) for part in message.walk() if part.get_content_maintype() == "text"
    ) + str(message["Subject"])


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return [template_of(m) for m in mails_to(messages, address)]


def _mails_of(messages: list[EmailMessage], ticket_id: str) -> list[tuple[str, str]]:
    """(recipient, template) of every mail the ticket itself sent, read from their idempotency keys."""
    return [
        (str(m["To"]), template_of(m))
        for m in messages
        if str(m["X-Idempotency-Key"]).strip().startswith(f"{ticket_id}/")
    ]


def _step_at(timeline: list[TicketEvent], action: str) -> datetime:
    return next(e.at for e in timeline if e.action == action)


async def test_a_real_name_report_opens_a_case_and_the_reporter_is_told(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    url = settings.effective_database_url
    calendar = load_working_day_calendar(None)
    async with running_worker(dev_server.client, settings):
        # The reporter signs the text too: the signature never reaches the ticket.
        handle = await _file(
            dev_server, settings, REPORTER, SuspectParty.MAINTENANCE_UNIT, f"{TEXT}。举报人{REPORTER.name}"
        )
        ticket, timeline = await ticket_when(url, handle.id, lambda t: t.state == "verifying")
        assert (ticket.kind, ticket.assigned_unit_id) == ("report", "reg-pudong")
        assert ticket.details["anonymous"] is False
        assert ticket.details["suspect_unit_id"] == "mu-shenda"
        assert ticket.details["text"] == f"{TEXT}。举报人***"
        assert timeline[0].actor_user_id == "public"
        assert ticket.due_at == calendar.add_working_days(ticket.opened_at, 15).due_at
        assert ticket.tracking_digest is not None
        _shows_no_identity(ticket, timeline)
        kept = await _identity(url, handle.id)
        assert kept is not None
        assert (kept.name, kept.phone) == (REPORTER.name, REPORTER.phone)

        with pytest.raises(WorkflowUpdateFailedError) as other_district:
            await handle.execute_update(ReportWorkflow.open_case, StepInput(actor=XUHUI_REGULATOR))
        update_error(other_district, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as a_unit:
            await handle.execute_update(ReportWorkflow.open_case, StepInput(actor=SAFETY_MANAGER))
        update_error(a_unit, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as no_reason:
            await handle.execute_update(
                ReportWorkflow.decline_case, ReasonInput(actor=PUDONG_REGULATOR, reason=" ")
            )
        assert update_error(no_reason, "InvalidInput").details[0] == {"field": "reason"}
        with pytest.raises(WorkflowUpdateFailedError) as too_early:
            await handle.execute_update(
                ReportWorkflow.inform_reporter, InformInput(actor=PUDONG_REGULATOR, note="已告知")
            )
        assert update_error(too_early, "InvalidTransition").details[0]["state"] == "verifying"
        with pytest.raises(WorkflowUpdateFailedError) as naming_the_reporter:
            await handle.execute_update(
                ReportWorkflow.open_case, StepInput(actor=PUDONG_REGULATOR, note=f"经{REPORTER.name}指认")
            )
        update_error(naming_the_reporter, "InvalidInput")

        opened = await handle.execute_update(
            ReportWorkflow.open_case, StepInput(actor=PUDONG_REGULATOR, note="现场核查，维保记录与实际不符")
        )
        assert (opened.state, opened.allowed_actions) == ("informing", ["inform_reporter", "extend", "pause"])
        ticket, timeline = await ticket_when(url, handle.id, lambda t: t.state == "informing")
        decided_at = _step_at(timeline, "open_case")
        assert ticket.due_at == calendar.add_working_days(decided_at, 5).due_at
        assert ticket.details["decision"] == "open_case"
        assert "clue_opened" in ticket.flags

        clue, _ = await clue_raised_by(url, handle.id)
        assert clue.ticket_id == ticket.details["clue_ticket_id"]
        assert (clue.state, clue.spawned_from) == ("case_open", handle.id)
        assert clue.details["suspect_unit_id"] == "mu-shenda"
        assert REPORTER.name not in repr(clue.details)

        informed = await handle.execute_update(
            ReportWorkflow.inform_reporter,
            InformInput(actor=PUDONG_REGULATOR, note="电话告知举报人：已立案调查"),
        )
        assert (informed.state, informed.allowed_actions) == ("closed", [])
        assert await handle.result() == "closed"
        ticket, timeline = await ticket_when(url, handle.id, lambda t: t.state == "closed")
        assert ticket.due_at is None
        assert ticket.closed_at is not None
        _shows_no_identity(ticket, timeline)

        clue_handle = dev_server.client.get_workflow_handle_for(ViolationClueWorkflow.run, clue.ticket_id)
        await clue_handle.execute_update(
            ViolationClueWorkflow.record_no_penalty,
            ReasonInput(actor=PUDONG_REGULATOR, reason="测试结束：已责令改正"),
        )
        assert await clue_handle.result() == "no_penalty"
        messages = await mail_catcher.wait_for(
            lambda ms: bool(_mails_of(ms, handle.id) and _mails_of(ms, clue.ticket_id))
        )
    # The regulator hears of the report and of the clue; the report tips off no unit.
    assert _mails_of(messages, handle.id) == [(REGULATOR_MAIL, "work_order_assigned")]
    assert _mails_of(messages, clue.ticket_id) == [(REGULATOR_MAIL, "work_order_assigned")]
    assert mails_to(messages, MAINTENANCE_MAIL) == []
    for message in messages:
        assert REPORTER.name not in _mail_text(message)
        assert REPORTER.phone not in _mail_text(message)


async def test_an_anonymous_report_closes_when_no_case_is_opened(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    url = settings.effective_database_url
    async with running_worker(dev_server.client, settings):
        handle = await _file(dev_server, settings, None)
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "verifying")
        assert ticket.details["anonymous"] is True
        assert ticket.details["suspect_unit_id"] == "uu-lujiazui"
        assert await _identity(url, handle.id) is None

        declined = await handle.execute_update(
            ReportWorkflow.decline_case,
            ReasonInput(actor=PUDONG_REGULATOR, reason="经核查，维保记录齐全，举报不属实"),
        )
        assert (declined.state, declined.allowed_actions) == ("closed", [])
        assert await handle.result() == "closed"
        ticket, timeline = await ticket_when(url, handle.id, lambda t: t.state == "closed")
        assert ticket.details["decline_reason"] == "经核查，维保记录齐全，举报不属实"
        assert "clue_opened" not in ticket.flags
        assert [e.action for e in timeline] == ["submit", "decline_case"]
        assert ticket.closed_at == _step_at(timeline, "decline_case")
        await mail_catcher.wait_for(lambda ms: _templates(ms, REGULATOR_MAIL) == ["work_order_assigned"])
        assert mails_to(mail_catcher.messages, USE_UNIT_MAIL) == []


async def test_missed_verification_and_informing_escalate_to_the_city_regulator(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    calendar = load_working_day_calendar(None)
    async with running_worker(env.client, settings):
        handle = await _file(env, settings, REPORTER)
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "verifying")
        opened_at = ticket.opened_at
        due = calendar.add_working_days(opened_at, 15).due_at
        assert ticket.due_at == due
        remind_at = opened_at + (due - opened_at) * 0.6

        await env.sleep(remind_at - await env.get_current_time() - timedelta(hours=1))
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "verifying")
        assert ticket.flags == []
        await env.sleep(timedelta(hours=2))
        ticket, _ = await ticket_when(url, handle.id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        # The regulator must verify, so the regulator is reminded.
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, REGULATOR_MAIL) == ["work_order_assigned", "work_order_reminder"]
        )

        await env.sleep(due - await env.get_current_time() - timedelta(hours=1))
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "verifying")
        assert not ticket.overdue
        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, handle.id, lambda t: t.overdue)
        assert {"reminded", "escalated", "verify_overdue"} <= set(ticket.flags)
        assert timeline[-1].action == "escalated"
        assert timeline[-1].at >= due
        # The regulator missed its own clock: the city regulator hears of it.
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, CITY_REGULATOR_MAIL) == ["work_order_escalated"]
        )

        await handle.execute_update(
            ReportWorkflow.decline_case, ReasonInput(actor=PUDONG_REGULATOR, reason="举报事项不属于本局职责")
        )
        ticket, timeline = await ticket_when(
            url, handle.id, lambda t: t.state == "informing" and "report.inform" in t.deadlines
        )
        assert not ticket.overdue, "the informing clock is a fresh one"
        decided_at = _step_at(timeline, "decline_case")
        inform_due = calendar.add_working_days(decided_at, 5).due_at
        assert ticket.due_at == inform_due

        await env.sleep(inform_due - await env.get_current_time() + timedelta(hours=1))
        ticket, timeline = await ticket_when(url, handle.id, lambda t: "inform_overdue" in t.flags)
        assert ticket.overdue
        assert timeline[-1].data == {"step": "report.inform"}
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, CITY_REGULATOR_MAIL) == ["work_order_escalated", "work_order_escalated"]
        )
        await handle.execute_update(
            ReportWorkflow.inform_reporter, InformInput(actor=PUDONG_REGULATOR, note="书面告知不予立案")
        )
        assert await handle.result() == "closed"
    for message in mail_catcher.messages:
        assert REPORTER.phone not in _mail_text(message)


async def test_an_approved_extension_moves_the_verification_deadline(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    calendar = load_working_day_calendar(None)
    async with running_worker(env.client, settings):
        handle = await _file(env, settings, None)
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "verifying")
        due = calendar.add_working_days(ticket.opened_at, 15).due_at
        # +15 working days with approval: the end of the 30th working day after receipt.
        extended = calendar.add_working_days(ticket.opened_at, 30).due_at
        assert extended == calendar.add_working_days(due - timedelta(seconds=1), 15).due_at

        with pytest.raises(WorkflowUpdateFailedError) as a_unit:
            await handle.execute_update(
                ReportWorkflow.extend,
                ExtendInput(actor=SAFETY_MANAGER, due_at=extended, reason="需检验机构检测"),
            )
        update_error(a_unit, "ActionNotPermitted")
        result = await handle.execute_update(
            ReportWorkflow.extend,
            ExtendInput(actor=PUDONG_REGULATOR, due_at=extended, reason="需检验机构检测，经负责人批准延长"),
        )
        assert result.state == "verifying"
        ticket, _ = await ticket_when(url, handle.id, lambda t: "extended" in t.flags)
        assert ticket.due_at == extended
        assert ticket.deadlines["report.verify"] == extended.isoformat()

        await env.sleep(due - await env.get_current_time() + timedelta(hours=1))
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.state == "verifying")
        assert not ticket.overdue
        assert "escalated" not in ticket.flags
        await env.sleep(extended - await env.get_current_time() + timedelta(hours=1))
        ticket, _ = await ticket_when(url, handle.id, lambda t: t.overdue)
        assert "verify_overdue" in ticket.flags
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, CITY_REGULATOR_MAIL) == ["work_order_escalated"]
        )
        await handle.execute_update(
            ReportWorkflow.open_case, StepInput(actor=PUDONG_REGULATOR, note="检测报告确认违法")
        )
        assert await handle.result() == "closed"
        clue, _ = await clue_raised_by(url, handle.id)
        clue_handle = env.client.get_workflow_handle_for(ViolationClueWorkflow.run, clue.ticket_id)
        await clue_handle.execute_update(
            ViolationClueWorkflow.record_no_penalty,
            ReasonInput(actor=PUDONG_REGULATOR, reason="测试结束：已责令改正"),
        )
        assert await clue_handle.result() == "no_penalty"
