"""Passenger feedback (乘客评价建议): a rating or a suggestion, answered by the use-management unit."""

from enum import StrEnum

from domain.correction import ORDER_57, SMART_ELEVATOR_MEASURES, Addressee, CorrectionDefaults
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import EVERY_PARTY, KindSpec
from domain.kinds import TicketKind
from domain.roles import Actor, Role
from domain.scopes import Grant, Scope
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import Party, Transition, check_transition


class FeedbackState(TicketState):
    # Waiting for the use unit's answer.
    SUBMITTED = "submitted", "待答复"
    ANSWERED = "answered", "已答复", FINAL


class FeedbackType(StrEnum):
    EVALUATION = "evaluation"
    SUGGESTION = "suggestion"

    @property
    def label_zh(self) -> str:
        return {"evaluation": "乘客评价", "suggestion": "乘客建议"}[self.value]

    @property
    def answer_policy(self) -> str:
        """The policy row of the answer's deadline: a suggestion is answered sooner (12345 practice)."""
        return f"feedback.answer_{self.value}"


class FeedbackAction(TicketAction):
    ANSWER = "answer", "答复"


FEEDBACK_TRANSITIONS: dict[FeedbackAction, Transition[FeedbackState]] = {
    FeedbackAction.ANSWER: Transition(
        frozenset({FeedbackState.SUBMITTED}), FeedbackState.ANSWERED, Role.SAFETY_MANAGER, Party.USE_UNIT
    ),
}


def allowed_actions(state: FeedbackState) -> list[str]:
    return [a.value for a, t in FEEDBACK_TRANSITIONS.items() if state in t.from_states]


def check_action(
    state: FeedbackState, action: FeedbackAction, actor: Actor, use_unit_id: str
) -> FeedbackState:
    return check_transition(FEEDBACK_TRANSITIONS, state, action, actor, {Party.USE_UNIT: use_unit_id})


def feedback_ticket_id(elevator_code: str, ref: str) -> str:
    return f"feedback-{elevator_code}-{ref}"


# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.FEEDBACK,
        "answer_evaluation",
        5,
        TimeUnit.WORKING_DAYS,
        "submission",
        Breach.ESCALATE,
        "platform default; no statutory clock. Shanghai 12345 practice: 5 working days for 投诉",
        remind_at=0.6,
    ),
    DeadlinePolicy(
        TicketKind.FEEDBACK,
        "answer_suggestion",
        1,
        TimeUnit.WORKING_DAYS,
        "submission",
        Breach.ESCALATE,
        "platform default; no statutory clock. Shanghai 12345 practice: 1 working day for suggestions",
        remind_at=0.5,
    ),
)


CORRECTION = CorrectionDefaults(
    Addressee.USE_UNIT,
    f"{SMART_ELEVATOR_MEASURES}第六条（及时、准确上传乘客评价建议工单处置信息）",
    f"{SMART_ELEVATOR_MEASURES}第十二条、第十三条；{ORDER_57}",
    overdue_steps_zh={
        "answer_evaluation_overdue": "答复乘客评价",
        "answer_suggestion_overdue": "答复乘客建议",
    },
)

SPEC = KindSpec(
    notices={"answer": "已答复乘客评价建议"},
    kind=TicketKind.FEEDBACK,
    number_code="PJ",  # 评价
    correction=CORRECTION,
    awaiting={Role.SAFETY_MANAGER: frozenset({FeedbackState.SUBMITTED.value})},
    states=(FeedbackState,),
    actions=lambda s, _: allowed_actions(FeedbackState(s)),
    transitions=(FEEDBACK_TRANSITIONS,),
    pausers=(Grant(Role.SAFETY_MANAGER, Scope.USE_UNIT),),
    policies=POLICIES,
    visible_to=EVERY_PARTY,
)
