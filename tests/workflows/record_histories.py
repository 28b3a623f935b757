"""Record histories of finished rescues for the replay test: `python -m tests.workflows.record_histories`.

It records only the scenarios with no saved history yet: the histories already saved are what keeps
today's code honest about yesterday's workflows. `--all` re-records every one; use it only when a
deliberate, replay-safe change should become the new baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowContinuedAsNewError, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from api.complaint_service import NewComplaint, receive_complaint
from api.directive_service import NewDirective, issue_directive
from api.fault_repair_service import NewFault, open_fault_repair
from api.feedback_service import receive_feedback
from api.hazard_service import NewHazard, open_hazard
from api.report_service import receive_report
from api.rescue_service import open_rescue
from api.tracking_tokens import tracking_digest
from domain.calendar import CHINA_TIME
from domain.complaint import complaint_ticket_id
from domain.correction import Addressee
from domain.fault_repair import FaultSource
from domain.feedback import FeedbackType
from domain.hazard import HazardSeverity, hazard_ticket_id
from domain.maintenance_record import maintenance_schedule_workflow_id, missed_maintenance_ticket_id
from domain.registry import OrganisationRef
from domain.report import SuspectParty
from domain.rescue import ReportSource
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.monitoring_devices import MonitoringDevices
from store.seed import seed_demo_data
from tests.support.clues import clue_raised_by
from tests.support.maintenance import end_schedule, new_record
from tests.support.maintenance import submit as submit_record
from tests.support.payload_keys import TEST_PAYLOAD_ENCRYPTION_KEY, encrypting_data_converter
from tests.support.rescue import (
    DISPATCHER,
    ELEVATOR,
    MONITORING,
    RESCUER,
    SAFETY_MANAGER,
    STATION_RESCUER,
    new_report,
    stored_ticket,
    ticket_when,
)
from tests.support.smtp import MailCatcher
from tests.support.temporal_test_server import temporal_cli
from worker.main import running_worker
from workflows import complaint_models as cp
from workflows import directive_models as dr
from workflows import hazard_models as hz
from workflows.complaint import ComplaintWorkflow
from workflows.credit_grading import CreditGradingInput, CreditGradingWorkflow
from workflows.directive import DirectiveWorkflow
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import ExtendInput, FixInput, NotFixableInput, ReasonInput, StepInput
from workflows.feedback import FeedbackWorkflow
from workflows.feedback_models import AnswerInput
from workflows.hazard import HazardWorkflow
from workflows.hazard_monitoring import MonitoringWatchWorkflow, WatchInput
from workflows.maintenance_record import MaintenanceRecordWorkflow
from workflows.maintenance_record_models import ResubmitInput
from workflows.maintenance_record_schedule import MaintenanceScheduleWorkflow
from workflows.report import ReportWorkflow
from workflows.report_models import InformInput, ReporterContact
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import (
    AcceptInput,
    ArriveInput,
    CancelInput,
    ConfirmInput,
    DisputeInput,
    ReleaseInput,
)
from workflows.violation_clue import ViolationClueWorkflow
from workflows.violation_clue_models import OpenCaseInput, PenaltyInput

HISTORIES = Path(__file__).parent / "histories"
MAINTAINER = Actor("u-maintainer-shenda", "黄工", "mu-shenda", Role.MAINTAINER)
REGULATOR = Actor("u-regulator-pudong", "孙科长", "reg-pudong", Role.REGULATOR)
# Clocks shrunk to seconds, so every breach path runs in real time on the real dev server.
# Each in its row's unit: minutes for accept and arrive, hours for accident and confirm.
FAST_CLOCKS = {
    "rescue.accept": 0.03,
    "rescue.arrive": 0.08,
    "rescue.accident": 0.0025,
    "rescue.confirm": 0.0015,
    "fault_repair.accept": 0.05,
    "maintenance_record.interval": 0.00005,
}


async def _handle(client: Client, settings: Settings, ticket_id: str) -> WorkflowHandle[Any, Any]:
    ticket, _ = await stored_ticket(settings.effective_database_url, ticket_id)
    return client.get_workflow_handle_for(RescueWorkflow.run, ticket.workflow_id, run_id=ticket.run_id)


async def _save(handle: WorkflowHandle[Any, Any], name: str) -> None:
    await handle.result()
    history = await handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    print(f"saved {name}: {len(history.events)} events")


async def _to_closure(handle: WorkflowHandle[Any, Any], release: ReleaseInput) -> None:
    """Accept, arrive, release as given, and confirm: a rescue's whole way to closed."""
    await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
    await handle.execute_update(RescueWorkflow.release, release)
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))


