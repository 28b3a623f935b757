"""Violation clues: verified, a case opened (立案) or not, a penalty recorded; the regulator's own clocks."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.contracts import OpenClueInput, OpenedTicket
from activities.violation_clue import ClueActivities
from domain.registry import OrganisationRef
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.clues import CITY_REGULATOR_MAIL, PUDONG_REGULATOR, XUHUI_REGULATOR
from tests.support.rescue import REGULATOR_MAIL, SAFETY_MANAGER, mails_to, template_of, ticket_when
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.step_models import ExtendInput, ReasonInput
from workflows.violation_clue import ViolationClueWorkflow
from workflows.violation_clue_models import OpenCaseInput, PenaltyInput

ELEVATOR = "31011500001"
MAINTENANCE_UNIT = OrganisationRef(
    "mu-shenda", "上海申达电梯维保有限公司", "mu-shenda@demo.elevator-orders.example"
)


async def _raise(client: Client, settings: Settings, *, case_opened: bool = False) -> OpenedTicket:
    """Raise a clue the way a source ticket does: through the activity that opens clues."""
    source = f"rescue-{ELEVATOR}-alarm-{uuid.uuid4().hex}"
    activities = ClueActivities(client, settings.temporal_task_queue, mail_grace_seconds=1)
    return await activities.open_violation_clue(
        OpenClueInput(
            source_ticket_id=source,
            reason="rescue.arrive",
            elevator_code=ELEVATOR,
            summary="困人救援超过到场时限未到达现场",
            suspect_unit=MAINTENANCE_UNIT,
            linked_tickets=[source],
            case_opened=case_opened,
        )
    )


def _handle(client: Client, ticket_id: str) -> WorkflowHandle[ViolationClueWorkflow, str]:
    return client.get_workflow_handle_for(ViolationClueWorkflow.run, ticket_id)


async def _rejected(call: object) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await call  # type: ignore[misc]
    assert isinstance(failed.value.cause, ApplicationError)
    return failed.value.cause


async def test_a_clue_becomes_a_case_and_a_recorded_penalty(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    url = settings.effective_database_url
    async with running_worker(dev_server.client, settings):
        opened = await _raise(dev_server.client, settings)
        again = await _raise(dev_server.client, settings)
        assert (opened.created, again.created) == (True, True), "two sources, two clues"
        assert opened.ticket_id != again.ticket_id
        clue, timeline = await ticket_when(url, opened.ticket_id, lambda t: t.state == "verifying")
        assert clue.kind == "violation_clue"
        assert clue.assigned_unit_id == "reg-pudong"
        assert clue.spawned_from == clue.details["source_ticket_id"]
        assert clue.linked_tickets == [clue.spawned_from]
        assert [e.action for e in timeline] == ["raise"]
        expected = load_working_day_calendar(None).add_working_days(clue.opened_at, 15)
        assert clue.due_at == expected.due_at

        handle = _handle(dev_server.client, opened.ticket_id)
        wrong_district = await _rejected(
            handle.execute_update(ViolationClueWorkflow.open_case, OpenCaseInput(actor=XUHUI_REGULATOR))
        )
        assert wrong_district.type == "ActionNotPermitted"
        a_unit = await _rejected(
            handle.execute_update(ViolationClueWorkflow.open_case, OpenCaseInput(actor=SAFETY_MANAGER))
        )
        assert a_unit.type == "ActionNotPermitted"
        too_early = await _rejected(
            handle.execute_update(
                ViolationClueWorkflow.record_penalty,
                PenaltyInput(
                    PUDONG_REGULATOR, "沪市监浦处〔2026〕1号", "特种设备安全法第八十八条", Decimal(10000)
                ),
            )
        )
        assert too_early.type == "InvalidTransition"
        assert too_early.details[0]["allowed_actions"] == ["open_case", "decline_case", "extend", "pause"]

        result = await handle.execute_update(
            ViolationClueWorkflow.open_case, OpenCaseInput(actor=PUDONG_REGULATOR, note="证据确凿，予以立案")
        )
        assert result.state == "case_open"
        clue, _ = await ticket_when(url, opened.ticket_id, lambda t: "violation_clue.decide" in t.deadlines)
        assert clue.due_at is not None
        assert clue.due_at - clue.updated_at <= timedelta(days=90)
        assert clue.due_at - clue.updated_at > timedelta(days=89)

        no_number = await _rejected(
            handle.execute_update(
                ViolationClueWorkflow.record_penalty,
                PenaltyInput(PUDONG_REGULATOR, " ", "特种设备安全法第八十八条", Decimal(10000)),
            )
        )
        assert no_number.type == "InvalidInput"
        assert no_number.details[0]["field"] == "decision_number"
        await handle.execute_update(
            ViolationClueWorkflow.record_penalty,
            PenaltyInput(
                PUDONG_REGULATOR, "沪市监浦处〔2026〕1号", "《特种设备安全法》第八十八条", Decimal("50000.00")
            ),
        )
        assert await handle.result() == "penalised"
        clue, timeline = await ticket_when(url, opened.ticket_id, lambda t: t.state == "penalised")
        assert clue.details["decision_number"] == "沪市监浦处〔2026〕1号"
        assert clue.details["amount_yuan"] == "50000.00"
        assert clue.closed_at is not None
        assert clue.due_at is None
        assert [e.action for e in timeline] == ["raise", "open_case", "record_penalty"]

        other = _handle(dev_server.client, again.ticket_id)
        empty = await _rejected(
            other.execute_update(ViolationClueWorkflow.decline_case, ReasonInput(PUDONG_REGULATOR, " "))
        )
        assert empty.type == "InvalidInput"
        await other.execute_update(
            ViolationClueWorkflow.decline_case, ReasonInput(PUDONG_REGULATOR, "证据不足")
        )
        assert await other.result() == "not_opened"
    messages = await mail_catcher.wait_for(lambda ms: len(mails_to(ms, REGULATOR_MAIL)) == 2)
    assert [template_of(m) for m in mails_to(messages, REGULATOR_MAIL)] == ["work_order_assigned"] * 2


async def test_raising_the_same_clue_twice_reaches_the_first(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    async with running_worker(dev_server.client, settings):
        activities = ClueActivities(dev_server.client, settings.temporal_task_queue, mail_grace_seconds=1)
        clue = OpenClueInput(
            source_ticket_id=f"hazard-{ELEVATOR}-mu-shenda-{uuid.uuid4().hex}",
            reason="hazard.rectify",
            elevator_code=ELEVATOR,
            summary="隐患逾期未整改",
            suspect_unit=MAINTENANCE_UNIT,
        )
        first = await activities.open_violation_clue(clue)
        second = await activities.open_violation_clue(clue)
        assert (first.created, second.created) == (True, False)
        assert first.ticket_id == second.ticket_id
        handle = _handle(dev_server.client, first.ticket_id)
        await handle.execute_update(
            ViolationClueWorkflow.decline_case, ReasonInput(PUDONG_REGULATOR, "已整改")
        )
        assert await handle.result() == "not_opened"
        # Decided since: raising it again still names the one clue, and opens no other.
        third = await activities.open_violation_clue(clue)
        assert (third.ticket_id, third.created) == (first.ticket_id, False)


async def test_verification_and_decision_clocks_escalate_to_the_city_regulator(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    url = settings.effective_database_url
    calendar = load_working_day_calendar(None)
    async with running_worker(env.client, settings):
        opened = await _raise(env.client, settings)
        handle = _handle(env.client, opened.ticket_id)
        clue, _ = await ticket_when(url, opened.ticket_id, lambda t: t.state == "verifying")
        due = calendar.add_working_days(clue.opened_at, 15).due_at
        assert clue.due_at == due

        # +15 working days with approval (处罚程序规定 Art 18).
        extended = calendar.add_working_days(due, 15).due_at
        await handle.execute_update(
            ViolationClueWorkflow.extend,
            ExtendInput(actor=PUDONG_REGULATOR, due_at=extended, reason="案情复杂，经批准延长 15 个工作日"),
        )
        clue, _ = await ticket_when(url, opened.ticket_id, lambda t: t.due_at == extended)
        assert "extended" in clue.flags

        await env.sleep(extended - await env.get_current_time() - timedelta(hours=1))
        clue, _ = await ticket_when(url, opened.ticket_id, lambda t: "reminded" in t.flags)
        assert not clue.overdue
        await env.sleep(timedelta(hours=2))
        clue, _ = await ticket_when(url, opened.ticket_id, lambda t: t.overdue)
        assert "verify_overdue" in clue.flags
        await mail_catcher.wait_for(
            lambda ms: [template_of(m) for m in mails_to(ms, CITY_REGULATOR_MAIL)] == ["work_order_escalated"]
        )

        await handle.execute_update(ViolationClueWorkflow.open_case, OpenCaseInput(actor=PUDONG_REGULATOR))
        clue, _ = await ticket_when(url, opened.ticket_id, lambda t: t.state == "case_open" and not t.overdue)
        assert clue.due_at is not None
        await env.sleep(clue.due_at - await env.get_current_time() + timedelta(minutes=1))
        clue, _ = await ticket_when(url, opened.ticket_id, lambda t: "decide_overdue" in t.flags)
        assert clue.overdue
        await mail_catcher.wait_for(
            lambda ms: (
                [template_of(m) for m in mails_to(ms, CITY_REGULATOR_MAIL)]
                == ["work_order_escalated", "work_order_escalated"]
            )
        )
        await handle.execute_update(
            ViolationClueWorkflow.record_no_penalty, ReasonInput(PUDONG_REGULATOR, "违法行为轻微并及时改正")
        )
        assert await handle.result() == "no_penalty"
