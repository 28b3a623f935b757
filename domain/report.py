"""Reports (举报): a member of the public reports a suspected violation; the district regulator decides.

The reporter (举报人) files from the elevator's QR page, real-name or anonymously. The district regulator
verifies the report and decides whether to open a case (立案) within 15 working days; a real-name reporter
is told of the decision within 5 working days of it. The reporter's identity is kept apart from the
ticket: it never appears in the ticket, its timeline or its mails.
"""

from dataclasses import replace
from enum import StrEnum

from domain.correction import GENERAL_DUTY
from domain.deadline_policy import Breach, DeadlinePolicy, TimeUnit
from domain.kind_spec import DISTRICT_REGULATOR, REGULATOR_SCOPES, KindSpec, PublicTracking
from domain.kinds import TicketKind
from domain.legal_sources import COMPLAINT_ORDER_20, PENALTY_PROCEDURE, under_order_121
from domain.roles import Actor, Role
from domain.ticket_actions import TicketAction
from domain.ticket_states import FINAL, TicketState
from domain.transitions import Party, Transition, check_transition


class ReportState(TicketState):
    # The district regulator verifies the report and decides on 立案.
    VERIFYING = "verifying", "核查中"
    # Decided; a real-name reporter is still to be told of the decision.
    INFORMING = "informing", "待告知举报人"
    CLOSED = "closed", "已办结", FINAL


class ReportAction(TicketAction):
    OPEN_CASE = "open_case", "立案"
    DECLINE_CASE = "decline_case", "不予立案"
    INFORM_REPORTER = "inform_reporter", "告知举报人"


class SuspectParty(StrEnum):
    """Which organisation of the elevator the report is about, as the reporter chose it."""

    USE_UNIT = "use_unit"
    MAINTENANCE_UNIT = "maintenance_unit"

    @property
    def label_zh(self) -> str:
        return {"use_unit": "使用管理单位", "maintenance_unit": "维保单位"}[self.value]


S = ReportState

# The clock of each waiting state, by policy row, and its name in mails and on the timeline.
STEP_POLICIES: dict[ReportState, str] = {S.VERIFYING: "report.verify", S.INFORMING: "report.inform"}
STEP_LABELS_ZH: dict[ReportState, str] = {S.VERIFYING: "举报核查", S.INFORMING: "告知举报人"}


def report_transitions(anonymous: bool) -> dict[ReportAction, Transition[ReportState]]:
    """The state machine of one report: nobody is told of the decision on an anonymous one.

    The district regulator of the elevator takes every step; Party.ASSIGNED_UNIT is that regulator.
    """
    decided = S.CLOSED if anonymous else S.INFORMING
    return {
        ReportAction.OPEN_CASE: Transition(
            frozenset({S.VERIFYING}), decided, Role.REGULATOR, Party.ASSIGNED_UNIT
        ),
        ReportAction.DECLINE_CASE: Transition(
            frozenset({S.VERIFYING}), decided, Role.REGULATOR, Party.ASSIGNED_UNIT
        ),
        ReportAction.INFORM_REPORTER: Transition(
            frozenset({S.INFORMING}), S.CLOSED, Role.REGULATOR, Party.ASSIGNED_UNIT
        ),
    }


def allowed_actions(state: ReportState) -> list[str]:
    # Which actions a state allows does not depend on anonymity: an anonymous report never is informing.
    return [a.value for a, t in report_transitions(False).items() if state in t.from_states]


def check_action(
    state: ReportState, action: ReportAction, actor: Actor, *, regulator_id: str, anonymous: bool
) -> ReportState:
    """The state the action leads to, or why this actor may not take it now."""
    return check_transition(
        report_transitions(anonymous),
        state,
        action,
        actor,
        {Party.ASSIGNED_UNIT: regulator_id},
    )


def mask_identity(text: str, *identity: str) -> str:
    """`text` with every part of the reporter's identity (a name, a phone) blanked out.

    A reporter sometimes signs the report's text; the reported unit reads the ticket, so the signature goes.
    """
    for part in identity:
        if part.strip():
            text = text.replace(part.strip(), "***")
    return text


def report_ticket_id(elevator_code: str, ref: str) -> str:
    return f"report-{elevator_code}-{ref}"


# Telling a real-name reporter, as Order 20 set it: for reports filed before Order 121 took effect.
_INFORM_UNDER_ORDER_20 = DeadlinePolicy(
    TicketKind.REPORT,
    "inform",
    5,
    TimeUnit.WORKING_DAYS,
    "decision",
    Breach.ESCALATE_TO_CITY,
    f"{COMPLAINT_ORDER_20} Art 31: a real-name reporter is told whether a case was opened within 5 working days",
    remind_at=0.6,
)

# The legal clocks of this kind: rows of the policy table, each overridable by its key.
POLICIES: tuple[DeadlinePolicy, ...] = (
    DeadlinePolicy(
        TicketKind.REPORT,
        "verify",
        15,
        TimeUnit.WORKING_DAYS,
        "receipt",
        Breach.ESCALATE_TO_CITY,
        f"{PENALTY_PROCEDURE} Art 18: verify and decide whether to open a case within 15 working days "
        "(+15 with approval); testing time excluded",
        remind_at=0.6,
    ),
    _INFORM_UNDER_ORDER_20,
    # Reports filed from 2026-04-15 (the row in force on the filing date counts the clock).
    under_order_121(_INFORM_UNDER_ORDER_20),
)


# The order to correct is served on the unit a report may be about: naming or quoting the report could
# identify the whistleblower (举报人), so the regulator states what its own check found.
CORRECTION = replace(GENERAL_DUTY, own_finding_only=True)

# A real-name or anonymous reporter follows the report with its token.
TRACKING = PublicTracking(
    labels={"open_case": "立案", "decline_case": "不予立案", "inform_reporter": "告知处理结果"}
)

SPEC = KindSpec(
    kind=TicketKind.REPORT,
    number_code="JB",  # 举报
    tracking=TRACKING,
    correction=CORRECTION,
    states=(ReportState,),
    actions=lambda s, _: allowed_actions(ReportState(s)),
    transitions=(report_transitions(anonymous=False), report_transitions(anonymous=True)),
    scopes=REGULATOR_SCOPES,
    pausers=DISTRICT_REGULATOR,
    policies=POLICIES,
)