async def _rescue_stopping_the_car(
    client: Client, settings: Settings, name: str = "rescue_stopping_the_car"
) -> None:
    receipt = await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex))
    handle = await _handle(client, settings, receipt.ticket_id)
    await _to_closure(
        handle, ReleaseInput(actor=RESCUER, people_freed=1, handler_name="李师傅", car_stopped=True)
    )
    await _save(handle, name)
    repair = client.get_workflow_handle_for(
        FaultRepairWorkflow.run, f"fault-repair-{ELEVATOR}-rescue-{receipt.ticket_id}"
    )
    await repair.execute_update(
        FaultRepairWorkflow.cancel, ReasonInput(actor=SAFETY_MANAGER, reason="录制结束")
    )
    await repair.result()


async def _fault_repair_every_path(client: Client, settings: Settings) -> None:
    url = settings.effective_database_url
    registered = await open_fault_repair(
        client,
        settings.temporal_task_queue,
        NewFault(
            ELEVATOR, FaultSource.ALARM, uuid.uuid4().hex, MONITORING, "door_close_fault", "关门故障报警"
        ),
        mail_grace_seconds=1,
    )
    handle = client.get_workflow_handle_for(FaultRepairWorkflow.run, registered.ticket_id)
    await ticket_when(url, registered.ticket_id, lambda t: "accept_overdue" in t.flags)
    await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=MAINTAINER))
    await handle.execute_update(
        FaultRepairWorkflow.pause, ReasonInput(actor=MAINTAINER, reason="等待检验机构检测")
    )
    await handle.execute_update(FaultRepairWorkflow.resume, StepInput(actor=MAINTAINER))
    await handle.execute_update(
        FaultRepairWorkflow.extend,
        ExtendInput(actor=REGULATOR, due_at=datetime.now(UTC) + timedelta(hours=3), reason="配件运输"),
    )
    await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
    await handle.execute_update(
        FaultRepairWorkflow.report_not_fixable,
        NotFixableInput(
            actor=MAINTAINER, plan="更换门机控制板", planned_fix_by=datetime.now(UTC) + timedelta(days=2)
        ),
    )
    fix = FixInput(
        actor=MAINTAINER, fault_type="door_close_fault", handler_name="黄工", description="更换门机控制板"
    )
    await handle.execute_update(FaultRepairWorkflow.fix, fix)
    await handle.execute_update(
        FaultRepairWorkflow.dispute, ReasonInput(actor=SAFETY_MANAGER, reason="仍有异响")
    )
    await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=MAINTAINER))
    await handle.execute_update(FaultRepairWorkflow.fix, fix)
    await handle.execute_update(FaultRepairWorkflow.confirm, StepInput(actor=SAFETY_MANAGER, note="已复核"))
    await _save(handle, "fault_repair_every_path")


async def _hazard_every_path(client: Client, settings: Settings, name: str = "hazard_every_path") -> None:
    # Working-day clocks cannot shrink to seconds, so this path runs every Update but no breach.
    registered = await open_hazard(
        client,
        settings.temporal_task_queue,
        NewHazard(
            elevator_code=ELEVATOR,
            ref=f"YH-{uuid.uuid4().hex}",
            reporter=MAINTAINER,
            reporter_unit=OrganisationRef(
                "mu-shenda", "上海申达电梯维保有限公司", "mu-shenda@demo.elevator-orders.example"
            ),
            hazard_type="brake_abnormal",
            severity=HazardSeverity.SERIOUS,
            description="制动器闸瓦磨损超限",
        ),
        mail_grace_seconds=1,
    )
    handle = client.get_workflow_handle_for(HazardWorkflow.run, registered.ticket_id)
    await handle.execute_update(
        HazardWorkflow.pause, hz.ReasonInput(actor=SAFETY_MANAGER, reason="等待检验机构检测")
    )
    await handle.execute_update(HazardWorkflow.resume, hz.StepInput(actor=SAFETY_MANAGER))
    await handle.execute_update(
        HazardWorkflow.extend,
        hz.ExtendInput(actor=REGULATOR, due_at=datetime.now(UTC) + timedelta(days=30), reason="需停梯大修"),
    )
    await handle.execute_update(
        HazardWorkflow.submit_rectification,
        hz.RectificationInput(actor=SAFETY_MANAGER, evidence="调整制动器"),
    )
    await handle.execute_update(
        HazardWorkflow.pause, hz.ReasonInput(actor=MAINTAINER, reason="等待第三方检测")
    )
    await handle.execute_update(HazardWorkflow.resume, hz.StepInput(actor=MAINTAINER))
    await handle.execute_update(
        HazardWorkflow.verify_fail, hz.ReasonInput(actor=MAINTAINER, reason="制动间隙仍超标")
    )
    await handle.execute_update(
        HazardWorkflow.submit_rectification,
        hz.RectificationInput(actor=SAFETY_MANAGER, evidence="更换制动器闸瓦"),
    )
    await handle.execute_update(HazardWorkflow.verify_pass, hz.StepInput(actor=MAINTAINER, note="复查合格"))
    await _save(handle, name)


