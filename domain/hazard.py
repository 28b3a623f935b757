"""The hazard report (隐患上报): states, actions, who may take them, the hazard-type codes and severities.

A maintenance unit or an inspection agency reports a hazard on an elevator; the use-management unit
rectifies it by a deadline set by its severity; the reporting organisation verifies the rectification.
"""

from collections.abc import Mapping
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


class HazardState(TicketState):
    # Momentary: the run moves on to rectifying as soon as it has loaded the elevator and dispatched.
    REPORTED = "reported", "已上报"
    RECTIFYING = "rectifying", "整改中"
    RECTIFIED = "rectified", "已整改待验证"
    CLOSED = "closed", "已办结", FINAL
    CANCELLED = "cancelled", "已撤回", FINAL


class HazardAction(TicketAction):
    SUBMIT_RECTIFICATION = "submit_rectification", "提交整改材料"
    VERIFY_PASS = "verify_pass", "验证通过"
    VERIFY_FAIL = "verify_fail", "验证不通过"
    WITHDRAW = "withdraw", "撤回"


# Who may report a hazard, and so who verifies it (the verifying role is always the reporter's own), in
# the order their grants are tried.
# A monitoring platform reports its own device gone silent (远程监测离线), and its next heartbeat settles it.
REPORTER_ROLES: tuple[Role, ...] = (Role.MAINTAINER, Role.INSPECTOR, Role.MONITORING_SYSTEM)

S = HazardState


def hazard_transitions(reporter_role: Role) -> dict[HazardAction, Transition[HazardState]]:
    """The state machine of a hazard reported by someone of `reporter_role`.

    A transition names one role; the reporting side is a maintainer or an inspector depending on who
    reported, so its transitions are built for the role the report came from.
    """
    return {
        HazardAction.SUBMIT_RECTIFICATION: Transition(
            frozenset({S.RECTIFYING}), S.RECTIFIED, Role.SAFETY_MANAGER, Party.USE_UNIT
        ),
        HazardAction.VERIFY_PASS: Transition(
            frozenset({S.RECTIFIED}), S.CLOSED, reporter_role, Party.REPORTER
        ),
        # A failed verification sends the use unit back to rectify, on a fresh clock.
        HazardAction.VERIFY_FAIL: Transition(
            frozenset({S.RECTIFIED}), S.RECTIFYING, reporter_role, Party.REPORTER
        ),
        # The reporter takes back a report made in error, while nothing has been submitted to verify yet.
        HazardAction.WITHDRAW: Transition(
            frozenset({S.RECTIFYING}), S.CANCELLED, reporter_role, Party.REPORTER
        ),
    }


def allowed_actions(state: HazardState) -> list[str]:
    # Which actions a state allows does not depend on the reporter's role, only who may take them.
    return [
        action.value for action, t in hazard_transitions(Role.MAINTAINER).items() if state in t.from_states
    ]


def check_action(
    state: HazardState,
    action: HazardAction,
    actor: Actor,
    *,
    use_unit_id: str,
    reporter_unit_id: str,
    reporter_role: Role,
) -> HazardState:
    """Return the state the action leads to, or raise why this actor may not take it now."""
    party_orgs = {Party.USE_UNIT: use_unit_id, Party.REPORTER: reporter_unit_id}
    return check_transition(hazard_transitions(reporter_role), state, action, actor, party_orgs)


class HazardSeverity(StrEnum):
    SERIOUS = "serious"
    GENERAL = "general"

    @property
    def label_zh(self) -> str:
        return {"serious": "重大事故隐患", "general": "一般事故隐患"}[self.value]

    @property
    def rectify_policy_key(self) -> str:
        """The policy row of the rectification deadline: a serious hazard has less time."""
        return f"hazard.rectify_{self.value}"


VERIFY_POLICY_KEY = "hazard.verify"

# 隐患类型: the safety components TSG T7001 checks, as maintenance units and inspectors report them.
HAZARD_TYPES_ZH: dict[str, str] = {
    "brake_abnormal": "制动器异常",
    "rope_wear": "曳引钢丝绳磨损",
    "door_lock_failure": "门锁装置失效",
    "safety_gear": "安全钳异常",
    "overspeed_governor": "限速器异常",
    "buffer": "缓冲器异常",
    "emergency_alarm": "紧急报警装置失效",
    "machine_room": "机房/井道环境",
    "monitoring_offline": "远程监测离线",
    "other": "其他",
}


