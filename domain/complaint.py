"""The complaint (投诉): a member of the public complains about an elevator; the district regulator handles it.

SAMR Order 20: the regulator accepts or rejects within 7 working days of receipt (Art 14), mediates for
at most 45 working days (Arts 16, 20), and tells the parties within 7 working days when mediation ends
without agreement (Art 21). The complainant then evaluates the result (platform rule: within 10 days).
A violation found along the way is referred as a violation clue (Art 23); the complaint itself goes on.
"""

from domain.correction import ORDER_57, SAFETY_LAW, Addressee, CorrectionDefaults
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import DISTRICT_REGULATOR, REGULATOR_SCOPES, KindSpec, PublicTracking
from domain.kinds import TicketKind
from domain.legal_sources import COMPLAINT_ORDER_20, under_order_121
from domain.roles import Actor, Role
from domain.scopes import Relation
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import InvalidTransition, Party, Transition, check_transition


class ComplaintState(TicketState):
    # Waiting for the regulator's decision to accept (受理) or reject (不予受理).
    RECEIVED = "received", "待受理"
    MEDIATING = "mediating", "调解中"
    # Mediation ran out its 45 working days without agreement; the regulator must record and tell.
    MEDIATION_ENDED = "mediation_ended", "调解终止待告知"
    AWAITING_EVALUATION = "awaiting_evaluation", "待评价"
    CLOSED = "closed", "已办结", FINAL
    REJECTED = "rejected", "不予受理", FINAL


class ComplaintAction(TicketAction):
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    RECORD_RESULT = "record_result", "登记调解结果"
    REFER_VIOLATION = "refer_violation", "移送违法线索"
    EVALUATE = "evaluate", "评价"


S = ComplaintState

# The district regulator does every step but the evaluation; Party.ASSIGNED_UNIT is that regulator.
COMPLAINT_TRANSITIONS: dict[ComplaintAction, Transition[ComplaintState]] = {
    ComplaintAction.ACCEPT: Transition(
        frozenset({S.RECEIVED}), S.MEDIATING, Role.REGULATOR, Party.ASSIGNED_UNIT
    ),
    ComplaintAction.REJECT: Transition(
        frozenset({S.RECEIVED}), S.REJECTED, Role.REGULATOR, Party.ASSIGNED_UNIT
    ),
    ComplaintAction.RECORD_RESULT: Transition(
        frozenset({S.MEDIATING, S.MEDIATION_ENDED}),
        S.AWAITING_EVALUATION,
        Role.REGULATOR,
        Party.ASSIGNED_UNIT,
    ),
    # The complainant proves who they are with the tracking token, not with an account.
    ComplaintAction.EVALUATE: Transition(
        frozenset({S.AWAITING_EVALUATION}), S.CLOSED, Role.PUBLIC, Party.ANY
    ),
}

# Referring a violation leaves the complaint where it is; it is possible while the regulator handles it.
REFER_FROM: frozenset[ComplaintState] = frozenset({S.RECEIVED, S.MEDIATING, S.MEDIATION_ENDED})

# The regulator's own steps, by the state that waits on them: their clocks may be extended or paused.
STEP_POLICIES: dict[ComplaintState, str] = {
    S.RECEIVED: "complaint.decide",
    S.MEDIATING: "complaint.mediate",
    S.MEDIATION_ENDED: "complaint.inform",
    S.AWAITING_EVALUATION: "complaint.evaluate",
}
STEP_LABELS_ZH: dict[ComplaintState, str] = {
    S.RECEIVED: "投诉受理",
    S.MEDIATING: "投诉调解",
    S.MEDIATION_ENDED: "调解结果告知",
    S.AWAITING_EVALUATION: "投诉评价",
}
REGULATOR_STEPS: frozenset[ComplaintState] = frozenset({S.RECEIVED, S.MEDIATING, S.MEDIATION_ENDED})

# Whom a violation found in a complaint is referred against.
SUSPECTS_ZH: dict[str, str] = {"use_unit": "使用管理单位", "maintenance_unit": "维保单位"}

FLAG_MEDIATION_EXPIRED = "mediation_expired"
FLAG_NOT_EVALUATED = "not_evaluated"
FLAG_SATISFIED = "satisfied"
FLAG_DISSATISFIED = "dissatisfied"


def allowed_actions(state: ComplaintState, *, referred: bool = False) -> list[str]:
    """The complaint's own actions in `state`; a violation is referred once."""
    allowed = [a.value for a, t in COMPLAINT_TRANSITIONS.items() if state in t.from_states]
    if state in REFER_FROM and not referred:
        allowed.append(ComplaintAction.REFER_VIOLATION.value)
    return allowed