async def _closed_with_joined_reports(client: Client, settings: Settings) -> None:
    queue = settings.temporal_task_queue
    receipt = await open_rescue(client, queue, new_report(uuid.uuid4().hex))
    await open_rescue(client, queue, new_report(uuid.uuid4().hex, ReportSource.QR))
    handle = await _handle(client, settings, receipt.ticket_id)
    await _to_closure(handle, ReleaseInput(actor=RESCUER, people_freed=2, handler_name="李师傅"))
    await _save(handle, "rescue_closed_with_joined_reports")


async def _cancelled(client: Client, settings: Settings) -> None:
    receipt = await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex))
    handle = await _handle(client, settings, receipt.ticket_id)
    await handle.execute_update(RescueWorkflow.cancel, CancelInput(actor=DISPATCHER, reason="误报"))
    await _save(handle, "rescue_cancelled")


async def _every_breach(
    client: Client, settings: Settings, name: str = "rescue_every_breach", district: str | None = None
) -> None:
    url = settings.effective_database_url
    receipt = await open_rescue(
        client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, district=district)
    )
    handle = await _handle(client, settings, receipt.ticket_id)
    await ticket_when(url, receipt.ticket_id, lambda t: "redispatched" in t.flags)
    await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=STATION_RESCUER))
    await ticket_when(url, receipt.ticket_id, lambda t: "accident" in t.flags)
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=STATION_RESCUER))
    await handle.execute_update(
        RescueWorkflow.release, ReleaseInput(actor=STATION_RESCUER, people_freed=1, handler_name="陈队长")
    )
    await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, ReportSource.QR))
    await ticket_when(url, receipt.ticket_id, lambda t: "confirmation_overdue" in t.flags)
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
    await _save(handle, name)


async def _late_arrival_clue_penalised(client: Client, settings: Settings) -> None:
    """A late arrival opens a violation clue; the clue becomes a case and a recorded penalty."""
    url = settings.effective_database_url
    receipt = await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex))
    handle = await _handle(client, settings, receipt.ticket_id)
    await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
    clue, _ = await clue_raised_by(url, receipt.ticket_id, within_seconds=30)
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
    await handle.execute_update(
        RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=1, handler_name="李师傅")
    )
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
    await _save(handle, "rescue_late_arrival_clue")
    clue_handle = client.get_workflow_handle_for(ViolationClueWorkflow.run, clue.workflow_id)
    await clue_handle.execute_update(ViolationClueWorkflow.open_case, OpenCaseInput(actor=REGULATOR))
    await clue_handle.execute_update(
        ViolationClueWorkflow.record_penalty,
        PenaltyInput(REGULATOR, "沪市监浦处〔2026〕1号", "《特种设备安全法》第八十八条", Decimal(10000)),
    )
    await _save(clue_handle, "violation_clue_penalised")


async def _every_breach_local_store(client: Client, settings: Settings) -> None:
    """The same breaches, recorded after store calls became local activities (LOCAL_STORE_PATCH)."""
    await _every_breach(client, settings, "rescue_every_breach_local_store")


async def _hazard_every_path_local_store(client: Client, settings: Settings) -> None:
    await _hazard_every_path(client, settings, "hazard_every_path_local_store")


async def _rescue_confirmation_disputed(client: Client, settings: Settings) -> None:
    url = settings.effective_database_url
    receipt = await open_rescue(client, settings.temporal_task_queue, new_report(uuid.uuid4().hex))
    handle = await _handle(client, settings, receipt.ticket_id)
    await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
    release = ReleaseInput(actor=RESCUER, people_freed=3, handler_name="李师傅")
    await handle.execute_update(RescueWorkflow.release, release)
    await ticket_when(url, receipt.ticket_id, lambda t: "reminded" in t.flags)
    await handle.execute_update(RescueWorkflow.dispute, DisputeInput(actor=SAFETY_MANAGER, reason="人数有误"))
    await handle.execute_update(
        RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=2, handler_name="李师傅")
    )
    await ticket_when(url, receipt.ticket_id, lambda t: "confirmation_overdue" in t.flags)
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
    await _save(handle, "rescue_confirmation_disputed")


