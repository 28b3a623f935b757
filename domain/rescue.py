"""The entrapment-rescue ticket (困人救援): states, actions and who may take them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.correction import ORDER_57, SAFETY_LAW, Addressee, CorrectionDefaults
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import EVERY_PARTY, KindSpec
from domain.kinds import TicketKind
from domain.roles import Actor, Role
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import Party, Transition, check_transition


class RescueState(TicketState):
    # Registered, not yet dispatched: only for the moments the registry lookup takes.
    REPORTED = "reported", "已报警"
    DISPATCHED = "dispatched", "已派单"
    ACCEPTED = "accepted", "已接单"
    ON_SITE = "on_site", "已到场"
    RELEASED = "released", "已解困待确认"
    # The use unit disputes the release record (times, people freed); the rescuer corrects it.
    RELEASE_DISPUTED = "release_disputed", "解困信息有异议待更正"
    CLOSED = "closed", "已办结", FINAL
    CANCELLED = "cancelled", "已撤销", FINAL

    @property
    def people_trapped(self) -> bool:
        return self in _TRAPPED


class RescueAction(TicketAction):
    ACCEPT = "accept", "接单"
    ARRIVE = "arrive", "到场"
    RELEASE = "release", "解困"
    CONFIRM = "confirm", "确认"
    DISPUTE = "dispute", "提出异议"
    CANCEL = "cancel", "撤销"


_TRAPPED = frozenset(
    {RescueState.REPORTED, RescueState.DISPATCHED, RescueState.ACCEPTED, RescueState.ON_SITE}
)

RESCUE_TRANSITIONS: dict[RescueAction, Transition[RescueState]] = {
    RescueAction.ACCEPT: Transition(
        frozenset({RescueState.DISPATCHED}), RescueState.ACCEPTED, Role.RESCUER, Party.ASSIGNED_UNIT
    ),
    RescueAction.ARRIVE: Transition(
        frozenset({RescueState.ACCEPTED}), RescueState.ON_SITE, Role.RESCUER, Party.ASSIGNED_UNIT
    ),
    RescueAction.RELEASE: Transition(
        frozenset({RescueState.ON_SITE, RescueState.RELEASE_DISPUTED}),
        RescueState.RELEASED,
        Role.RESCUER,
        Party.ASSIGNED_UNIT,
    ),
    RescueAction.CONFIRM: Transition(
        frozenset({RescueState.RELEASED}), RescueState.CLOSED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
    RescueAction.DISPUTE: Transition(
        frozenset({RescueState.RELEASED}), RescueState.RELEASE_DISPUTED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
    # A false alarm (误报) is called off by the dispatcher while nobody has been freed yet.
    RescueAction.CANCEL: Transition(_TRAPPED, RescueState.CANCELLED, Role.DISPATCHER, Party.ANY),
}


def allowed_actions(state: RescueState) -> list[str]:
    return [action.value for action, t in RESCUE_TRANSITIONS.items() if state in t.from_states]


@dataclass(frozen=True)
class RescueParties:
    """The organisations a rescue ticket is between, by id."""

    assigned_unit_id: str
    use_unit_id: str


def check_action(
    state: RescueState, action: RescueAction, actor: Actor, parties: RescueParties
) -> RescueState:
    """Return the state the action leads to, or raise why it may not be taken now by this actor."""
    party_orgs = {Party.ASSIGNED_UNIT: parties.assigned_unit_id, Party.USE_UNIT: parties.use_unit_id}
    return check_transition(RESCUE_TRANSITIONS, state, action, actor, party_orgs)


class ReportSource(StrEnum):
    """Where an entrapment report came from."""

    ALARM = "alarm"
    CALL = "call"
    QR = "qr"

    @property
    def label_zh(self) -> str:
        return {"alarm": "远程监测报警", "call": "110 应急平台转警", "qr": "乘客扫码报警"}[self.value]


def rescue_ticket_id(elevator_code: str, source: ReportSource, ref: str) -> str:
    """A ticket id derived from the report that opened it, so the same report always names the same ticket."""
    return f"rescue-{elevator_code}-{source.value}-{ref}"


def rescue_workflow_id(elevator_code: str) -> str:
    """One open rescue per elevator: every report of an entrapment there joins the open one."""
    return f"rescue-{elevator_code}"


# Why a breach is recorded on the ticket; these flags stay on the ticket for reporting.
FLAG_ACCEPT_OVERDUE = "accept_overdue"
FLAG_REDISPATCHED = "redispatched"
FLAG_ARRIVAL_OVERDUE = "arrival_overdue"
FLAG_ACCIDENT = "accident"
FLAG_CONFIRMATION_OVERDUE = "confirmation_overdue"
FLAG_REPORT_AFTER_RELEASE = "report_after_release"

# The breach that makes the step a ticket now waits on overdue.
OVERDUE_FLAGS_BY_STATE: dict[RescueState, frozenset[str]] = {
    RescueState.DISPATCHED: frozenset({FLAG_ACCEPT_OVERDUE, FLAG_ARRIVAL_OVERDUE}),
    RescueState.ACCEPTED: frozenset({FLAG_ARRIVAL_OVERDUE}),
    RescueState.ON_SITE: frozenset({FLAG_ACCIDENT}),
    RescueState.RELEASED: frozenset({FLAG_CONFIRMATION_OVERDUE}),
    RescueState.RELEASE_DISPUTED: frozenset(),
    RescueState.REPORTED: frozenset({FLAG_ARRIVAL_OVERDUE}),
    RescueState.CLOSED: frozenset(),
    RescueState.CANCELLED: frozenset(),
}


# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.RESCUE,
        "accept",
        5,
        TimeUnit.MINUTES,
        "dispatch",
        Breach.REDISPATCH,
        "platform default; 上海市电梯安全管理办法 (Order 76, 2023): use unit reaches the maintenance unit in 5 min",
    ),
    DeadlinePolicy(
        TicketKind.RESCUE,
        "arrive",
        30,
        TimeUnit.MINUTES,
        "alarm",
        Breach.ESCALATE,
        "TSG T5002-2017 Art 5(4); Shanghai measures: on site within 30 min in districted cities",
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.RESCUE,
        "accident",
        2,
        TimeUnit.HOURS,
        "alarm",
        Breach.FLAG_ACCIDENT,
        "特种设备安全监察条例 Art 64(3): people held 2 h or more is a general accident",
    ),
    DeadlinePolicy(
        TicketKind.RESCUE,
        "confirm",
        24,
        TimeUnit.HOURS,
        "release",
        Breach.ESCALATE,
        "platform default for 困人救援工单确认 (沪市监规范〔2024〕13号 信息目录)",
        remind_at=0.5,
    ),
)


CORRECTION = CorrectionDefaults(
    Addressee.MAINTENANCE_UNIT,
    f"{SAFETY_LAW}第四十五条第二款（接到故障通知后应当立即赶赴现场，并采取必要的应急救援措施）；"
    "TSG T5002-2017《电梯维护保养规则》第5条（设区的市30分钟内抵达救援现场）",
    f"{SAFETY_LAW}第八十八条；{ORDER_57}",
    overdue_steps_zh={
        "accept_overdue": "接单",
        "arrival_overdue": "到场救援",
        "confirmation_overdue": "确认",
        "accident": "2小时内解困",
    },
)

SPEC = KindSpec(
    notices={"release": "已记录解困，等待使用管理单位确认"},
    kind=TicketKind.RESCUE,
    number_code="KR",  # 困人
    correction=CORRECTION,
    machine_intake=True,
    awaiting={Role.SAFETY_MANAGER: frozenset({RescueState.RELEASED.value})},
    states=(RescueState,),
    actions=lambda s, _: allowed_actions(RescueState(s)),
    # The rescue's statutory clocks are never moved.
    clocked=lambda _: False,
    transitions=(RESCUE_TRANSITIONS,),
    policies=POLICIES,
    visible_to=EVERY_PARTY,
    visible_to_roles=frozenset({Role.DISPATCHER}),
)
