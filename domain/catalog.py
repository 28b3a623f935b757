"""What the read side needs to know of every kind: its states, their labels, and the actions a state allows."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

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


@dataclass(frozen=True)
class KindCatalog:
    """One kind as the read side sees it."""

    # The state enums of the kind; a missed maintenance interval has states of its own.
    states: tuple[type[StrEnum], ...]
    # The kind's own actions in a state (details carry what else decides them, e.g. a referral made).
    actions: Callable[[str, DetailsView], list[str]]
    # The states whose step runs on a clock that can be extended (延期) and paused (中止计时).
    clocked: Callable[[str], bool]
    finals: frozenset[str]


def _open(finals: frozenset[str]) -> Callable[[str], bool]:
    return lambda state: state not in finals


def _finals(*enums: type[StrEnum]) -> frozenset[str]:
    return frozenset(member.value for enum in enums for member in enum if getattr(member, "is_final", False))


_MISSED = frozenset(maintenance_record.MissedMaintenanceState.__members__.values())

CATALOG: dict[TicketKind, KindCatalog] = {
    TicketKind.RESCUE: KindCatalog(
        (rescue.RescueState,),
        lambda s, _: rescue.allowed_actions(rescue.RescueState(s)),
        # The rescue's statutory clocks are never moved.
        lambda _: False,
        _finals(rescue.RescueState),
    ),
    TicketKind.FAULT_REPAIR: KindCatalog(
        (fault_repair.FaultRepairState,),
        lambda s, _: fault_repair.allowed_actions(fault_repair.FaultRepairState(s)),
        _open(_finals(fault_repair.FaultRepairState)),
        _finals(fault_repair.FaultRepairState),
    ),
    TicketKind.MAINTENANCE_RECORD: KindCatalog(
        (maintenance_record.MaintenanceRecordState, maintenance_record.MissedMaintenanceState),
        # A missed interval is resolved by the next record, not by an action on it.
        lambda s, _: (
            []
            if s in _MISSED
            else maintenance_record.allowed_actions(maintenance_record.MaintenanceRecordState(s))
        ),
        # The confirmation clock runs only while a record waits for the use unit.
        lambda s: s == maintenance_record.MaintenanceRecordState.SUBMITTED,
        _finals(maintenance_record.MaintenanceRecordState)
        | {maintenance_record.MissedMaintenanceState.RESOLVED.value},
    ),
    TicketKind.HAZARD: KindCatalog(
        (hazard.HazardState,),
        lambda s, _: hazard.allowed_actions(hazard.HazardState(s)),
        # A reported hazard has no running clock yet: it is dispatched to its use unit at once.
        lambda s: s in (hazard.HazardState.RECTIFYING, hazard.HazardState.RECTIFIED),
        _finals(hazard.HazardState),
    ),
    TicketKind.FEEDBACK: KindCatalog(
        (feedback.FeedbackState,),
        lambda s, _: feedback.allowed_actions(feedback.FeedbackState(s)),
        _open(_finals(feedback.FeedbackState)),
        _finals(feedback.FeedbackState),
    ),
    TicketKind.COMPLAINT: KindCatalog(
        (complaint.ComplaintState,),
        lambda s, d: complaint.allowed_actions(
            complaint.ComplaintState(s), referred=bool(d.get("violation_referred"))
        ),
        # Only the regulator's own steps run on a clock it may extend or pause; not the evaluation.
        lambda s: s in complaint.REGULATOR_STEPS,
        _finals(complaint.ComplaintState),
    ),
    TicketKind.REPORT: KindCatalog(
        (report.ReportState,),
        lambda s, _: report.allowed_actions(report.ReportState(s)),
        _open(_finals(report.ReportState)),
        _finals(report.ReportState),
    ),
    TicketKind.VIOLATION_CLUE: KindCatalog(
        (violation_clue.ClueState,),
        lambda s, _: violation_clue.allowed_actions(violation_clue.ClueState(s)),
        _open(_finals(violation_clue.ClueState)),
        _finals(violation_clue.ClueState),
    ),
    TicketKind.DIRECTIVE: KindCatalog(
        (directive.DirectiveState,),
        lambda s, _: directive.allowed_actions(directive.DirectiveState(s)),
        # The deadline runs in every open state; only the issuing regulator extends or pauses it.
        _open(_finals(directive.DirectiveState)),
        _finals(directive.DirectiveState),
    ),
}


def state_label(kind: TicketKind, state: str) -> str:
    for enum in CATALOG[kind].states:
        if state in enum.__members__.values():
            # Every state enum of every kind labels its members in Chinese.
            label: str = getattr(enum(state), "label_zh")  # noqa: B009
            return label
    raise ValueError(f"{state!r} is no state of {kind.value}")


def is_final(kind: TicketKind, state: str) -> bool:
    """True once the ticket's work is over and its workflow ends."""
    return state in CATALOG[kind].finals


def allowed_actions(kind: TicketKind, state: str, details: DetailsView) -> list[str]:
    """The actions a ticket in `state` takes now; who may take them is checked when they are taken."""
    entry = CATALOG[kind]
    allowed = entry.actions(state, details)
    if entry.clocked(state):
        allowed += ["extend", "resume" if details.get("paused") else "pause"]
    return allowed