async def _feedback_answered(client: Client, settings: Settings) -> None:
    registered = await receive_feedback(
        client,
        settings.temporal_task_queue,
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        feedback_type=FeedbackType.SUGGESTION,
        text="轿厢照明偏暗",
        rating=None,
        mail_grace_seconds=1,
    )
    handle = client.get_workflow_handle_for(FeedbackWorkflow.run, registered.ticket_id)
    await handle.execute_update(
        FeedbackWorkflow.pause, ReasonInput(actor=SAFETY_MANAGER, reason="等待物业例会")
    )
    await handle.execute_update(FeedbackWorkflow.resume, StepInput(actor=SAFETY_MANAGER))
    await handle.execute_update(
        FeedbackWorkflow.answer, AnswerInput(actor=SAFETY_MANAGER, answer="已增加照明")
    )
    await _save(handle, "feedback_answered")


async def _maintenance_record_disputed(client: Client, settings: Settings) -> None:
    handle = await submit_record(client, settings, new_record("31010400001"))
    manager = Actor("u-safety-xujiahui", "周经理", "uu-xujiahui", Role.SAFETY_MANAGER)
    maintainer = Actor("u-maintainer-pujiang", "林工", "mu-pujiang", Role.MAINTAINER)
    await handle.execute_update(
        MaintenanceRecordWorkflow.dispute, ReasonInput(actor=manager, reason="缺少层门检查")
    )
    await handle.execute_update(
        MaintenanceRecordWorkflow.resubmit,
        ResubmitInput(actor=maintainer, items=["层门门锁"], remarks="补充"),
    )
    await handle.execute_update(MaintenanceRecordWorkflow.confirm, StepInput(actor=manager))
    await _save(handle, "maintenance_record_disputed")
    await end_schedule(client, "31010400001")


async def _maintenance_schedule_missed(client: Client, settings: Settings) -> None:
    url = settings.effective_database_url
    first = await submit_record(client, settings, new_record("31010600001", datetime.now(UTC)))
    schedule = client.get_workflow_handle_for(
        MaintenanceScheduleWorkflow.run, maintenance_schedule_workflow_id("31010600001")
    )
    first_run = (await schedule.describe()).run_id
    due_date = (datetime.now(UTC) + timedelta(days=FAST_CLOCKS["maintenance_record.interval"])).astimezone(
        CHINA_TIME
    )
    missed_id = missed_maintenance_ticket_id("31010600001", due_date.date().isoformat())
    await ticket_when(url, missed_id, lambda t: t.overdue)
    manager = Actor("u-safety-jingan", "吴经理", "uu-jingan", Role.SAFETY_MANAGER)
    await first.execute_update(MaintenanceRecordWorkflow.confirm, StepInput(actor=manager))
    await first.result()
    late = await submit_record(client, settings, new_record("31010600001", datetime.now(UTC)))
    await ticket_when(url, missed_id, lambda t: t.state == "resolved")
    await late.execute_update(MaintenanceRecordWorkflow.confirm, StepInput(actor=manager))
    await late.result()
    history = await client.get_workflow_handle(schedule.id, run_id=first_run).fetch_history()
    (HISTORIES / "maintenance_schedule_missed.json").write_text(history.to_json())
    print(f"saved maintenance_schedule_missed: {len(history.events)} events")
    await end_schedule(client, "31010600001")


async def _report_case_opened(client: Client, settings: Settings) -> None:
    # A real-name report: its identity kept, the clock paused and extended, a case opened, the reporter told.
    receipt = await receive_report(
        client,
        settings.temporal_task_queue,
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        text="维保人员长期不到场，维保记录涉嫌造假",
        suspect=SuspectParty.MAINTENANCE_UNIT,
        reporter=ReporterContact(name="韩梅梅", phone="13912345678"),
        mail_grace_seconds=1,
    )
    handle = client.get_workflow_handle_for(ReportWorkflow.run, receipt.ticket_id)
    await handle.execute_update(ReportWorkflow.pause, ReasonInput(actor=REGULATOR, reason="等待检验机构检测"))
    await handle.execute_update(ReportWorkflow.resume, StepInput(actor=REGULATOR))
    await handle.execute_update(
        ReportWorkflow.extend,
        ExtendInput(actor=REGULATOR, due_at=datetime.now(UTC) + timedelta(days=45), reason="经批准延长"),
    )
    await handle.execute_update(ReportWorkflow.open_case, StepInput(actor=REGULATOR, note="核查属实"))
    await handle.execute_update(
        ReportWorkflow.inform_reporter, InformInput(actor=REGULATOR, note="电话告知举报人：已立案")
    )
    await _save(handle, "report_case_opened")
    clue, _ = await clue_raised_by(settings.effective_database_url, receipt.ticket_id)
    clue_handle = client.get_workflow_handle_for(ViolationClueWorkflow.run, clue.workflow_id)
    await clue_handle.execute_update(
        ViolationClueWorkflow.record_no_penalty, ReasonInput(actor=REGULATOR, reason="录制结束")
    )
    await clue_handle.result()


