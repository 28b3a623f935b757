"""Which Update of which workflow each action on a ticket is, per kind, and how its body becomes the input."""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from api import complaint_schemas as cp_schemas
from api import directive_schemas as dr_schemas
from api import report_schemas, schemas
from api import violation_clue_schemas as clue_schemas
from domain.kinds import TicketKind
from domain.roles import Actor
from workflows import complaint_models as cp
from workflows import directive_models as dr
from workflows import fault_repair_models as fr
from workflows import feedback_models as fb
from workflows import hazard_models as hz
from workflows import maintenance_models as mm
from workflows import report_models as rp
from workflows import rescue_models as rm
from workflows import violation_clue_models as vc
from workflows.complaint import ComplaintWorkflow
from workflows.directive import DirectiveWorkflow
from workflows.fault_repair import FaultRepairWorkflow
from workflows.feedback import FeedbackWorkflow
from workflows.hazard import HazardWorkflow
from workflows.maintenance_record import MaintenanceRecordWorkflow
from workflows.report import ReportWorkflow
from workflows.rescue import RescueWorkflow
from workflows.violation_clue import ViolationClueWorkflow

Adapter = Callable[[Actor, Any], tuple[Any, Any]]


def _rescue() -> dict[str, Adapter]:
    return {
        "accept": lambda a, b: (RescueWorkflow.accept, rm.AcceptInput(actor=a, note=b.note)),
        "arrive": lambda a, b: (
            RescueWorkflow.arrive,
            rm.ArriveInput(actor=a, arrived_at=b.arrived_at, note=b.note),
        ),
        "release": lambda a, b: (
            RescueWorkflow.release,
            rm.ReleaseInput(
                actor=a,
                people_freed=b.people_freed,
                handler_name=b.handler_name,
                released_at=b.released_at,
                note=b.note,
                car_stopped=b.car_stopped,
            ),
        ),
        "confirm": lambda a, b: (RescueWorkflow.confirm, rm.ConfirmInput(actor=a, remark=b.remark)),
        "dispute": lambda a, b: (RescueWorkflow.dispute, rm.DisputeInput(actor=a, reason=b.reason)),
        "cancel": lambda a, b: (RescueWorkflow.cancel, rm.CancelInput(actor=a, reason=b.reason)),
    }


