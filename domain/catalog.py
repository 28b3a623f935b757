"""What the read side needs to know of every kind: state labels and the actions a state allows."""

from collections.abc import Mapping

from domain import (
    complaint,
    directive,
    fault_repair,
    feedback,
    hazard,
    maintenance_record,
    report,
    rescue,
    violation_clue,
)
from domain.kinds import TicketKind

DetailsView = Mapping[str, object]


def state_label(kind: TicketKind, state: str) -> str:
    if kind is TicketKind.RESCUE:
        return rescue.RescueState(state).label_zh
    if kind is TicketKind.FAULT_REPAIR:
        return fault_repair.FaultRepairState(state).label_zh
    if kind is TicketKind.MAINTENANCE_RECORD:
        if state in maintenance_record.MissedMaintenanceState.__members__.values():
            return maintenance_record.MissedMaintenanceState(state).label_zh
        return maintenance_record.MaintenanceRecordState(state).label_zh
    if kind is TicketKind.HAZARD:
        return hazard.HazardState(state).label_zh
    if kind is TicketKind.FEEDBACK:
        return feedback.FeedbackState(state).label_zh
    if kind is TicketKind.COMPLAINT:
        return complaint.ComplaintState(state).label_zh
    if kind is TicketKind.REPORT:
        return report.ReportState(state).label_zh
    if kind is TicketKind.VIOLATION_CLUE:
        return violation_clue.ClueState(state).label_zh
    if kind is TicketKind.DIRECTIVE:
        return directive.DirectiveState(state).label_zh
    return state


def allowed_actions(kind: TicketKind, state: str, details: DetailsView) -> list[str]:
    """The actions a ticket in `state` takes now; who may take them is checked when they are taken."""
    if kind is TicketKind.RESCUE:
        return rescue.allowed_actions(rescue.RescueState(state))
    if kind is TicketKind.FAULT_REPAIR:
        current = fault_repair.FaultRepairState(state)
        allowed = fault_repair.allowed_actions(current)
        if not current.is_final:
            allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return allowed
    if kind is TicketKind.MAINTENANCE_RECORD:
        if state in maintenance_record.MissedMaintenanceState.__members__.values():
            # A missed interval is resolved by the next record, not by an action on it.
            return []
        record_state = maintenance_record.MaintenanceRecordState(state)
        record_allowed = maintenance_record.allowed_actions(record_state)
        # The confirmation clock runs only while a record waits for the use unit.
        if record_state is maintenance_record.MaintenanceRecordState.SUBMITTED:
            record_allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return record_allowed
    if kind is TicketKind.HAZARD:
        current_hazard = hazard.HazardState(state)
        hazard_allowed = hazard.allowed_actions(current_hazard)
        # A reported hazard has no running clock yet: it is dispatched to its use unit at once.
        if not current_hazard.is_final and current_hazard is not hazard.HazardState.REPORTED:
            hazard_allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return hazard_allowed
    if kind is TicketKind.FEEDBACK:
        feedback_state = feedback.FeedbackState(state)
        feedback_allowed = feedback.allowed_actions(feedback_state)
        if not feedback_state.is_final:
            feedback_allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return feedback_allowed
    if kind is TicketKind.COMPLAINT:
        complaint_state = complaint.ComplaintState(state)
        complaint_allowed = complaint.allowed_actions(
            complaint_state, referred=bool(details.get("violation_referred"))
        )
        # Only the regulator's own steps run on a clock it may extend or pause; not the evaluation.
        if complaint_state in complaint.REGULATOR_STEPS:
            complaint_allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return complaint_allowed
    if kind is TicketKind.REPORT:
        report_state = report.ReportState(state)
        report_allowed = report.allowed_actions(report_state)
        # Verifying and informing each run on the regulator's own clock.
        if not report_state.is_final:
            report_allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return report_allowed
    if kind is TicketKind.VIOLATION_CLUE:
        clue_state = violation_clue.ClueState(state)
        clue_allowed = violation_clue.allowed_actions(clue_state)
        if not clue_state.is_final:
            clue_allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return clue_allowed
    if kind is TicketKind.DIRECTIVE:
        directive_state = directive.DirectiveState(state)
        directive_allowed = directive.allowed_actions(directive_state)
        # The directive's deadline runs in every open state; only its regulator extends or pauses it.
        if not directive_state.is_final:
            directive_allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return directive_allowed
    return []