async def _complaint_evaluated(client: Client, settings: Settings) -> None:
    # Every Update of a complaint; its working-day clocks cannot shrink to seconds, so no breach.
    complaint = NewComplaint(
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        complaint="电梯频繁停运，报修后一周仍未修复",
        request="尽快修复并说明原因",
        complainant_name="张小红",
        complainant_phone="13912345678",
    )
    receipt = await receive_complaint(client, settings.temporal_task_queue, complaint, mail_grace_seconds=1)
    assert receipt.tracking_token is not None
    handle = client.get_workflow_handle_for(ComplaintWorkflow.run, receipt.ticket_id)
    await handle.execute_update(
        ComplaintWorkflow.pause, cp.ReasonInput(actor=REGULATOR, reason="等待检验机构检测")
    )
    await handle.execute_update(ComplaintWorkflow.resume, cp.StepInput(actor=REGULATOR))
    await handle.execute_update(ComplaintWorkflow.accept, cp.StepInput(actor=REGULATOR, note="予以受理"))
    await handle.execute_update(
        ComplaintWorkflow.extend,
        cp.ExtendInput(actor=REGULATOR, due_at=datetime.now(UTC) + timedelta(days=120), reason="需专家论证"),
    )
    await handle.execute_update(
        ComplaintWorkflow.refer_violation,
        cp.ReferViolationInput(actor=REGULATOR, summary="维保单位超期未维保", suspect="maintenance_unit"),
    )
    await handle.execute_update(
        ComplaintWorkflow.record_result, cp.ResultInput(actor=REGULATOR, agreed=True, result="已修复并致歉")
    )
    await handle.execute_update(
        ComplaintWorkflow.evaluate,
        cp.EvaluateInput(tracking_digest=tracking_digest(receipt.tracking_token), satisfied=True, rating=5),
    )
    await _save(handle, "complaint_evaluated")
    clue, _ = await clue_raised_by(
        settings.effective_database_url, complaint_ticket_id(ELEVATOR, complaint.ref)
    )
    clue_handle = client.get_workflow_handle_for(ViolationClueWorkflow.run, clue.workflow_id)
    await clue_handle.execute_update(
        ViolationClueWorkflow.decline_case, ReasonInput(actor=REGULATOR, reason="录制结束")
    )
    await clue_handle.result()


def _new_directive(addressee: Addressee, rectify_in_days: int) -> NewDirective:
    return NewDirective(
        elevator_code=ELEVATOR,
        ref=uuid.uuid4().hex,
        issuer=REGULATOR,
        addressee=addressee,
        problems="隐患上报工单逾期未整改：制动器闸瓦磨损超限",
        article_violated="《中华人民共和国特种设备安全法》第四十二条",
        legal_basis="《中华人民共和国特种设备安全法》第八十三条",
        rectify_by=(datetime.now(CHINA_TIME) + timedelta(days=rectify_in_days)).date(),
        from_ticket_id=f"hazard-{ELEVATOR}-mu-shenda-recorded",
    )


async def _directive_every_path(
    client: Client, settings: Settings, name: str = "directive_every_path"
) -> None:
    # The date to correct by cannot shrink to seconds, so this path runs every Update but no breach.
    new = _new_directive(Addressee.MAINTENANCE_UNIT, 20)
    registered = await issue_directive(client, settings.temporal_task_queue, new, mail_grace_seconds=1)
    handle = client.get_workflow_handle_for(DirectiveWorkflow.run, registered.ticket_id)
    await handle.execute_update(
        DirectiveWorkflow.pause, dr.ReasonInput(actor=REGULATOR, reason="等待检验机构检测")
    )
    await handle.execute_update(DirectiveWorkflow.resume, dr.StepInput(actor=REGULATOR))
    await handle.execute_update(
        DirectiveWorkflow.extend,
        dr.ExtendInput(actor=REGULATOR, due_at=datetime.now(UTC) + timedelta(days=40), reason="需更换曳引机"),
    )
    await handle.execute_update(
        DirectiveWorkflow.record_refusal, dr.RefusalInput(actor=REGULATOR, note="拒绝签收，两名执法人员见证")
    )
    await handle.execute_update(
        DirectiveWorkflow.submit_rectification,
        dr.RectificationReportInput(actor=MAINTAINER, evidence="补充应急演练记录"),
    )
    await handle.execute_update(
        DirectiveWorkflow.verify_fail,
        dr.RecheckFailedInput(
            actor=REGULATOR,
            reason="演练记录不完整",
            rectify_by=(datetime.now(CHINA_TIME) + timedelta(days=7)).date(),
        ),
    )
    await handle.execute_update(
        DirectiveWorkflow.submit_rectification,
        dr.RectificationReportInput(actor=MAINTAINER, evidence="重新组织应急演练并记录"),
    )
    await handle.execute_update(DirectiveWorkflow.verify_pass, dr.StepInput(actor=REGULATOR, note="复查合格"))
    await _save(handle, name)


