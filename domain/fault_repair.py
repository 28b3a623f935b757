"""The fault-repair ticket (故障维修): states, actions, who may take them, and the fault-type codes."""

from enum import StrEnum

from domain.correction import ORDER_57, SAFETY_LAW, Addressee, CorrectionDefaults
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import EVERY_PARTY, KindSpec
from domain.kinds import TicketKind
from domain.roles import Actor, Role
from domain.scopes import Grant, Scope
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import Party, Transition, check_transition


class FaultRepairState(TicketState):
    REPORTED = "reported", "已报修"
    ACCEPTED = "accepted", "已接单"
    ON_SITE = "on_site", "已到场"
    # Not fixable on the spot: the use unit has a written plan and the car stays stopped.
    NOT_FIXABLE_YET = "not_fixable_yet", "暂无法修复（停梯待修）"
    FIXED = "fixed", "已修复待确认"
    CLOSED = "closed", "已办结", FINAL
    CANCELLED = "cancelled", "已撤销", FINAL


class FaultRepairAction(TicketAction):
    ACCEPT = "accept", "接单"
    ARRIVE = "arrive", "到场"
    REPORT_NOT_FIXABLE = "report_not_fixable", "提交维修方案（暂无法修复）"
    FIX = "fix", "修复"
    CONFIRM = "confirm", "确认"
    DISPUTE = "dispute", "提出异议"
    CANCEL = "cancel", "撤销"


