"""The supervisory directive (安全监察指令书) on real Temporal servers: its paths, who may act, its dates.

The dev server runs the paths and the rejected actions; the time-skipping server lets the date to correct
by pass (overdue, regulator mailed, one violation clue) and the regulator's own 10-working-day re-check run
out (reminder, escalation to the city bureau).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.correction import Addressee
from domain.directive import (
    RECTIFY_REMIND_SHARE,
    china_date,
    rectify_due_at,
)
from domain.policies import policy_table
from domain.violation_clue import violation_clue_ticket_id
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.clues import CITY_REGULATOR_MAIL, clue_raised_by, decline_clue
from tests.support.directive import (
    MAINTAINER,
    PUDONG_REGULATOR,
    SAFETY_MANAGER,
    XUHUI_REGULATOR,
    Directives,
    close,
    new_directive,
    report,
)
from tests.support.fault_repair import update_error
from tests.support.hazard import XUHUI_SAFETY_MANAGER
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
from workflows.directive import DirectiveWorkflow
from workflows.directive_models import (
    ExtendInput,
    ReasonInput,
    RecheckFailedInput,
    RefusalInput,
    SignInput,
    StepInput,
)


@pytest.fixture
async def directives(dev_server: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Directives]:
    directives = Directives(dev_server.client, settings)
    try:
        yield directives
    finally:
        await directives.end_unfinished()


@pytest.fixture
async def skipping_directives(
    time_skipping_server: WorkflowEnvironment, settings: Settings
) -> AsyncIterator[Directives]:
    directives = Directives(time_skipping_server.client, settings)
    try:
        yield directives
    finally:
        await directives.end_unfinished()


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(template_of(m) for m in mails_to(messages, address))


def _today() -> date:
    return china_date(datetime.now(UTC))


async def test_a_directive_runs_from_issue_to_a_passed_recheck(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, directives: Directives
) -> None:
    url = settings.effective_database_url
    calendar = load_working_day_calendar(settings.working_day_fallback_file)
    rectify_by = _today() + timedelta(days=20)
    async with running_worker(dev_server.client, settings):
        ticket_id, handle = await directives.issue(new_directive(rectify_by))
        ticket, timeline = await stored_ticket(url, ticket_id)
        assert ticket.kind == "directive"
        assert ticket.state == "awaiting_signature"
        assert (ticket.district, ticket.assigned_unit_id) == ("pudong", "uu-lujiazui")
        # 于X年X月X日前改正: the end of that day, China time.
        assert ticket.due_at == rectify_due_at(rectify_by)
        assert ticket.due_at.astimezone(UTC) == datetime.combine(
            rectify_by, datetime.min.time(), tzinfo=UTC
        ) + timedelta(hours=16)
        assert ticket.deadlines == {"directive.rectify": ticket.due_at.isoformat()}
        number = str(ticket.details["document_number"])
        # The Pudong regulator's first directive of the year (a fresh database per test).
        assert number == f"浦市监特指〔{_today().year}〕1号"
        assert ticket.details["addressee_unit_name"] == "陆家嘴花园物业管理处"
        assert ticket.details["rectify_by"] == rectify_by.isoformat()
        assert [(e.action, e.state, e.actor_user_id) for e in timeline] == [
            ("issue", "awaiting_signature", PUDONG_REGULATOR.user_id)
        ]
        assert timeline[0].data["document_number"] == number

        # Out of turn: nothing is reported before the directive is signed for.
        with pytest.raises(WorkflowUpdateFailedError) as wrong_state:
            await handle.execute_update(DirectiveWorkflow.submit_rectification, report())
        assert update_error(wrong_state, "InvalidTransition").details[0] == {
            "state": "awaiting_signature",
            "action": "submit_rectification",
            "allowed_actions": ["sign", "record_refusal", "withdraw", "extend", "pause"],
        }
        # Signing is the addressed use unit's safety manager's: not another use unit's, not the maintainer's.
        for actor in (XUHUI_SAFETY_MANAGER, MAINTAINER):
            with pytest.raises(WorkflowUpdateFailedError) as wrong_unit:
                await handle.execute_update(DirectiveWorkflow.sign, SignInput(actor=actor))
            update_error(wrong_unit, "ActionNotPermitted")
        # A refusal is recorded by the issuing district's regulator only.
        with pytest.raises(WorkflowUpdateFailedError) as other_district:
            await handle.execute_update(
                DirectiveWorkflow.record_refusal, RefusalInput(actor=XUHUI_REGULATOR, note="拒绝签收")
            )
        update_error(other_district, "ActionNotPermitted")

        signed = await handle.execute_update(DirectiveWorkflow.sign, SignInput(actor=SAFETY_MANAGER))
        assert (signed.state, signed.allowed_actions) == (
            "rectifying",
            ["submit_rectification", "withdraw", "extend", "pause"],
        )
        # The date is the regulator's: the unit never stops its clock.
        with pytest.raises(WorkflowUpdateFailedError) as unit_pauses:
            await handle.execute_update(
                DirectiveWorkflow.pause, ReasonInput(actor=SAFETY_MANAGER, reason="检测")
            )
        update_error(unit_pauses, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as no_evidence:
            await handle.execute_update(DirectiveWorkflow.submit_rectification, report(evidence="  "))
        assert update_error(no_evidence, "InvalidInput").details[0] == {"field": "evidence"}

        rechecking = await handle.execute_update(DirectiveWorkflow.submit_rectification, report())
        assert rechecking.state == "rechecking"
        assert rechecking.allowed_actions == ["verify_pass", "verify_fail", "withdraw", "extend", "pause"]
        ticket, timeline = await stored_ticket(url, ticket_id)
        # The regulator re-checks within 10 working days of the report (Art 29).
        recheck_due = calendar.add_working_days(timeline[-1].at, 10).due_at
        assert ticket.due_at == recheck_due
        assert ticket.deadlines == {
            "directive.rectify": rectify_due_at(rectify_by).isoformat(),
            "directive.recheck": recheck_due.isoformat(),
        }
        assert ticket.details["evidence"] == "已更换制动器闸瓦并经检验机构检测合格"

        for bad, field in (
            (RecheckFailedInput(actor=PUDONG_REGULATOR, reason="闸瓦型号不符"), "rectify_by"),
            (
                RecheckFailedInput(actor=PUDONG_REGULATOR, reason="闸瓦型号不符", rectify_by=_today()),
                "rectify_by",
            ),
            (RecheckFailedInput(actor=PUDONG_REGULATOR, reason=" ", rectify_by=rectify_by), "reason"),
        ):
            with pytest.raises(WorkflowUpdateFailedError) as invalid:
                await handle.execute_update(DirectiveWorkflow.verify_fail, bad)
            assert update_error(invalid, "InvalidInput").details[0] == {"field": field}
        with pytest.raises(WorkflowUpdateFailedError) as unit_verifies:
            await handle.execute_update(DirectiveWorkflow.verify_pass, StepInput(actor=SAFETY_MANAGER))
        update_error(unit_verifies, "ActionNotPermitted")

        closed = await handle.execute_update(
            DirectiveWorkflow.verify_pass, StepInput(actor=PUDONG_REGULATOR, note="现场复查合格")
        )
        assert (closed.state, closed.allowed_actions) == ("closed", [])
        outcome = await handle.result()
        assert (outcome.state, outcome.flags) == ("closed", [])
        ticket, timeline = await stored_ticket(url, ticket_id)
        assert ticket.closed_at is not None
        assert ticket.due_at is None
        assert [(e.action, e.actor_user_id) for e in timeline] == [
            ("issue", PUDONG_REGULATOR.user_id),
            ("sign", SAFETY_MANAGER.user_id),
            ("submit_rectification", SAFETY_MANAGER.user_id),
            ("verify_pass", PUDONG_REGULATOR.user_id),
        ]
        messages = await mail_catcher.wait_for(
            lambda ms: (
                "directive_closed" in _templates(ms, USE_UNIT_MAIL)
                and _templates(ms, REGULATOR_MAIL) == ["directive_rectification_submitted"]
            )
        )
    assert _templates(messages, USE_UNIT_MAIL) == ["directive_closed", "directive_issued"]
    assert _templates(messages, REGULATOR_MAIL) == ["directive_rectification_submitted"]
    assert mails_to(messages, MAINTENANCE_MAIL) == []
    issued = next(m for m in mails_to(messages, USE_UNIT_MAIL) if template_of(m) == "directive_issued")
    assert number in str(issued["Subject"])
    assert f"请于{rectify_by.year}年{rectify_by.month}月{rectify_by.day}日前改正" in str(issued["Subject"])


async def test_a_refused_directive_is_served_anyway_and_a_failed_recheck_sets_a_new_date(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, directives: Directives
) -> None:
    url = settings.effective_database_url
    rectify_by = _today() + timedelta(days=10)
    async with running_worker(dev_server.client, settings):
        ticket_id, handle = await directives.issue(
            new_directive(rectify_by, addressee=Addressee.MAINTENANCE_UNIT, problems="困人救援到场超时")
        )
        ticket, _ = await stored_ticket(url, ticket_id)
        assert ticket.assigned_unit_id == "mu-shenda"
        # Addressed to the maintenance unit: the use unit's safety manager does not sign for it.
        with pytest.raises(WorkflowUpdateFailedError) as not_addressed:
            await handle.execute_update(DirectiveWorkflow.sign, SignInput(actor=SAFETY_MANAGER))
        update_error(not_addressed, "ActionNotPermitted")
        with pytest.raises(WorkflowUpdateFailedError) as no_note:
            await handle.execute_update(
                DirectiveWorkflow.record_refusal, RefusalInput(actor=PUDONG_REGULATOR, note=" ")
            )
        assert update_error(no_note, "InvalidInput").details[0] == {"field": "note"}

        refused = await handle.execute_update(
            DirectiveWorkflow.record_refusal,
            RefusalInput(actor=PUDONG_REGULATOR, note="维保单位负责人拒绝签收，两名执法人员在场见证"),
        )
        assert refused.state == "rectifying"
        ticket, timeline = await stored_ticket(url, ticket_id)
        assert "refused_to_sign" in ticket.flags
        assert ticket.details["refusal_note"] == "维保单位负责人拒绝签收，两名执法人员在场见证"
        assert (timeline[-1].action, timeline[-1].actor_user_id) == (
            "record_refusal",
            PUDONG_REGULATOR.user_id,
        )

        # The regulator may extend the date; the unit may not.
        later = rectify_due_at(rectify_by) + timedelta(days=5)
        with pytest.raises(WorkflowUpdateFailedError) as unit_extends:
            await handle.execute_update(
                DirectiveWorkflow.extend, ExtendInput(actor=MAINTAINER, due_at=later, reason="配件")
            )
        update_error(unit_extends, "ActionNotPermitted")
        await handle.execute_update(
            DirectiveWorkflow.extend, ExtendInput(actor=PUDONG_REGULATOR, due_at=later, reason="需更换曳引机")
        )
        ticket, _ = await stored_ticket(url, ticket_id)
        assert ticket.due_at == later
        assert "extended" in ticket.flags

        await handle.execute_update(DirectiveWorkflow.submit_rectification, report(actor=MAINTAINER))
        new_date = _today() + timedelta(days=7)
        failed = await handle.execute_update(
            DirectiveWorkflow.verify_fail,
            RecheckFailedInput(actor=PUDONG_REGULATOR, reason="应急救援演练记录缺失", rectify_by=new_date),
        )
        assert (failed.state, failed.allowed_actions) == (
            "rectifying",
            ["submit_rectification", "withdraw", "extend", "pause"],
        )
        ticket, timeline = await stored_ticket(url, ticket_id)
        assert ticket.due_at == rectify_due_at(new_date)
        assert ticket.deadlines["directive.rectify"] == rectify_due_at(new_date).isoformat()
        assert (ticket.details["rectify_by"], ticket.details["issued_rectify_by"]) == (
            new_date.isoformat(),
            rectify_by.isoformat(),
        )
        assert ticket.details["rectify_rounds"] == 2
        assert ticket.details["verify_fail_reason"] == "应急救援演练记录缺失"
        assert not ticket.overdue
        assert {"refused_to_sign", "extended", "verify_failed"} <= set(ticket.flags)

        withdrawn = await handle.execute_update(
            DirectiveWorkflow.withdraw, ReasonInput(actor=PUDONG_REGULATOR, reason="测试结束")
        )
        assert (withdrawn.state, withdrawn.allowed_actions) == ("cancelled", [])
        assert (await handle.result()).state == "cancelled"
        messages = await mail_catcher.wait_for(
            lambda ms: "directive_closed" in _templates(ms, MAINTENANCE_MAIL)
        )
    assert _templates(messages, MAINTENANCE_MAIL) == [
        "directive_closed",
        "directive_issued",
        "directive_recheck_failed",
    ]
    assert mails_to(messages, USE_UNIT_MAIL) == []


async def test_a_missed_date_mails_the_regulator_and_opens_one_clue_however_often_it_is_missed(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    skipping_directives: Directives,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    hazard_id = "hazard-31011500001-mu-shenda-YH-escalated"
    async with running_worker(env.client, settings):
        rectify_by = china_date(await env.get_current_time()) + timedelta(days=3)
        due_at = rectify_due_at(rectify_by)
        ticket_id, handle = await skipping_directives.issue(
            new_directive(rectify_by, from_ticket_id=hazard_id)
        )
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.state == "awaiting_signature")
        assert (ticket.spawned_from, ticket.linked_tickets) == (hazard_id, [hazard_id])
        issued_at = timeline[0].at
        await handle.execute_update(DirectiveWorkflow.sign, SignInput(actor=SAFETY_MANAGER))

        # The addressed unit is reminded at 80% of the time from issue to the end of the date.
        remind_at = issued_at + (due_at - issued_at) * RECTIFY_REMIND_SHARE
        await env.sleep(remind_at - await env.get_current_time() - timedelta(hours=1))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "rectifying")
        assert "reminded" not in ticket.flags
        await env.sleep(timedelta(hours=2))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        assert not ticket.overdue
        assert timeline[-1].data == {"step": "directive.rectify"}
        await mail_catcher.wait_for(
            lambda ms: _templates(ms, USE_UNIT_MAIL) == ["directive_issued", "work_order_reminder"]
        )

        await env.sleep(due_at - await env.get_current_time() + timedelta(hours=1))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert ticket.state == "rectifying"
        assert "rectify_overdue" in ticket.flags
        overdue = next(e for e in timeline if e.action == "rectify_overdue")
        assert overdue.at >= due_at
        assert overdue.data["round"] == 1
        # One clue against the addressed unit, carrying the directive and the ticket it was issued from.
        clue, _ = await clue_raised_by(url, ticket_id)
        assert clue.ticket_id == violation_clue_ticket_id(ticket_id, "directive.rectify")
        assert clue.linked_tickets == [ticket_id, hazard_id]
        assert clue.details["suspect_unit_id"] == "uu-lujiazui"
        assert str(clue.details["summary"]).startswith("逾期未按安全监察指令书整改：")
        await mail_catcher.wait_for(lambda ms: "work_order_escalated" in _templates(ms, REGULATOR_MAIL))

        # An extension to a later date sets the directive running again.
        extended_to = await env.get_current_time() + timedelta(days=2)
        await handle.execute_update(
            DirectiveWorkflow.extend,
            ExtendInput(actor=PUDONG_REGULATOR, due_at=extended_to, reason="等待配件"),
        )
        ticket, _ = await ticket_when(url, ticket_id, lambda t: not t.overdue)
        assert ticket.due_at == extended_to

        # Reported late, re-checked, failed: a new date, which runs out too.
        await handle.execute_update(DirectiveWorkflow.submit_rectification, report())
        new_date = china_date(await env.get_current_time()) + timedelta(days=2)
        failed = await handle.execute_update(
            DirectiveWorkflow.verify_fail,
            RecheckFailedInput(actor=PUDONG_REGULATOR, reason="制动间隙仍超标", rectify_by=new_date),
        )
        assert failed.state == "rectifying"
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "rectifying")
        assert ticket.due_at == rectify_due_at(new_date)
        assert not ticket.overdue

        await env.sleep(rectify_due_at(new_date) - await env.get_current_time() + timedelta(hours=1))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert ticket.details["overdue_rounds"] == 2
        rounds = [e for e in timeline if e.action == "rectify_overdue"]
        assert [e.data["round"] for e in rounds] == [1, 2]
        assert rounds[1].data["clue_ticket_id"] == clue.ticket_id
        assert "不另行移送" in rounds[1].note
        assert [e.action for e in timeline].count("clue_opened") == 1
        await mail_catcher.wait_for(
            lambda ms: (
                [template_of(m) for m in mails_to(ms, REGULATOR_MAIL)].count("work_order_escalated") == 2
            )
        )

        outcome = await close(handle, "rectifying")
        assert outcome.flags == ["reminded", "rectify_overdue", "clue_opened", "extended", "verify_failed"]
        await decline_clue(env.client, clue)
        await mail_catcher.wait_for(lambda ms: "directive_closed" in _templates(ms, USE_UNIT_MAIL))


async def test_an_unrechecked_report_is_reminded_and_escalated_to_the_city_bureau(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    mail_catcher: MailCatcher,
    skipping_directives: Directives,
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    calendar = load_working_day_calendar(settings.working_day_fallback_file)
    policy = policy_table(settings.policy_overrides)["directive.recheck"]
    async with running_worker(env.client, settings):
        rectify_by = china_date(await env.get_current_time()) + timedelta(days=30)
        ticket_id, handle = await skipping_directives.issue(new_directive(rectify_by))
        await handle.execute_update(DirectiveWorkflow.sign, SignInput(actor=SAFETY_MANAGER))
        await handle.execute_update(DirectiveWorkflow.submit_rectification, report())
        ticket, timeline = await ticket_when(
            url, ticket_id, lambda t: t.state == "rechecking" and "directive.recheck" in t.deadlines
        )
        submitted_at = timeline[-1].at
        expected = calendar.add_working_days(submitted_at, int(policy.limit))
        assert ticket.due_at == expected.due_at
        assert policy.remind_at is not None
        remind_at = submitted_at + (expected.due_at - submitted_at) * policy.remind_at

        await env.sleep(remind_at - await env.get_current_time() - timedelta(hours=1))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: t.state == "rechecking")
        assert "reminded" not in ticket.flags
        await env.sleep(timedelta(hours=2))
        ticket, _ = await ticket_when(url, ticket_id, lambda t: "reminded" in t.flags)
        # The re-check is the regulator's own clock: the regulator is reminded.
        await mail_catcher.wait_for(
            lambda ms: (
                _templates(ms, REGULATOR_MAIL) == ["directive_rectification_submitted", "work_order_reminder"]
            )
        )

        await env.sleep(expected.due_at - await env.get_current_time() + timedelta(hours=1))
        ticket, timeline = await ticket_when(url, ticket_id, lambda t: t.overdue)
        assert ticket.state == "rechecking"
        assert {"escalated", "recheck_overdue"} <= set(ticket.flags)
        assert "rectify_overdue" not in ticket.flags
        assert (timeline[-1].action, timeline[-1].data) == ("escalated", {"step": "directive.recheck"})
        messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, CITY_REGULATOR_MAIL)) == 1)
        assert _templates(messages, CITY_REGULATOR_MAIL) == ["work_order_escalated"]

        outcome = await close(handle, "rechecking")
        assert outcome.flags == ["reminded", "escalated", "recheck_overdue"]
        await mail_catcher.wait_for(lambda ms: "directive_closed" in _templates(ms, USE_UNIT_MAIL))