async def _directive_signed_withdrawn(client: Client, settings: Settings) -> None:
    new = _new_directive(Addressee.USE_UNIT, 15)
    registered = await issue_directive(client, settings.temporal_task_queue, new, mail_grace_seconds=1)
    handle = client.get_workflow_handle_for(DirectiveWorkflow.run, registered.ticket_id)
    await handle.execute_update(DirectiveWorkflow.sign, dr.SignInput(actor=SAFETY_MANAGER, note="已签收"))
    await handle.execute_update(DirectiveWorkflow.withdraw, dr.ReasonInput(actor=REGULATOR, reason="误发"))
    await _save(handle, "directive_signed_withdrawn")


async def _directive_overdue_clue(client: Client, settings: Settings) -> None:
    # Issued with a date already past (the API refuses one; the workflow takes it): overdue at once, so the
    # breach, its clue and an extension that sets it running again are recorded without waiting.
    new = _new_directive(Addressee.USE_UNIT, -1)
    registered = await issue_directive(client, settings.temporal_task_queue, new, mail_grace_seconds=1)
    handle = client.get_workflow_handle_for(DirectiveWorkflow.run, registered.ticket_id)
    clue, _ = await clue_raised_by(settings.effective_database_url, registered.ticket_id, within_seconds=30)
    await handle.execute_update(DirectiveWorkflow.sign, dr.SignInput(actor=SAFETY_MANAGER))
    await handle.execute_update(
        DirectiveWorkflow.extend,
        dr.ExtendInput(actor=REGULATOR, due_at=datetime.now(UTC) + timedelta(days=3), reason="等待配件"),
    )
    await ticket_when(settings.effective_database_url, registered.ticket_id, lambda t: not t.overdue)
    await handle.execute_update(
        DirectiveWorkflow.submit_rectification,
        dr.RectificationReportInput(actor=SAFETY_MANAGER, evidence="已更换制动器闸瓦"),
    )
    await handle.execute_update(DirectiveWorkflow.verify_pass, dr.StepInput(actor=REGULATOR))
    await _save(handle, "directive_overdue_clue")
    clue_handle = client.get_workflow_handle_for(ViolationClueWorkflow.run, clue.workflow_id)
    await clue_handle.execute_update(
        ViolationClueWorkflow.decline_case, ReasonInput(actor=REGULATOR, reason="录制结束")
    )
    await clue_handle.result()


async def _rescue_closed_outbox(
    client: Client, settings: Settings, name: str = "rescue_closed_outbox", district: str | None = None
) -> None:
    """The lifecycle `make bench` times, with mails carried by projections into the outbox."""
    receipt = await open_rescue(
        client, settings.temporal_task_queue, new_report(uuid.uuid4().hex, district=district)
    )
    handle = await _handle(client, settings, receipt.ticket_id)
    await _to_closure(handle, ReleaseInput(actor=RESCUER, people_freed=1, handler_name="李师傅"))
    await _save(handle, name)


async def _rescue_closed_one_projection_per_step(client: Client, settings: Settings) -> None:
    """The same lifecycle once release and confirm store their follow-up work with their own step."""
    await _rescue_closed_outbox(client, settings, "rescue_closed_one_projection_per_step")


async def _rescue_closed_patch_baseline(client: Client, settings: Settings) -> None:
    """The same lifecycle with every earlier patch under one baseline marker (workflows/patches.py)."""
    await _rescue_closed_outbox(client, settings, "rescue_closed_patch_baseline")


async def _every_breach_patch_baseline(client: Client, settings: Settings) -> None:
    await _every_breach(client, settings, "rescue_every_breach_patch_baseline")


async def _hazard_every_path_patch_baseline(client: Client, settings: Settings) -> None:
    await _hazard_every_path(client, settings, "hazard_every_path_patch_baseline")


