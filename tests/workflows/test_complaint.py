"""Complaints (投诉): the district regulator accepts or rejects, mediates, records the result, and the
complainant evaluates with the tracking token; every clock at its real length on the time-skipping server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.policies import policy_table
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine
from store.identities import IdentityRepository
from store.models import Ticket
from tests.support.clues import (
    CITY_REGULATOR_MAIL,
    PUDONG_REGULATOR,
    XUHUI_REGULATOR,
    clue_raised_by,
    decline_clue,
)
from tests.support.complaint import COMPLAINANT_NAME, COMPLAINANT_PHONE, Complaints, evaluation
from tests.support.rescue import (
    REGULATOR_MAIL,
    SAFETY_MANAGER,
    USE_UNIT_MAIL,
    mails_to,
    template_of,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_models import ReasonInput, ReferViolationInput, ResultInput, StepInput

CALENDAR = load_working_day_calendar(None)


@pytest.fixture
async def dev_complaints(dev_server: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Complaints]:
    complaints = Complaints(dev_server.client, settings)
    try:
        yield complaints
    finally:
        await complaints.end_unfinished()


@pytest.fixture
async def skipping_complaints(
    time_skipping_server: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[Complaints]:
    complaints = Complaints(time_skipping_server.client, settings)
    try:
        yield complaints
    finally:
        await complaints.end_unfinished()


async def _rejected(call: Awaitable[Any], type: str) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await call
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError), repr(cause)
    assert cause.type == type, f"{cause.type}: {cause.message}"
    return cause


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return [template_of(m) for m in mails_to(messages, address)]


def _names_no_one(ticket: Ticket) -> None:
    stored = json.dumps({"details": ticket.details, "flags": ticket.flags}, ensure_ascii=False)
    assert COMPLAINANT_NAME not in stored
    assert COMPLAINANT_PHONE not in stored


async def test_a_complaint_is_accepted_mediated_and_evaluated(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, dev_complaints: Complaints
) -> None:
    url = settings.effective_database_url
    async with running_worker(dev_server.client, settings):
        receipt, handle = await dev_complaints.file()
        assert receipt.tracking_token is not None
        assert not receipt.duplicate
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "received")
        assert ticket.kind == "complaint"
        assert ticket.assigned_unit_id == "reg-pudong", "the district regulator's queue"
        assert ticket.tracking_digest == hashlib.sha256(receipt.tracking_token.encode()).hexdigest()
        assert ticket.due_at == CALENDAR.add_working_days(ticket.opened_at, 7).due_at
        assert [(e.action, e.actor_user_id, e.actor_name) for e in timeline] == [("submit", "public", "公众")]
        _names_no_one(ticket)
        assert all(COMPLAINANT_PHONE not in e.note + json.dumps(e.data) for e in timeline)
        # The identity is kept, apart from the ticket.
        engine = make_engine(url)
        try:
            identity = await IdentityRepository(Database(engine)).get(receipt.ticket_id)
        finally:
            await engine.dispose()
        assert identity is not None
        assert (identity.name, identity.phone) == (COMPLAINANT_NAME, COMPLAINANT_PHONE)

        wrong_district = await _rejected(
            handle.execute_update(ComplaintWorkflow.accept, StepInput(actor=XUHUI_REGULATOR)),
            "ActionNotPermitted",
        )
        assert "reg-xuhui" in wrong_district.message
        await _rejected(
            handle.execute_update(ComplaintWorkflow.accept, StepInput(actor=SAFETY_MANAGER)),
            "ActionNotPermitted",
        )
        no_reason = await _rejected(
            handle.execute_update(ComplaintWorkflow.reject, ReasonInput(actor=PUDONG_REGULATOR, reason=" ")),
            "InvalidInput",
        )
        assert no_reason.details[0]["field"] == "reason"
        too_early = await _rejected(
            handle.execute_update(
                ComplaintWorkflow.record_result,
                ResultInput(actor=PUDONG_REGULATOR, agreed=True, result="已修复"),
            ),
            "InvalidTransition",
        )
        assert too_early.details[0]["allowed_actions"] == [
            "accept",
            "reject",
            "refer_violation",
            "extend",
            "pause",
        ]
        await _rejected(
            handle.execute_update(ComplaintWorkflow.evaluate, evaluation(receipt.tracking_token)),
            "InvalidTransition",
        )

        accepted = await handle.execute_update(
            ComplaintWorkflow.accept, StepInput(actor=PUDONG_REGULATOR, note="符合受理条件，予以受理")
        )
        assert accepted.state == "mediating"
        assert accepted.allowed_actions == ["record_result", "refer_violation", "extend", "pause"]
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "mediating")
        accepted_at = timeline[-1].at
        assert timeline[-1].action == "accept"
        assert ticket.due_at == CALENDAR.add_working_days(accepted_at, 45).due_at
        assert ticket.deadlines["complaint.mediate"] == ticket.due_at.isoformat()

        await handle.execute_update(
            ComplaintWorkflow.record_result,
            ResultInput(actor=PUDONG_REGULATOR, agreed=True, result="双方达成调解协议：物业三日内更换门机"),
        )
        ticket, timeline = await ticket_when(
            url, receipt.ticket_id, lambda t: t.state == "awaiting_evaluation"
        )
        assert timeline[-1].action == "record_result"
        assert timeline[-1].data == {"agreed": True}
        assert ticket.due_at == timeline[-1].at + timedelta(days=10)
        assert ticket.details["result"] == "双方达成调解协议：物业三日内更换门机"

        wrong_token = await _rejected(
            handle.execute_update(ComplaintWorkflow.evaluate, evaluation("not-the-token")),
            "ActionNotPermitted",
        )
        assert "跟踪码" in wrong_token.message
        no_stars = await _rejected(
            handle.execute_update(ComplaintWorkflow.evaluate, evaluation(receipt.tracking_token, rating=6)),
            "InvalidInput",
        )
        assert no_stars.details[0]["field"] == "rating"
        closed = await handle.execute_update(
            ComplaintWorkflow.evaluate, evaluation(receipt.tracking_token, satisfied=True, rating=4)
        )
        assert (closed.state, closed.allowed_actions) == ("closed", [])
        outcome = await handle.result()
        assert (outcome.state, outcome.flags) == ("closed", ["satisfied"])
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "closed")
        assert (ticket.details["satisfied"], ticket.details["rating"]) == (True, 4)
        assert ticket.closed_at is not None
        assert ticket.due_at is None
        assert [e.action for e in timeline] == ["submit", "accept", "record_result", "evaluate"]
        assert timeline[-1].actor_user_id == "public"
        _names_no_one(ticket)
        messages = await mail_catcher.wait_for(
            lambda ms: bool(mails_to(ms, REGULATOR_MAIL)) and bool(mails_to(ms, USE_UNIT_MAIL))
        )
    # The regulator hears of the complaint; the use unit, once it is accepted and mediated.
    assert _templates(messages, REGULATOR_MAIL) == ["work_order_assigned"]
    assert _templates(messages, USE_UNIT_MAIL) == ["work_order_assigned"]


async def test_a_rejected_complaint_ends_with_the_reason(
    dev_server: WorkflowEnvironment, settings: Settings, dev_complaints: Complaints
) -> None:
    url = settings.effective_database_url
    async with running_worker(dev_server.client, settings):
        receipt, handle = await dev_complaints.file()
        await ticket_when(url, receipt.ticket_id, lambda t: t.state == "received")
        result = await handle.execute_update(
            ComplaintWorkflow.reject, ReasonInput(actor=PUDONG_REGULATOR, reason="投诉事项已超过三年")
        )
        assert (result.state, result.allowed_actions) == ("rejected", [])
        outcome = await handle.result()
        assert outcome.state == "rejected"
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "rejected")
        assert ticket.details["reject_reason"] == "投诉事项已超过三年"
        assert ticket.closed_at is not None
        assert ticket.due_at is None
        assert [(e.action, e.note) for e in timeline][-1] == ("reject", "投诉事项已超过三年")


async def test_a_violation_found_splits_off_a_clue_and_the_complaint_goes_on(
    dev_server: WorkflowEnvironment, settings: Settings, dev_complaints: Complaints
) -> None:
    url = settings.effective_database_url
    async with running_worker(dev_server.client, settings):
        receipt, handle = await dev_complaints.file()
        assert receipt.tracking_token is not None
        await handle.execute_update(ComplaintWorkflow.accept, StepInput(actor=PUDONG_REGULATOR))
        refer = ReferViolationInput(
            actor=PUDONG_REGULATOR, summary="维保单位超期未维保", suspect="maintenance_unit"
        )
        await _rejected(
            handle.execute_update(
                ComplaintWorkflow.refer_violation,
                ReferViolationInput(PUDONG_REGULATOR, " ", "maintenance_unit"),
            ),
            "InvalidInput",
        )
        await _rejected(
            handle.execute_update(
                ComplaintWorkflow.refer_violation, ReferViolationInput(PUDONG_REGULATOR, "x", "elevator")
            ),
            "InvalidInput",
        )
        await _rejected(
            handle.execute_update(
                ComplaintWorkflow.refer_violation,
                ReferViolationInput(actor=XUHUI_REGULATOR, summary="x", suspect="use_unit"),
            ),
            "ActionNotPermitted",
        )
        referred = await handle.execute_update(ComplaintWorkflow.refer_violation, refer)
        assert referred.state == "mediating", "the complaint itself goes on"
        assert "refer_violation" not in referred.allowed_actions
        await _rejected(handle.execute_update(ComplaintWorkflow.refer_violation, refer), "InvalidTransition")

        clue, _clue_timeline = await clue_raised_by(url, receipt.ticket_id)
        assert clue.details["suspect_unit_id"] == "mu-shenda"
        assert clue.details["reason"] == "complaint"
        assert clue.linked_tickets == [receipt.ticket_id]
        assert clue.assigned_unit_id == "reg-pudong"
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: "clue_ticket_id" in t.details)
        assert ticket.details["clue_ticket_id"] == clue.ticket_id
        assert [e.action for e in timeline][-2:] == ["refer_violation", "clue_opened"]

        await handle.execute_update(
            ComplaintWorkflow.record_result,
            ResultInput(actor=PUDONG_REGULATOR, agreed=False, result="未达成协议"),
        )
        await handle.execute_update(
            ComplaintWorkflow.evaluate, evaluation(receipt.tracking_token, satisfied=False, rating=2)
        )
        outcome = await handle.result()
        assert (outcome.state, outcome.flags) == ("closed", ["clue_opened", "dissatisfied"])
        await decline_clue(dev_server.client, clue)


async def test_the_decision_is_reminded_then_escalated_to_the_city_regulator(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    skipping_complaints: Complaints,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    policy = policy_table(settings.policy_overrides)["complaint.decide"]
    assert policy.remind_at is not None
    async with running_worker(env.client, settings):
        receipt, handle = await skipping_complaints.file()
        assert receipt.tracking_token is not None
        ticket, _ = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "received")
        opened = ticket.opened_at
        due = CALENDAR.add_working_days(opened, 7).due_at
        assert ticket.due_at == due
        remind_at = opened + (due - opened) * policy.remind_at

        await env.sleep(remind_at - await env.get_current_time() - timedelta(hours=1))
        ticket, _ = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "received")
        assert ticket.flags == []
        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        assert (timeline[-1].action, timeline[-1].data) == ("reminder", {"step": "complaint.decide"})
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, REGULATOR_MAIL) == ["work_order_assigned", "work_order_reminder"]
        )

        await env.sleep(due - await env.get_current_time() - timedelta(hours=1))
        ticket, _ = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "received")
        assert not ticket.overdue
        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.overdue)
        assert {"reminded", "escalated", "decide_overdue"} <= set(ticket.flags)
        assert timeline[-1].action == "escalated"
        assert timeline[-1].at >= due
        # The regulator's own missed clock goes to the city regulator.
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, CITY_REGULATOR_MAIL)) == 1)
        assert _templates(messages, CITY_REGULATOR_MAIL) == ["work_order_escalated"]

        # Late, but decided: mediation runs on its own clock, which is not overdue.
        await handle.execute_update(ComplaintWorkflow.accept, StepInput(actor=PUDONG_REGULATOR))
        ticket, _ = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "mediating")
        assert not ticket.overdue
        assert "decide_overdue" in ticket.flags, "the breach stays on record"
        await handle.execute_update(
            ComplaintWorkflow.record_result, ResultInput(actor=PUDONG_REGULATOR, agreed=True, result="已修复")
        )
        await handle.execute_update(ComplaintWorkflow.evaluate, evaluation(receipt.tracking_token))
        assert (await handle.result()).state == "closed"
        await mail_catcher.wait_for(lambda ms: len(mails_to(ms, USE_UNIT_MAIL)) == 1)


async def test_mediation_ends_by_itself_then_the_result_and_the_evaluation_run_out(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    skipping_complaints: Complaints,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    mediate = policy_table(settings.policy_overrides)["complaint.mediate"]
    assert mediate.remind_at is not None
    async with running_worker(env.client, settings):
        receipt, handle = await skipping_complaints.file()
        await ticket_when(url, receipt.ticket_id, lambda t: t.state == "received")
        await handle.execute_update(ComplaintWorkflow.accept, StepInput(actor=PUDONG_REGULATOR))
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "mediating")
        accepted_at = timeline[-1].at
        mediation_due = CALENDAR.add_working_days(accepted_at, 45).due_at
        assert ticket.due_at == mediation_due
        remind_at = accepted_at + (mediation_due - accepted_at) * mediate.remind_at

        await env.sleep(remind_at - await env.get_current_time() + timedelta(hours=1))
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: "reminded" in t.flags)
        assert ticket.state == "mediating"
        assert (timeline[-1].action, timeline[-1].data) == ("reminder", {"step": "complaint.mediate"})
        await mail_catcher.wait_for(lambda ms: "work_order_reminder" in _templates(ms, REGULATOR_MAIL))

        # 45 working days without agreement: mediation ends by itself (调解终止), not as a breach.
        await env.sleep(mediation_due - await env.get_current_time() + timedelta(hours=1))
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "mediation_ended")
        ended = next(e for e in timeline if e.action == "mediation_ended")
        assert ended.at >= mediation_due
        assert ended.actor_user_id is None
        assert not ticket.overdue
        assert "mediation_expired" in ticket.flags
        assert "escalated" not in ticket.flags
        inform_due = CALENDAR.add_working_days(ended.at, 7).due_at
        assert ticket.due_at == inform_due
        assert ticket.deadlines["complaint.inform"] == inform_due.isoformat()

        # The regulator must record the result and tell the parties within 7 working days.
        await env.sleep(inform_due - await env.get_current_time() + timedelta(hours=1))
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.overdue)
        assert {"escalated", "inform_overdue"} <= set(ticket.flags)
        assert (timeline[-1].action, timeline[-1].data) == ("escalated", {"step": "complaint.inform"})
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, CITY_REGULATOR_MAIL)) == 1)
        assert _templates(messages, CITY_REGULATOR_MAIL) == ["work_order_escalated"]

        agreed = await _rejected(
            handle.execute_update(
                ComplaintWorkflow.record_result,
                ResultInput(actor=PUDONG_REGULATOR, agreed=True, result="达成"),
            ),
            "InvalidInput",
        )
        assert agreed.details[0]["field"] == "agreed"
        await handle.execute_update(
            ComplaintWorkflow.record_result,
            ResultInput(actor=PUDONG_REGULATOR, agreed=False, result="调解期满未达成协议，已告知双方"),
        )
        ticket, timeline = await ticket_when(
            url, receipt.ticket_id, lambda t: t.state == "awaiting_evaluation"
        )
        result_at = timeline[-1].at
        assert not ticket.overdue
        assert ticket.due_at == result_at + timedelta(days=10)

        # Nobody evaluates for 10 days: the complaint closes without an evaluation.
        await env.sleep(result_at + timedelta(days=10, hours=1) - await env.get_current_time())
        outcome = await handle.result()
        assert outcome.state == "closed"
        assert outcome.flags == [
            "reminded",
            "mediation_expired",
            "escalated",
            "inform_overdue",
            "not_evaluated",
        ]
        ticket, timeline = await ticket_when(url, receipt.ticket_id, lambda t: t.state == "closed")
        assert timeline[-1].action == "evaluation_expired"
        assert ticket.closed_at is not None
        assert ticket.closed_at >= result_at + timedelta(days=10)
        assert "satisfied" not in ticket.details
        await mail_catcher.wait_for(lambda ms: len(mails_to(ms, USE_UNIT_MAIL)) == 1)
