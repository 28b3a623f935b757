"""The supervisory directive (安全监察指令书): states, actions, who takes them, its dates, number and draft.

A district regulator orders a unit serving an elevator (its use unit or its maintenance unit) to correct
what it found by a date (于X年X月X日前改正). The unit signs for it, or refuses and it is served anyway
(留置送达); it rectifies and reports; the regulator re-checks within 10 working days and closes it or sends
it back with a new date. Missing the date opens a violation clue. Source: 特种设备安全监督检查办法 (SAMR
Order 57, 2022) Arts 23, 27, 29, 30, 36.
"""

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from domain.calendar import CHINA_TIME, WorkingDayCalendar
from domain.correction import GENERAL_DUTY, Addressee
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import DISTRICT_REGULATOR, KindSpec
from domain.kinds import TicketKind
from domain.legal_sources import INSPECTION_ORDER_57
from domain.roles import Actor, Role
from domain.scopes import Relation
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import Party, Transition, check_transition


class DirectiveState(TicketState):
    # Served, waiting for the addressed unit to sign for it (签收).
    AWAITING_SIGNATURE = "awaiting_signature", "待签收"
    RECTIFYING = "rectifying", "整改中"
    # The unit reported its rectification; the regulator re-checks (复查).
    RECHECKING = "rechecking", "待复查"
    CLOSED = "closed", "已复查办结", FINAL
    # Revoked by the regulator (撤销), e.g. issued in error.
    CANCELLED = "cancelled", "已撤销", FINAL


# The states in which the rectification deadline runs: the date binds from service, signed or not.
RECTIFY_STATES: frozenset[DirectiveState] = frozenset(
    {DirectiveState.AWAITING_SIGNATURE, DirectiveState.RECTIFYING}
)


class DirectiveAction(TicketAction):
    SIGN = "sign", "签收指令书"
    RECORD_REFUSAL = "record_refusal", "记录拒绝签收"
    SUBMIT_RECTIFICATION = "submit_rectification", "提交整改报告"
    VERIFY_PASS = "verify_pass", "复查合格"
    VERIFY_FAIL = "verify_fail", "复查不合格"
    WITHDRAW = "withdraw", "撤销指令书"


S = DirectiveState


def directive_transitions(addressee_role: Role) -> dict[DirectiveAction, Transition[DirectiveState]]:
    """The state machine of a directive addressed to a unit whose `addressee_role` acts for it."""
    return {
        DirectiveAction.SIGN: Transition(
            frozenset({S.AWAITING_SIGNATURE}), S.RECTIFYING, addressee_role, Party.ASSIGNED_UNIT
        ),
        # Art 27: a refusal to sign is recorded and the directive is served anyway (留置送达).
        DirectiveAction.RECORD_REFUSAL: Transition(
            frozenset({S.AWAITING_SIGNATURE}), S.RECTIFYING, Role.REGULATOR, Party.ISSUER
        ),
        DirectiveAction.SUBMIT_RECTIFICATION: Transition(
            frozenset({S.RECTIFYING}), S.RECHECKING, addressee_role, Party.ASSIGNED_UNIT
        ),
        DirectiveAction.VERIFY_PASS: Transition(
            frozenset({S.RECHECKING}), S.CLOSED, Role.REGULATOR, Party.ISSUER
        ),
        # A failed re-check sends the unit back to rectify by a new date.
        DirectiveAction.VERIFY_FAIL: Transition(
            frozenset({S.RECHECKING}), S.RECTIFYING, Role.REGULATOR, Party.ISSUER
        ),
        DirectiveAction.WITHDRAW: Transition(
            frozenset({S.AWAITING_SIGNATURE, S.RECTIFYING, S.RECHECKING}),
            S.CANCELLED,
            Role.REGULATOR,
            Party.ISSUER,
        ),
    }


def allowed_actions(state: DirectiveState) -> list[str]:
    # Which actions a state allows does not depend on the addressee, only who may take them.
    return [
        action.value
        for action, t in directive_transitions(Role.SAFETY_MANAGER).items()
        if state in t.from_states
    ]


def check_action(
    state: DirectiveState,
    action: DirectiveAction,
    actor: Actor,
    *,
    addressee: Addressee,
    addressee_unit_id: str,
    issuer_id: str,
) -> DirectiveState:
    """Return the state the action leads to, or raise why this actor may not take it now."""
    party_orgs = {Party.ASSIGNED_UNIT: addressee_unit_id, Party.ISSUER: issuer_id}
    return check_transition(directive_transitions(addressee.role), state, action, actor, party_orgs)


# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.DIRECTIVE,
        "rectify",
        15,
        TimeUnit.WORKING_DAYS,
        "issue",
        Breach.OPEN_CLUE,
        f"platform default for the date a directive sets (the regulator may set another); {INSPECTION_ORDER_57} "
        "Arts 23, 30: correct by the date set; Art 36: refusing to execute is fined",
        remind_at=0.8,
        opens_clue=True,
    ),
    DeadlinePolicy(
        TicketKind.DIRECTIVE,
        "recheck",
        10,
        TimeUnit.WORKING_DAYS,
        "rectification report",
        Breach.ESCALATE_TO_CITY,
        f"{INSPECTION_ORDER_57} Art 29: the regulator re-checks within 10 working days of the rectification report",
        remind_at=0.6,
    ),
)