def reporter_label_zh(role: Role) -> str:
    """Where the report came from, as mails name a ticket's source."""
    return {Role.INSPECTOR: "检验机构上报", Role.MONITORING_SYSTEM: "远程监测平台上报"}.get(
        role, "维保单位上报"
    )


def hazard_ticket_id(elevator_code: str, reporter_organisation_id: str, ref: str) -> str:
    """The ticket id is also the workflow id: the same report number of the same reporter names one hazard.

    Report numbers are each organisation's own, so two reporters may use the same one.
    """
    return f"hazard-{elevator_code}-{reporter_organisation_id}-{ref}"


FLAG_REMINDED = "reminded"
FLAG_ESCALATED = "escalated"
FLAG_EXTENDED = "extended"
FLAG_VERIFY_FAILED = "verify_failed"


# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.HAZARD,
        "rectify_serious",
        5,
        TimeUnit.WORKING_DAYS,
        "report",
        Breach.ESCALATE,
        "platform default for 重大事故隐患; 特种设备安全监督检查办法 (SAMR Order 57) Arts 23, 30: rectify by the date set",
        remind_at=0.6,
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.HAZARD,
        "rectify_general",
        15,
        TimeUnit.WORKING_DAYS,
        "report",
        Breach.ESCALATE,
        "platform default for 一般事故隐患; 特种设备安全法 Art 83: a use unit corrects within the set period",
        remind_at=0.8,
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.HAZARD,
        "monitoring_offline",
        30,
        TimeUnit.MINUTES,
        "last heartbeat",
        Breach.OPEN_TICKET,
        "platform default; 上海市电梯安全管理办法 (Order 76, 2023): remote monitoring must stay in working order "
        "(no interval stated): a device silent this long opens a 远程监测离线 hazard for the use unit",
        checked=False,
    ),
    DeadlinePolicy(
        TicketKind.HAZARD,
        "verify",
        5,
        TimeUnit.WORKING_DAYS,
        "rectification",
        Breach.ESCALATE,
        "platform default; 特种设备安全监督检查办法 Art 29: a re-check within 10 working days of the report",
        remind_at=0.6,
    ),
)


def _hazard_line(details: Mapping[str, object]) -> str:
    """What an order to correct drafted from a hazard says of it: its severity, type and description."""
    hazard = f"{details.get('severity_label', '')}·{details.get('hazard_type_label', '')}"
    description = details.get("description")
    return f"隐患情况：{hazard}：{description}" if description else f"隐患情况：{hazard}"


CORRECTION = CorrectionDefaults(
    Addressee.USE_UNIT,
    f"{SAFETY_LAW}第四十二条（特种设备出现故障或者发生异常情况，使用单位应当全面检查，消除事故隐患后方可继续使用）",
    f"{SAFETY_LAW}第八十三条、第八十四条；{ORDER_57}",
    describe=_hazard_line,
    overdue_steps_zh={"rectify_overdue": "隐患整改", "verify_overdue": "整改验证"},
)

SPEC = KindSpec(
    kind=TicketKind.HAZARD,
    number_code="YH",  # 隐患
    correction=CORRECTION,
    # The use unit rectifies; whoever reported the hazard (a maintainer or an inspector) verifies it.
    awaiting={
        Role.SAFETY_MANAGER: frozenset({HazardState.RECTIFYING.value}),
        **{role: frozenset({HazardState.RECTIFIED.value}) for role in REPORTER_ROLES},
    },
    states=(HazardState,),
    actions=lambda s, _: allowed_actions(HazardState(s)),
    # A reported hazard has no running clock yet: it is dispatched to its use unit at once.
    clocked=lambda s: s in (HazardState.RECTIFYING, HazardState.RECTIFIED),
    transitions=tuple(hazard_transitions(role) for role in REPORTER_ROLES),
    # Whoever must act now stops its own clock: the use unit while rectifying, the reporter verifying.
    pausers=(
        Grant(Role.SAFETY_MANAGER, Scope.USE_UNIT, frozenset({HazardState.RECTIFYING.value})),
        *(Grant(role, Scope.REPORTER, frozenset({HazardState.RECTIFIED.value})) for role in REPORTER_ROLES),
    ),
    policies=POLICIES,
    visible_to=EVERY_PARTY,
)


# The hazard a silent monitoring device opens, and the key of its policy row.
MONITORING_OFFLINE = "monitoring_offline"
MONITORING_OFFLINE_POLICY_KEY = f"{TicketKind.HAZARD.value}.{MONITORING_OFFLINE}"