def check_action(
    state: ComplaintState, action: ComplaintAction, actor: Actor, regulator_id: str, *, referred: bool = False
) -> ComplaintState:
    """The state the action leads to, or why this actor may not take it now."""
    if action is ComplaintAction.REFER_VIOLATION:
        if state not in REFER_FROM or referred:
            raise InvalidTransition(state.value, action.value, allowed_actions(state, referred=referred))
        stay = {action: Transition(REFER_FROM, state, Role.REGULATOR, Party.ASSIGNED_UNIT)}
        return check_transition(stay, state, action, actor, {Party.ASSIGNED_UNIT: regulator_id})
    return check_transition(COMPLAINT_TRANSITIONS, state, action, actor, {Party.ASSIGNED_UNIT: regulator_id})


def complaint_ticket_id(elevator_code: str, ref: str) -> str:
    """The ticket id is also the workflow id: one submission (its Idempotency-Key) names one complaint."""
    return f"complaint-{elevator_code}-{ref}"


# The regulator's clocks as Order 20 set them, for complaints filed before Order 121 took effect.
_ORDER_20_CLOCKS: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "decide",
        7,
        TimeUnit.WORKING_DAYS,
        "receipt",
        Breach.ESCALATE_TO_CITY,
        f"{COMPLAINT_ORDER_20} Art 14: accept or reject within 7 working days of receipt and tell the complainant",
        remind_at=0.6,
    ),
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "mediate",
        45,
        TimeUnit.WORKING_DAYS,
        "acceptance",
        Breach.END_STEP,
        f"{COMPLAINT_ORDER_20} Arts 16, 20: mediation without agreement ends after 45 working days",
        remind_at=0.8,
    ),
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "inform",
        7,
        TimeUnit.WORKING_DAYS,
        "end of mediation",
        Breach.ESCALATE_TO_CITY,
        f"{COMPLAINT_ORDER_20} Art 21: the parties are told of the end of mediation within 7 working days",
        remind_at=0.6,
    ),
)

# The legal clocks of this kind: rows of the policy table, each overridable by its key (the row in
# force on the filing date counts a ticket's clock).
POLICIES: tuple[DeadlinePolicy, ...] = (
    *_ORDER_20_CLOCKS,
    *(under_order_121(row) for row in _ORDER_20_CLOCKS),
    DeadlinePolicy(
        TicketKind.COMPLAINT,
        "evaluate",
        10,
        TimeUnit.CALENDAR_DAYS,
        "result",
        Breach.END_STEP,
        "platform default: the complainant may evaluate the result for 10 days; then the ticket closes",
    ),
)


CORRECTION = CorrectionDefaults(
    Addressee.USE_UNIT,
    f"{SAFETY_LAW}第十三条第一款（使用单位及其主要负责人对其使用的特种设备安全负责）",
    f"{SAFETY_LAW}第八十三条；{ORDER_57}",
)

# The complainant follows the complaint with its token; a referred violation stays the regulator's business
# until a case is decided.
TRACKING = PublicTracking(
    labels={
        "accept": "受理",
        "reject": "不予受理",
        "record_result": "登记处理结果",
        "mediation_ended": "调解终止",
        "evaluate": "评价",
        "evaluation_expired": "评价期满",
    },
    hidden=frozenset({"refer_violation"}),
    system_steps=frozenset({"mediation_ended", "evaluation_expired"}),
)

SPEC = KindSpec(
    kind=TicketKind.COMPLAINT,
    number_code="TS",  # 投诉
    tracking=TRACKING,
    correction=CORRECTION,
    states=(ComplaintState,),
    actions=lambda s, d: allowed_actions(ComplaintState(s), referred=bool(d.get("violation_referred"))),
    action_details=("violation_referred",),
    # Only the regulator's own steps run on a clock it may extend or pause; not the evaluation.
    clocked=lambda s: s in REGULATOR_STEPS,
    transitions=(COMPLAINT_TRANSITIONS,),
    scopes=REGULATOR_SCOPES,
    pausers=DISTRICT_REGULATOR,
    # A referral keeps the complaint where it is, so `check_action` checks it outside the table.
    extra_grants={ComplaintAction.REFER_VIOLATION.value: DISTRICT_REGULATOR},
    policies=POLICIES,
    # Mediated with the use unit; who complained stays with the regulator.
    visible_to=frozenset({Relation.USE_UNIT}),
)