RECTIFY_POLICY_KEY = "directive.rectify"
RECHECK_POLICY_KEY = "directive.recheck"
_RECTIFY_POLICY = next(p for p in POLICIES if p.key == RECTIFY_POLICY_KEY)
# The directive's own date sets its deadline; its policy row still says when the unit is reminded.
RECTIFY_REMIND_SHARE: float = _RECTIFY_POLICY.remind_at or 0.8
# Whether missing the date opens a violation clue against the addressed unit (Art 36: a fine).
RECTIFY_OPENS_CLUE: bool = _RECTIFY_POLICY.opens_clue

FLAG_REFUSED_TO_SIGN = "refused_to_sign"
FLAG_RECTIFY_OVERDUE = "rectify_overdue"
FLAG_VERIFY_FAILED = "verify_failed"
FLAG_REMINDED = "reminded"
# Why a breach opens a violation clue: the policy row's key names the reason, as for every kind.
CLUE_REASON = RECTIFY_POLICY_KEY


def directive_ticket_id(elevator_code: str, ref: str) -> str:
    """The ticket id is also the workflow id: the same request (Idempotency-Key) issues one directive."""
    return f"directive-{elevator_code}-{ref}"


def china_date(at: datetime) -> date:
    return at.astimezone(CHINA_TIME).date()


def rectify_due_at(rectify_by: date) -> datetime:
    """于X年X月X日前改正 runs to the end of that day, China time: 00:00 of the next day."""
    return datetime.combine(rectify_by + timedelta(days=1), time(0), tzinfo=CHINA_TIME).astimezone(UTC)


def remind_at(starts_at: datetime, due_at: datetime) -> datetime | None:
    """The reminder at the policy's share of the rectification time; none for a date already passed."""
    if due_at <= starts_at:
        return None
    return starts_at + (due_at - starts_at) * RECTIFY_REMIND_SHARE


def date_zh(day: date) -> str:
    """A date as a directive writes it: 2026年5月20日."""
    return f"{day.year}年{day.month}月{day.day}日"


def default_rectify_by(calendar: WorkingDayCalendar, working_days: int, now: datetime) -> date:
    """The last day of `working_days` working days from today: the date a draft proposes."""
    end = calendar.add_working_days(now, working_days).due_at
    return china_date(end) - timedelta(days=1)


# 特指: the directive's code within an authority's 文号. A placeholder: not checked against directives
# the districts have issued.
DOCUMENT_CODE = "特指"


def document_number(authority_abbreviation: str, year: int, serial: int) -> str:
    """文号 as the authority issues it, e.g. 浦市监特指〔2026〕1号: its abbreviation, the year, the serial."""
    return f"{authority_abbreviation}{DOCUMENT_CODE}〔{year}〕{serial}号"


def issue_year(issued_at: datetime) -> int:
    """The year in a 文号: the year of issue, China time (a directive issued on 31 December at 23:30 UTC+8)."""
    return china_date(issued_at).year


def legacy_document_number(ticket_id: str, issued_at: datetime) -> str:
    """The number directives carried before serials were allocated (they replay with it): a hash of the id."""
    serial = int(hashlib.sha256(ticket_id.encode()).hexdigest(), 16) % 900_000 + 100_000
    return f"沪市监特指〔{china_date(issued_at).year}〕{serial}号"


def appeal_rights_zh(issuer_name: str, district_name: str) -> str:
    """告知事项: reconsideration within 60 days, a lawsuit within 6 months; the order stands meanwhile."""
    government = f"上海市{district_name}人民政府" if district_name else "本级人民政府"
    return (
        f"如对本指令书不服，可以自收到本指令书之日起六十日内向{government}申请行政复议，"
        f"或者自收到本指令书之日起六个月内依法向人民法院提起行政诉讼。"
        f"行政复议或者行政诉讼期间，本指令书不停止执行，你单位应当按期完成整改，并将整改情况书面报告{issuer_name}。"
    )


# An order to correct from an overdue directive: the general duty, naming the missed rectification.
CORRECTION = replace(GENERAL_DUTY, overdue_steps_zh={"rectify_overdue": "隐患整改"})

SPEC = KindSpec(
    # "directive": one issued from the regulator's dashboard.
    notices={"sign": "已签收指令书", "directive": "已下达安全监察指令书"},
    kind=TicketKind.DIRECTIVE,
    number_code="ZL",  # 指令
    correction=CORRECTION,
    # The unit addressed signs for the directive, then reports its rectification: a use unit's safety
    # manager or a maintenance unit's maintainer, as the directive says.
    awaiting={
        role: frozenset({DirectiveState.AWAITING_SIGNATURE.value, DirectiveState.RECTIFYING.value})
        for role in (Role.SAFETY_MANAGER, Role.MAINTAINER)
    },
    states=(DirectiveState,),
    actions=lambda s, _: allowed_actions(DirectiveState(s)),
    # The deadline runs in every open state; only the issuing regulator extends or pauses it.
    # Either addressee signs and rectifies: the use unit's safety manager or the maintenance unit.
    transitions=tuple(directive_transitions(addressee.role) for addressee in Addressee),
    pausers=DISTRICT_REGULATOR,
    policies=POLICIES,
    # The addressee the directive is issued to.
    visible_to=frozenset({Relation.ASSIGNED}),
)