async def _rescue_closed_one_opening_call(client: Client, settings: Settings) -> None:
    """The same lifecycle opened by one call that also keeps the confirmation clock's terms."""
    await _rescue_closed_outbox(client, settings, "rescue_closed_one_opening_call")


async def _every_breach_one_opening_call(client: Client, settings: Settings) -> None:
    await _every_breach(client, settings, "rescue_every_breach_one_opening_call")


async def _directive_allocated_number(client: Client, settings: Settings) -> None:
    """Every path of a directive numbered by its authority's serial of the year (文号 from the database)."""
    await _directive_every_path(client, settings, "directive_every_path_allocated_number")


async def _rescue_closed_search_attributes(client: Client, settings: Settings) -> None:
    """The same lifecycle setting the ticket's search attributes with each projection (a third baseline)."""
    await _rescue_closed_outbox(client, settings, "rescue_closed_search_attributes")


async def _every_breach_search_attributes(client: Client, settings: Settings) -> None:
    await _every_breach(client, settings, "rescue_every_breach_search_attributes")


async def _hazard_every_path_search_attributes(client: Client, settings: Settings) -> None:
    await _hazard_every_path(client, settings, "hazard_every_path_search_attributes")


async def _rescue_closed_started_under_baseline(client: Client, settings: Settings) -> None:
    """The same lifecycle started with the newest baseline in its memo: no patch marker at all."""
    await _rescue_closed_outbox(client, settings, "rescue_closed_started_under_baseline")


async def _every_breach_started_under_baseline(client: Client, settings: Settings) -> None:
    await _every_breach(client, settings, "rescue_every_breach_started_under_baseline")


async def _hazard_every_path_started_under_baseline(client: Client, settings: Settings) -> None:
    await _hazard_every_path(client, settings, "hazard_every_path_started_under_baseline")


async def _rescue_closed_started_with_search_attributes(client: Client, settings: Settings) -> None:
    """The same lifecycle started with its kind, elevator and district indexed: it upserts only its outcome."""
    await _rescue_closed_outbox(client, settings, "rescue_closed_started_with_search_attributes", "pudong")


async def _every_breach_started_with_search_attributes(client: Client, settings: Settings) -> None:
    await _every_breach(client, settings, "rescue_every_breach_started_with_search_attributes", "pudong")


async def _monitoring_watch_offline(client: Client, settings: Settings) -> None:
    # A device goes silent, its hazard opens, it is heard again, the hazard is withdrawn; the run continues
    # as new after its sweeps.
    url = settings.effective_database_url
    engine = make_engine(url)
    devices = MonitoringDevices(Database(engine))
    last_heard = datetime.now(UTC)
    await devices.heard("emergency-110", [("31010400001", last_heard)])
    watch = await client.start_workflow(
        MonitoringWatchWorkflow.run,
        WatchInput(interval_seconds=1, sweeps_per_run=8),
        id=f"monitoring-watch-{uuid.uuid4().hex}",
        task_queue=settings.temporal_task_queue,
    )
    first_run = watch.result_run_id
    ticket_id = hazard_ticket_id("31010400001", "emergency-110", f"offline-{last_heard:%Y%m%d%H%M%S}")
    await ticket_when(url, ticket_id, lambda t: t.state == "rectifying")
    await devices.heard("emergency-110", [("31010400001", datetime.now(UTC))])
    await ticket_when(url, ticket_id, lambda t: t.state == "cancelled")
    first = client.get_workflow_handle(watch.id, run_id=first_run)
    # The first run ends by continuing as new once its sweeps are done.
    with contextlib.suppress(WorkflowContinuedAsNewError):
        await first.result(follow_runs=False)
    history = await first.fetch_history()
    (HISTORIES / "monitoring_watch_offline.json").write_text(history.to_json())
    print(f"saved monitoring_watch_offline: {len(history.events)} events")
    await watch.terminate(reason="recorded")
    await engine.dispose()


async def _credit_grading_month_before(client: Client, settings: Settings) -> None:
    # As the Schedule starts it: no month, so the run grades the month before its own start.
    handle = await client.start_workflow(
        CreditGradingWorkflow.run,
        CreditGradingInput(),
        id=f"credit-grading-{uuid.uuid4().hex}",
        task_queue=settings.temporal_task_queue,
    )
    await handle.result()
    await _save(handle, "credit_grading_month_before")


