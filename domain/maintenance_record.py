"""Maintenance-record confirmation (维保记录确认) and the 15-day maintenance rule."""

from enum import StrEnum

from domain.correction import ORDER_57, SAFETY_LAW, Addressee, CorrectionDefaults
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import DEFAULT_SCOPES, EVERY_PARTY, KindSpec, VisitDate
from domain.kinds import TicketKind
from domain.roles import Actor, Role
from domain.scopes import Grant, Scope
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import Party, Transition, check_transition


class MaintenanceRecordState(TicketState):
    SUBMITTED = "submitted", "待确认"
    DISPUTED = "disputed", "有异议待修改"
    # Confirmed by the use unit's safety manager: the record is final and may not change (TSG T5002 Art 5).
    CONFIRMED = "confirmed", "已确认", FINAL
    WITHDRAWN = "withdrawn", "已撤回", FINAL


class MaintenanceRecordAction(TicketAction):
    CONFIRM = "confirm", "确认"
    DISPUTE = "dispute", "提出异议"
    RESUBMIT = "resubmit", "修改后重新提交"
    WITHDRAW = "withdraw", "撤回"


M = MaintenanceRecordState
MAINTENANCE_RECORD_TRANSITIONS: dict[MaintenanceRecordAction, Transition[MaintenanceRecordState]] = {
    MaintenanceRecordAction.CONFIRM: Transition(
        frozenset({M.SUBMITTED}), M.CONFIRMED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
    MaintenanceRecordAction.DISPUTE: Transition(
        frozenset({M.SUBMITTED}), M.DISPUTED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
    MaintenanceRecordAction.RESUBMIT: Transition(
        frozenset({M.DISPUTED}), M.SUBMITTED, Role.MAINTAINER, Party.ASSIGNED_UNIT
    ),
    MaintenanceRecordAction.WITHDRAW: Transition(
        frozenset({M.SUBMITTED, M.DISPUTED}), M.WITHDRAWN, Role.MAINTAINER, Party.ASSIGNED_UNIT
    ),
}


def allowed_actions(state: MaintenanceRecordState) -> list[str]:
    return [a.value for a, t in MAINTENANCE_RECORD_TRANSITIONS.items() if state in t.from_states]


def check_action(
    state: MaintenanceRecordState,
    action: MaintenanceRecordAction,
    actor: Actor,
    maintenance_unit_id: str,
    use_unit_id: str,
) -> MaintenanceRecordState:
    party_orgs = {Party.ASSIGNED_UNIT: maintenance_unit_id, Party.USE_UNIT: use_unit_id}
    return check_transition(MAINTENANCE_RECORD_TRANSITIONS, state, action, actor, party_orgs)


class MaintenanceLevel(StrEnum):
    """The four levels of maintenance items in TSG T5002-2017 Art 6."""

    HALF_MONTH = "half_month"
    QUARTERLY = "quarterly"
    HALF_YEAR = "half_year"
    ANNUAL = "annual"

    @property
    def label_zh(self) -> str:
        return {
            "half_month": "半月维保",
            "quarterly": "季度维保",
            "half_year": "半年维保",
            "annual": "年度维保",
        }[self.value]


def maintenance_record_ticket_id(elevator_code: str, ref: str) -> str:
    return f"maintenance-record-{elevator_code}-{ref}"


def maintenance_schedule_workflow_id(elevator_code: str) -> str:
    """The elevator's one long-lived maintenance schedule."""
    return f"maintenance-schedule-{elevator_code}"


MISSED_MAINTENANCE_PREFIX = "maintenance-missed-"


def missed_maintenance_ticket_id(elevator_code: str, due_date: str) -> str:
    """The regulator's queue item for a maintenance interval missed; one per missed due date."""
    return f"{MISSED_MAINTENANCE_PREFIX}{elevator_code}-{due_date}"


class MissedMaintenanceState(TicketState):
    OVERDUE = "overdue", "超期未维保"
    RESOLVED = "resolved", "已补做维保", FINAL


_MISSED = frozenset(MissedMaintenanceState.__members__.values())

# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.MAINTENANCE_RECORD,
        "confirm",
        3,
        TimeUnit.WORKING_DAYS,
        "submission",
        Breach.ESCALATE,
        "platform default; TSG T5002-2017 Art 7: the use unit's safety manager signs the maintenance record",
        remind_at=0.5,
    ),
    DeadlinePolicy(
        TicketKind.MAINTENANCE_RECORD,
        "interval",
        15,
        TimeUnit.CALENDAR_DAYS,
        "last maintenance",
        Breach.ESCALATE,
        "特种设备安全监察条例 Art 31: cleaning, lubrication, adjustment and checks at least every 15 days",
        remind_at=0.8,
        opens_clue=True,
    ),
)


CORRECTION = CorrectionDefaults(
    Addressee.USE_UNIT,
    f"{SAFETY_LAW}第三十九条第一款（使用单位应当对其使用的特种设备进行经常性维护保养和定期自行检查，并作出记录）",
    f"{SAFETY_LAW}第八十三条第（三）项；{ORDER_57}",
    overdue_steps_zh={"confirm_overdue": "确认", "interval_overdue": "按期维护保养（15日）"},
)

SPEC = KindSpec(
    notices={"resubmit": "已重新提交维保记录，等待使用管理单位确认"},
    # 第十条: the QR page shows when the car was last maintained, from the records its use unit confirmed.
    last_visit=VisitDate(MaintenanceRecordState.CONFIRMED.value, "performed_at"),
    kind=TicketKind.MAINTENANCE_RECORD,
    number_code="WB",  # 维保
    correction=CORRECTION,
    # The use unit confirms a record; the maintenance unit revises one the use unit disputed.
    awaiting={
        Role.SAFETY_MANAGER: frozenset({MaintenanceRecordState.SUBMITTED.value}),
        Role.MAINTAINER: frozenset({MaintenanceRecordState.DISPUTED.value}),
    },
    states=(MaintenanceRecordState, MissedMaintenanceState),
    # A missed interval is resolved by the next record, not by an action on it.
    actions=lambda s, _: [] if s in _MISSED else allowed_actions(MaintenanceRecordState(s)),
    # The confirmation clock runs only while a record waits for the use unit.
    clocked=lambda s: s == MaintenanceRecordState.SUBMITTED,
    transitions=(MAINTENANCE_RECORD_TRANSITIONS,),
    # The maintenance unit revises or withdraws its own record; the unit assigned is the use unit, to confirm.
    scopes={**DEFAULT_SCOPES, Party.ASSIGNED_UNIT: Scope.MAINTENANCE_UNIT},
    pausers=(Grant(Role.SAFETY_MANAGER, Scope.USE_UNIT),),
    policies=POLICIES,
    visible_to=EVERY_PARTY,
)