def _fault_repair() -> dict[str, Adapter]:
    return {
        "accept": lambda a, b: (FaultRepairWorkflow.accept, fr.StepInput(actor=a, note=b.note)),
        "arrive": lambda a, b: (FaultRepairWorkflow.arrive, fr.StepInput(actor=a, note=b.note)),
        "report_not_fixable": lambda a, b: (
            FaultRepairWorkflow.report_not_fixable,
            fr.NotFixableInput(actor=a, plan=b.plan, planned_fix_by=b.planned_fix_by),
        ),
        "fix": lambda a, b: (
            FaultRepairWorkflow.fix,
            fr.FixInput(
                actor=a, fault_type=b.fault_type, handler_name=b.handler_name, description=b.description
            ),
        ),
        "confirm": lambda a, b: (FaultRepairWorkflow.confirm, fr.StepInput(actor=a, note=b.remark)),
        "dispute": lambda a, b: (FaultRepairWorkflow.dispute, fr.ReasonInput(actor=a, reason=b.reason)),
        "cancel": lambda a, b: (FaultRepairWorkflow.cancel, fr.ReasonInput(actor=a, reason=b.reason)),
        "extend": lambda a, b: (
            FaultRepairWorkflow.extend,
            fr.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (FaultRepairWorkflow.pause, fr.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (FaultRepairWorkflow.resume, fr.StepInput(actor=a, note=b.note)),
    }


def _maintenance_record() -> dict[str, Adapter]:
    return {
        "confirm": lambda a, b: (MaintenanceRecordWorkflow.confirm, fr.StepInput(actor=a, note=b.remark)),
        "dispute": lambda a, b: (MaintenanceRecordWorkflow.dispute, fr.ReasonInput(actor=a, reason=b.reason)),
        "resubmit": lambda a, b: (
            MaintenanceRecordWorkflow.resubmit,
            mm.ResubmitInput(actor=a, items=b.items, remarks=b.remarks),
        ),
        "withdraw": lambda a, b: (
            MaintenanceRecordWorkflow.withdraw,
            fr.ReasonInput(actor=a, reason=b.reason),
        ),
        "extend": lambda a, b: (
            MaintenanceRecordWorkflow.extend,
            fr.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (MaintenanceRecordWorkflow.pause, fr.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (MaintenanceRecordWorkflow.resume, fr.StepInput(actor=a, note=b.note)),
    }


def _hazard() -> dict[str, Adapter]:
    return {
        "submit_rectification": lambda a, b: (
            HazardWorkflow.submit_rectification,
            hz.RectificationInput(actor=a, evidence=b.evidence),
        ),
        "verify_pass": lambda a, b: (HazardWorkflow.verify_pass, hz.StepInput(actor=a, note=b.remark)),
        "verify_fail": lambda a, b: (HazardWorkflow.verify_fail, hz.ReasonInput(actor=a, reason=b.reason)),
        "withdraw": lambda a, b: (HazardWorkflow.withdraw, hz.ReasonInput(actor=a, reason=b.reason)),
        "extend": lambda a, b: (
            HazardWorkflow.extend,
            hz.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (HazardWorkflow.pause, hz.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (HazardWorkflow.resume, hz.StepInput(actor=a, note=b.note)),
    }


def _feedback() -> dict[str, Adapter]:
    return {
        "answer": lambda a, b: (FeedbackWorkflow.answer, fb.AnswerInput(actor=a, answer=b.answer)),
        "extend": lambda a, b: (
            FeedbackWorkflow.extend,
            fr.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (FeedbackWorkflow.pause, fr.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (FeedbackWorkflow.resume, fr.StepInput(actor=a, note=b.note)),
    }


def _violation_clue() -> dict[str, Adapter]:
    return {
        "open_case": lambda a, b: (ViolationClueWorkflow.open_case, vc.OpenCaseInput(actor=a, note=b.note)),
        "decline_case": lambda a, b: (
            ViolationClueWorkflow.decline_case,
            fr.ReasonInput(actor=a, reason=b.reason),
        ),
        "record_penalty": lambda a, b: (
            ViolationClueWorkflow.record_penalty,
            vc.PenaltyInput(
                actor=a,
                decision_number=b.decision_number,
                legal_basis=b.legal_basis,
                amount_yuan=b.amount_yuan,
                note=b.note,
            ),
        ),
        "record_no_penalty": lambda a, b: (
            ViolationClueWorkflow.record_no_penalty,
            fr.ReasonInput(actor=a, reason=b.reason),
        ),
        "extend": lambda a, b: (
            ViolationClueWorkflow.extend,
            fr.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (ViolationClueWorkflow.pause, fr.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (ViolationClueWorkflow.resume, fr.StepInput(actor=a, note=b.note)),
    }


def _report() -> dict[str, Adapter]:
    return {
        "open_case": lambda a, b: (ReportWorkflow.open_case, fr.StepInput(actor=a, note=b.note)),
        "decline_case": lambda a, b: (ReportWorkflow.decline_case, fr.ReasonInput(actor=a, reason=b.reason)),
        "inform_reporter": lambda a, b: (
            ReportWorkflow.inform_reporter,
            rp.InformInput(actor=a, note=b.note),
        ),
        "extend": lambda a, b: (
            ReportWorkflow.extend,
            fr.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (ReportWorkflow.pause, fr.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (ReportWorkflow.resume, fr.StepInput(actor=a, note=b.note)),
    }


def _complaint() -> dict[str, Adapter]:
    return {
        "accept": lambda a, b: (ComplaintWorkflow.accept, cp.StepInput(actor=a, note=b.note)),
        "reject": lambda a, b: (ComplaintWorkflow.reject, cp.ReasonInput(actor=a, reason=b.reason)),
        "record_result": lambda a, b: (
            ComplaintWorkflow.record_result,
            cp.ResultInput(actor=a, agreed=b.agreed, result=b.result),
        ),
        "refer_violation": lambda a, b: (
            ComplaintWorkflow.refer_violation,
            cp.ReferViolationInput(actor=a, summary=b.summary, suspect=b.suspect),
        ),
        "extend": lambda a, b: (
            ComplaintWorkflow.extend,
            cp.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (ComplaintWorkflow.pause, cp.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (ComplaintWorkflow.resume, cp.StepInput(actor=a, note=b.note)),
    }


def _directive() -> dict[str, Adapter]:
    return {
        "sign": lambda a, b: (DirectiveWorkflow.sign, dr.SignInput(actor=a, note=b.note)),
        "record_refusal": lambda a, b: (
            DirectiveWorkflow.record_refusal,
            dr.RefusalInput(actor=a, note=b.note),
        ),
        "submit_rectification": lambda a, b: (
            DirectiveWorkflow.submit_rectification,
            dr.RectificationReportInput(actor=a, evidence=b.evidence),
        ),
        "verify_pass": lambda a, b: (DirectiveWorkflow.verify_pass, dr.StepInput(actor=a, note=b.remark)),
        # The workflow's validator requires the new date and answers 422 naming rectify_by without one.
        "verify_fail": lambda a, b: (
            DirectiveWorkflow.verify_fail,
            dr.RecheckFailedInput(actor=a, reason=b.reason, rectify_by=b.rectify_by),
        ),
        "withdraw": lambda a, b: (DirectiveWorkflow.withdraw, dr.ReasonInput(actor=a, reason=b.reason)),
        "extend": lambda a, b: (
            DirectiveWorkflow.extend,
            dr.ExtendInput(actor=a, due_at=b.due_at, reason=b.reason),
        ),
        "pause": lambda a, b: (DirectiveWorkflow.pause, dr.ReasonInput(actor=a, reason=b.reason)),
        "resume": lambda a, b: (DirectiveWorkflow.resume, dr.StepInput(actor=a, note=b.note)),
    }


ADAPTERS: dict[TicketKind, dict[str, Adapter]] = {
    TicketKind.RESCUE: _rescue(),
    TicketKind.FAULT_REPAIR: _fault_repair(),
    TicketKind.HAZARD: _hazard(),
    TicketKind.MAINTENANCE_RECORD: _maintenance_record(),
    TicketKind.FEEDBACK: _feedback(),
    TicketKind.COMPLAINT: _complaint(),
    TicketKind.REPORT: _report(),
    TicketKind.VIOLATION_CLUE: _violation_clue(),
    TicketKind.DIRECTIVE: _directive(),
}

# The body each action takes, shared by every kind that has the action.
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "accept": schemas.AcceptBody,
    "arrive": schemas.ArriveBody,
    "release": schemas.ReleaseBody,
    "report_not_fixable": schemas.NotFixableBody,
    "fix": schemas.FixBody,
    "confirm": schemas.ConfirmBody,
    "dispute": schemas.DisputeBody,
    "cancel": schemas.CancelBody,
    "extend": schemas.ExtendBody,
    "pause": schemas.PauseBody,
    "resume": schemas.ResumeBody,
    "resubmit": schemas.ResubmitBody,
    "withdraw": schemas.WithdrawBody,
    "answer": schemas.AnswerBody,
    "submit_rectification": schemas.RectificationBody,
    "verify_pass": schemas.VerifyPassBody,
    "verify_fail": schemas.VerifyFailBody,
    "open_case": clue_schemas.OpenCaseBody,
    "decline_case": clue_schemas.DeclineCaseBody,
    "inform_reporter": report_schemas.InformReporterBody,
    "record_penalty": clue_schemas.PenaltyBody,
    "record_no_penalty": clue_schemas.NoPenaltyBody,
    "reject": cp_schemas.RejectBody,
    "record_result": cp_schemas.RecordResultBody,
    "refer_violation": cp_schemas.ReferViolationBody,
    "sign": dr_schemas.SignBody,
    "record_refusal": dr_schemas.RefusalBody,
}


def update_for(kind: TicketKind, action: str, actor: Actor, body: BaseModel) -> tuple[Any, Any] | None:
    """The Update and its input, or None when this kind has no such action."""
    adapter = ADAPTERS.get(kind, {}).get(action)
    return adapter(actor, body) if adapter else None


def has_action(kind: TicketKind, action: str) -> bool:
    return action in ADAPTERS.get(kind, {})