SCENARIOS: tuple[tuple[str, Callable[[Client, Settings], Awaitable[None]], dict[str, float]], ...] = (
    ("rescue_closed_with_joined_reports", _closed_with_joined_reports, {}),
    ("rescue_cancelled", _cancelled, {}),
    ("rescue_every_breach", _every_breach, FAST_CLOCKS),
    ("rescue_stopping_the_car", _rescue_stopping_the_car, {}),
    # The repair opened by an activity, as every ticket opens another (FOLLOW_UPS_BY_ACTIVITY_PATCH).
    (
        "rescue_stopping_the_car_by_activity",
        partial(_rescue_stopping_the_car, name="rescue_stopping_the_car_by_activity"),
        {},
    ),
    ("fault_repair_every_path", _fault_repair_every_path, FAST_CLOCKS),
    ("hazard_every_path", _hazard_every_path, {}),
    ("maintenance_record_disputed", _maintenance_record_disputed, {}),
    ("rescue_confirmation_disputed", _rescue_confirmation_disputed, FAST_CLOCKS),
    ("feedback_answered", _feedback_answered, {}),
    ("report_case_opened", _report_case_opened, {}),
    ("maintenance_schedule_missed", _maintenance_schedule_missed, FAST_CLOCKS),
    ("violation_clue_penalised", _late_arrival_clue_penalised, FAST_CLOCKS),
    ("complaint_evaluated", _complaint_evaluated, {}),
    ("directive_every_path", _directive_every_path, {}),
    ("directive_signed_withdrawn", _directive_signed_withdrawn, {}),
    ("directive_overdue_clue", _directive_overdue_clue, {}),
    ("rescue_every_breach_local_store", _every_breach_local_store, FAST_CLOCKS),
    ("hazard_every_path_local_store", _hazard_every_path_local_store, {}),
    ("rescue_closed_outbox", _rescue_closed_outbox, {}),
    ("rescue_closed_one_projection_per_step", _rescue_closed_one_projection_per_step, {}),
    ("rescue_closed_patch_baseline", _rescue_closed_patch_baseline, {}),
    ("rescue_every_breach_patch_baseline", _every_breach_patch_baseline, FAST_CLOCKS),
    ("hazard_every_path_patch_baseline", _hazard_every_path_patch_baseline, {}),
    ("rescue_closed_one_opening_call", _rescue_closed_one_opening_call, {}),
    ("rescue_every_breach_one_opening_call", _every_breach_one_opening_call, FAST_CLOCKS),
    ("rescue_closed_search_attributes", _rescue_closed_search_attributes, {}),
    ("rescue_every_breach_search_attributes", _every_breach_search_attributes, FAST_CLOCKS),
    ("hazard_every_path_search_attributes", _hazard_every_path_search_attributes, {}),
    ("directive_every_path_allocated_number", _directive_allocated_number, {}),
    ("monitoring_watch_offline", _monitoring_watch_offline, {"hazard.monitoring_offline": 0.05}),
    ("credit_grading_month_before", _credit_grading_month_before, {}),
    ("rescue_closed_started_under_baseline", _rescue_closed_started_under_baseline, {}),
    ("rescue_every_breach_started_under_baseline", _every_breach_started_under_baseline, FAST_CLOCKS),
    ("hazard_every_path_started_under_baseline", _hazard_every_path_started_under_baseline, {}),
    ("rescue_closed_started_with_search_attributes", _rescue_closed_started_with_search_attributes, {}),
    (
        "rescue_every_breach_started_with_search_attributes",
        _every_breach_started_with_search_attributes,
        FAST_CLOCKS,
    ),
)


async def main() -> None:
    """Record the scenarios that have no saved history yet (all of them with `--all`)."""
    HISTORIES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, MailCatcher() as catcher:
        url = f"sqlite+aiosqlite:///{tmp}/orders.db"
        await upgrade_to_head_async(url)
        engine = make_engine(url)
        await seed_demo_data(make_sessionmaker(engine))
        await engine.dispose()
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(temporal_cli()), data_converter=encrypting_data_converter()
        )
        try:
            for name, scenario, clocks in SCENARIOS:
                if (HISTORIES / f"{name}.json").exists() and "--all" not in sys.argv:
                    print(f"kept {name}")
                    continue
                settings = Settings(
                    _env_file=None,
                    database_url=url,
                    smtp_host=catcher.host,
                    smtp_port=catcher.port,
                    temporal_task_queue=f"record-{uuid.uuid4().hex}",
                    policy_overrides=clocks,
                    payload_encryption_key=TEST_PAYLOAD_ENCRYPTION_KEY,
                )
                async with running_worker(env.client, settings):
                    await scenario(env.client, settings)
        finally:
            await env.shutdown()
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    asyncio.run(main())
