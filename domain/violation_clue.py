"""Violation clues (违法线索): verified, then a case opened (立案) or not, then a penalty decided.

A clue comes from a report, a 投诉, or a missed legal clock (late 困人救援 arrival, missed 15-day
maintenance, an overdue 隐患 or 指令书). The district regulator verifies it within 15 working days
and decides on 立案; an opened case is decided within 90 days with a penalty (行政处罚信息) or none.
"""

from dataclasses import replace

from domain.correction import GENERAL_DUTY
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import DISTRICT_REGULATOR, REGULATOR_SCOPES, KindSpec
from domain.kinds import TicketKind
from domain.legal_sources import (
    COMPLAINT_ORDER_20,
    COMPLAINT_ORDER_121,
    ORDER_121_IN_FORCE,
    PENALTY_PROCEDURE,
)
from domain.roles import Actor, Role
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import Party, Transition, check_transition


class ClueState(TicketState):
    VERIFYING = "verifying", "核查中"
    CASE_OPEN = "case_open", "已立案"
    # Final: no case opened (不予立案).
    NOT_OPENED = "not_opened", "不予立案", FINAL
    # Final: decided with a penalty (行政处罚), or without one (不予行政处罚).
    PENALISED = "penalised", "已作出行政处罚", FINAL
    NO_PENALTY = "no_penalty", "不予行政处罚", FINAL


class ClueAction(TicketAction):
    OPEN_CASE = "open_case", "立案"
    DECLINE_CASE = "decline_case", "不予立案"
    RECORD_PENALTY = "record_penalty", "录入行政处罚"
    RECORD_NO_PENALTY = "record_no_penalty", "不予行政处罚"


S = ClueState

# The district regulator of the elevator does every step; Party.ASSIGNED_UNIT is that regulator.
CLUE_TRANSITIONS: dict[ClueAction, Transition[ClueState]] = {
    ClueAction.OPEN_CASE: Transition(
        frozenset({S.VERIFYING}), S.CASE_OPEN, Role.REGULATOR, Party.ASSIGNED_UNIT
    ),
    ClueAction.DECLINE_CASE: Transition(
        frozenset({S.VERIFYING}), S.NOT_OPENED, Role.REGULATOR, Party.ASSIGNED_UNIT
    ),
    ClueAction.RECORD_PENALTY: Transition(
        frozenset({S.CASE_OPEN}), S.PENALISED, Role.REGULATOR, Party.ASSIGNED_UNIT
    ),
    ClueAction.RECORD_NO_PENALTY: Transition(
        frozenset({S.CASE_OPEN}), S.NO_PENALTY, Role.REGULATOR, Party.ASSIGNED_UNIT
    ),
}

# The clock of each waiting state, by policy row.
STEP_POLICIES: dict[ClueState, str] = {
    S.VERIFYING: "violation_clue.verify",
    S.CASE_OPEN: "violation_clue.decide",
}
STEP_LABELS_ZH: dict[ClueState, str] = {S.VERIFYING: "线索核查", S.CASE_OPEN: "案件办理"}


def allowed_actions(state: ClueState) -> list[str]:
    return [a.value for a, t in CLUE_TRANSITIONS.items() if state in t.from_states]


def check_action(state: ClueState, action: ClueAction, actor: Actor, regulator_id: str) -> ClueState:
    """The state the action leads to, or why this actor may not take it now."""
    return check_transition(CLUE_TRANSITIONS, state, action, actor, {Party.ASSIGNED_UNIT: regulator_id})


def violation_clue_ticket_id(source_ticket_id: str, reason: str) -> str:
    """One clue per source ticket and reason: raising the same clue again finds the first."""
    return f"violation_clue-{source_ticket_id}-{reason.replace('.', '_')}"


# Verifying a clue, as the penalty procedure and Order 20 set it: for clues filed before Order 121.
_VERIFY_UNDER_ORDER_20 = DeadlinePolicy(
    TicketKind.VIOLATION_CLUE,
    "verify",
    15,
    TimeUnit.WORKING_DAYS,
    "receipt",
    Breach.ESCALATE_TO_CITY,
    f"{PENALTY_PROCEDURE} Art 18: verify a clue and decide on 立案 within 15 working days (+15 with "
    f"approval); {COMPLAINT_ORDER_20} Art 23",
    remind_at=0.6,
)

# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    _VERIFY_UNDER_ORDER_20,
    # Clues filed from 2026-04-15 (the row in force on the filing date counts the clock): the limit is the
    # penalty procedure's, which still applies; only the 投诉 rules cited beside it changed.
    _VERIFY_UNDER_ORDER_20.succeeded_by(
        f"{PENALTY_PROCEDURE} Art 18: verify a clue and decide on 立案 within 15 working days (+15 with "
        f"approval); {COMPLAINT_ORDER_121}: its counterpart of Order 20 Art 23 not checked against its text",
        ORDER_121_IN_FORCE,
        checked=True,
    ),
    DeadlinePolicy(
        TicketKind.VIOLATION_CLUE,
        "decide",
        90,
        TimeUnit.CALENDAR_DAYS,
        "case opened (立案)",
        Breach.ESCALATE_TO_CITY,
        f"{PENALTY_PROCEDURE}: an ordinary-procedure case is decided within 90 days of 立案 (+30 with approval)",
        remind_at=0.8,
    ),
)


# An order to correct from a clue: the use unit's general duty; a draft names the missed verification.
CORRECTION = replace(GENERAL_DUTY, overdue_steps_zh={"verify_overdue": "线索核查"})

SPEC = KindSpec(
    kind=TicketKind.VIOLATION_CLUE,
    number_code="XS",  # 线索
    correction=CORRECTION,
    states=(ClueState,),
    actions=lambda s, _: allowed_actions(ClueState(s)),
    transitions=(CLUE_TRANSITIONS,),
    scopes=REGULATOR_SCOPES,
    pausers=DISTRICT_REGULATOR,
    policies=POLICIES,
)