S = FaultRepairState
FAULT_REPAIR_TRANSITIONS: dict[FaultRepairAction, Transition[FaultRepairState]] = {
    FaultRepairAction.ACCEPT: Transition(
        frozenset({S.REPORTED}), S.ACCEPTED, Role.MAINTAINER, Party.ASSIGNED_UNIT
    ),
    FaultRepairAction.ARRIVE: Transition(
        frozenset({S.ACCEPTED}), S.ON_SITE, Role.MAINTAINER, Party.ASSIGNED_UNIT
    ),
    FaultRepairAction.REPORT_NOT_FIXABLE: Transition(
        frozenset({S.ON_SITE}), S.NOT_FIXABLE_YET, Role.MAINTAINER, Party.ASSIGNED_UNIT
    ),
    FaultRepairAction.FIX: Transition(
        frozenset({S.ON_SITE, S.NOT_FIXABLE_YET}), S.FIXED, Role.MAINTAINER, Party.ASSIGNED_UNIT
    ),
    FaultRepairAction.CONFIRM: Transition(
        frozenset({S.FIXED}), S.CLOSED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
    # A dispute sends the work back to the maintenance unit, which must come and fix it again.
    FaultRepairAction.DISPUTE: Transition(
        frozenset({S.FIXED}), S.ACCEPTED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
    # The use unit withdraws a report it made by mistake, before anyone is on site.
    FaultRepairAction.CANCEL: Transition(
        frozenset({S.REPORTED, S.ACCEPTED}), S.CANCELLED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
}


def allowed_actions(state: FaultRepairState) -> list[str]:
    return [action.value for action, t in FAULT_REPAIR_TRANSITIONS.items() if state in t.from_states]


def check_action(
    state: FaultRepairState, action: FaultRepairAction, actor: Actor, assigned_unit_id: str, use_unit_id: str
) -> FaultRepairState:
    """Return the state the action leads to, or raise why this actor may not take it now."""
    party_orgs = {Party.ASSIGNED_UNIT: assigned_unit_id, Party.USE_UNIT: use_unit_id}
    return check_transition(FAULT_REPAIR_TRANSITIONS, state, action, actor, party_orgs)


class FaultSource(StrEnum):
    """Who opened the repair."""

    ALARM = "alarm"
    USE_UNIT = "use_unit"
    RESCUE = TicketKind.RESCUE.value

    @property
    def label_zh(self) -> str:
        labels = {
            self.ALARM: "远程监测故障报警",
            self.USE_UNIT: "使用管理单位报修",
            self.RESCUE: "困人救援后停梯检修",
        }
        return labels[self]


# 故障类型: the fault alarms of GB/T 24476-2023 as seen on city platforms, plus what a person reports.
FAULT_TYPES_ZH: dict[str, str] = {
    "overtravel_top": "冲顶",
    "overtravel_bottom": "蹲底",
    "ucmp": "开门走车",
    "door_open_running": "运行中开门",
    "overspeed": "超速",
    "safety_circuit": "安全回路断路",
    "door_open_fault": "开门故障",
    "door_close_fault": "关门故障",
    "stop_outside_door_zone": "门区外停梯",
    "floor_position_lost": "楼层信息丢失",
    "door_lock_circuit": "门锁回路断路",
    "brake_fault": "制动系统故障",
    "main_power_off": "主电源断开",
    "motor_runtime_limiter": "电动机运转时间限制器动作",
    "entrapment_follow_up": "困人后停梯检修",
    "other": "其他",
}


def fault_repair_ticket_id(elevator_code: str, source: FaultSource, ref: str) -> str:
    """The ticket id is also the workflow id: the same report always names the same repair."""
    return f"fault-repair-{elevator_code}-{source.value}-{ref}"


FLAG_REMINDED = "reminded"
FLAG_ESCALATED = "escalated"
FLAG_DISPUTED = "disputed"
FLAG_EXTENDED = "extended"


# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "accept",
        30,
        TimeUnit.MINUTES,
        "report",
        Breach.ESCALATE,
        "platform default; 特种设备安全法 Art 45: go to the site immediately on a fault notice",
        remind_at=0.5,
    ),
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "arrive",
        2,
        TimeUnit.HOURS,
        "report",
        Breach.ESCALATE,
        "platform default; 特种设备安全法 Art 45: go to the site immediately and take emergency measures",
        remind_at=0.75,
    ),
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "fix",
        24,
        TimeUnit.HOURS,
        "arrival",
        Breach.ESCALATE,
        "platform default; 上海市电梯安全管理办法 (Order 76, 2023, unverified): fix promptly, or give the use "
        "unit a written plan and keep the car stopped",
        remind_at=0.75,
        checked=False,
    ),
    DeadlinePolicy(
        TicketKind.FAULT_REPAIR,
        "confirm",
        2,
        TimeUnit.WORKING_DAYS,
        "fix",
        Breach.ESCALATE,
        "platform default for 故障维修工单确认 (沪市监规范〔2024〕13号 信息目录); 条例 Art 29: a faulty car is "
        "checked before reuse",
        remind_at=0.5,
    ),
)


CORRECTION = CorrectionDefaults(
    Addressee.MAINTENANCE_UNIT,
    f"{SAFETY_LAW}第四十五条第二款（接到故障通知后应当立即赶赴现场，并采取必要的应急救援措施）",
    f"{SAFETY_LAW}第八十八条；{ORDER_57}",
    overdue_steps_zh={
        "accept_overdue": "接单",
        "arrive_overdue": "到场",
        "fix_overdue": "修复",
        "confirm_overdue": "确认",
    },
)

SPEC = KindSpec(
    kind=TicketKind.FAULT_REPAIR,
    number_code="GZ",  # 故障
    correction=CORRECTION,
    machine_intake=True,
    awaiting={Role.SAFETY_MANAGER: frozenset({FaultRepairState.FIXED.value})},
    states=(FaultRepairState,),
    actions=lambda s, _: allowed_actions(FaultRepairState(s)),
    transitions=(FAULT_REPAIR_TRANSITIONS,),
    # The maintenance unit stops its own clock (e.g. waiting for a part the law lets it wait for).
    pausers=(Grant(Role.MAINTAINER, Scope.ASSIGNED),),
    policies=POLICIES,
    visible_to=EVERY_PARTY,
)
