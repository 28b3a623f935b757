"""What a ticket kind declares about itself, once, in its own module (`SPEC`); shared tables loop over them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from domain.correction import CorrectionDefaults
from domain.deadline_policy import DeadlinePolicy
from domain.kinds import TicketKind
from domain.roles import Role
from domain.scopes import Grant, Relation, Scope
from domain.ticket_states import TicketState
from domain.transitions import Party, Transition

DetailsView = Mapping[str, object]

# Which tickets a transition's party covers, as a grant's scope.
DEFAULT_SCOPES: Mapping[Party, Scope] = MappingProxyType(
    {
        Party.ASSIGNED_UNIT: Scope.ASSIGNED,
        Party.USE_UNIT: Scope.USE_UNIT,
        Party.REPORTER: Scope.REPORTER,
        Party.ISSUER: Scope.DISTRICT,
        Party.ANY: Scope.ANY,
    }
)
# Kinds the district regulator handles itself: the unit "assigned" is the regulator of the district.
REGULATOR_SCOPES: Mapping[Party, Scope] = MappingProxyType(
    {**DEFAULT_SCOPES, Party.ASSIGNED_UNIT: Scope.DISTRICT}
)
DISTRICT_REGULATOR: tuple[Grant, ...] = (Grant(Role.REGULATOR, Scope.DISTRICT),)
# The clock actions every clocked kind offers (延期 by the regulator, 中止计时 and its end by the pausers).
CLOCK_ACTION_LABELS_ZH: Mapping[str, str] = MappingProxyType(
    {"extend": "延期", "pause": "中止计时", "resume": "恢复计时"}
)
# What a staff page says once an action several kinds take took effect; a kind adds its own (`notices`).
SHARED_NOTICES_ZH: Mapping[str, str] = MappingProxyType(
    {
        "accept": "已接单，请尽快赶往现场",
        "arrive": "已记录到场",
        "confirm": "已确认",
        "dispute": "已提出异议，已通知处置单位更正",
        # An order's rectification goes to the regulator, a 隐患's to its reporter: both recheck it.
        "submit_rectification": "已提交整改报告，等待复查",
        "verify_pass": "已复查合格，工单办结",
        "verify_fail": "已复查不合格，已退回整改",
    }
)
# The work on an elevator concerns every organisation that takes part in it.
EVERY_PARTY: frozenset[Relation] = frozenset(Relation)


@dataclass(frozen=True)
class PublicTracking:
    """What a member of the public who follows a ticket of the kind with its token is shown of its steps."""

    # The kind's steps as the public reads them (the steps every kind shares are labelled in domain/tracking).
    labels: Mapping[str, str]
    # Steps that stay internal whoever took them.
    hidden: frozenset[str] = frozenset()
    # Steps no one took (a clock ended them) that the public is told of, with their note.
    system_steps: frozenset[str] = frozenset()


@dataclass(frozen=True)
class VisitDate:
    """Where the QR page reads a car's last visit of the kind from (第十条): the latest `detail` time among
    the car's tickets in `state`."""

    state: str
    detail: str


@dataclass(frozen=True)
class KindSpec:
    """One kind as it declares itself: its states and actions, who may act, its clocks, who sees it."""

    kind: TicketKind
    # The state enums of the kind; a missed maintenance interval has states of its own.
    states: tuple[type[TicketState], ...]
    # The kind's own actions in a state (details carry what else decides them, e.g. a referral made).
    actions: Callable[[str, DetailsView], list[str]]
    # The states whose step runs on a clock that can be extended (延期) and paused (中止计时); None: every
    # state but the final ones.
    clocked: Callable[[str], bool] | None = None
    # The state machine, in each of its variants (a 隐患 is verified in its reporter's role): who may
    # take an action is read from here, so the permission table never restates it.
    transitions: tuple[Mapping[Any, Transition[Any]], ...] = ()
    scopes: Mapping[Party, Scope] = field(default_factory=lambda: DEFAULT_SCOPES)
    # Who pauses and resumes the running clock (中止计时); the district regulator extends it (延期).
    # None: the kind's clocks are never moved.
    pausers: tuple[Grant, ...] | None = None
    # Actions checked outside the transition table (a 投诉's referral keeps its state).
    extra_grants: Mapping[str, tuple[Grant, ...]] = field(default_factory=dict)
    # The kind's legal clocks: its rows of the policy table.
    policies: tuple[DeadlinePolicy, ...] = ()
    # Which of a ticket's parties see it (第八条: a unit obtains what concerns it); regulators see their
    # district whatever the kind. A report's or a clue's text could name its reporter: no party sees those.
    visible_to: frozenset[Relation] = frozenset()
    # Roles that see every ticket of the kind, wherever it is (the 110 platform's dispatcher: 困人救援).
    visible_to_roles: frozenset[Role] = frozenset()
    # The details `actions` reads: the actions of a state are looked up once per state and these values.
    action_details: tuple[str, ...] = ()
    # Machine clients (a remote-monitoring platform, the 110 platform) may open tickets of the kind with an
    # API key holding the kind's intake scope.
    machine_intake: bool = False
    # The states whose next step is a role's to do (待办), by role: that role's work page lists the tickets
    # in them on which the user's unit may take the step. Not read from the transitions: a state may allow
    # an action that is nobody's next step (the use unit may cancel a repair that waits for the maintainer).
    awaiting: Mapping[Role, frozenset[str]] = field(default_factory=dict)
    # What an order to correct drafted from an overdue ticket proposes; None: the use unit's general duty.
    correction: CorrectionDefaults | None = None
    # The two letters that start its tickets' numbers (工单编号), the pinyin initials of its short name.
    number_code: str = ""
    # Whether the public follows the kind's tickets with a tracking token, and what it is shown; None: not.
    tracking: PublicTracking | None = None
    # What a staff page says once one of the kind's actions took effect (?notice=<action>): fixed sentences,
    # never echoed input. Kinds sharing an action say the same.
    notices: Mapping[str, str] = field(default_factory=dict)
    # The kind whose confirmed visits date the car's last maintenance on the QR page; None for the others.
    last_visit: VisitDate | None = None
    # The states where the ticket's work ends, as its state enums mark them.
    finals: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "finals", final_states(*self.states))

    @property
    def public_actions(self) -> frozenset[str]:
        """The actions the public takes, with its tracking token rather than a role's grant."""
        return frozenset(
            str(action)
            for variant in self.transitions
            for action, transition in variant.items()
            if transition.role is Role.PUBLIC
        )

    def action_labels(self) -> dict[str, str]:
        """Every action of the kind, its clock's included, by the name people know it by."""
        labels = dict(CLOCK_ACTION_LABELS_ZH) if self.pausers is not None else {}
        for variant in self.transitions:
            labels |= {action.value: action.label_zh for action in variant}
        return labels

    def is_clocked(self, state: str) -> bool:
        """True when the step of `state` runs on a clock the regulator may extend and a party may pause."""
        return state not in self.finals if self.clocked is None else self.clocked(state)

    @property
    def intake_scope(self) -> str:
        """The API-key scope that opens tickets of the kind ("<kind>:report")."""
        return f"{self.kind.value}:report"

    def grants(self) -> dict[str, tuple[Grant, ...]]:
        """Who may take each action, in the order roles are tried: the variants' transitions, then the clock."""
        table: dict[str, list[Grant]] = {}
        for variant in self.transitions:
            for action, transition in variant.items():
                # The public acts with a token of its own (a 投诉's evaluation), not by a role's grant.
                if transition.role is Role.PUBLIC:
                    continue
                grant = Grant(transition.role, self.scopes[transition.party])
                granted = table.setdefault(str(action), [])
                if grant not in granted:
                    granted.append(grant)
        grants = {action: tuple(granted) for action, granted in table.items()} | dict(self.extra_grants)
        if self.pausers is not None:
            grants |= {"extend": DISTRICT_REGULATOR, "pause": self.pausers, "resume": self.pausers}
        return grants


def final_states(*enums: type[TicketState]) -> frozenset[str]:
    """The states of `enums` that end the ticket's work."""
    return frozenset(member.value for enum in enums for member in enum if member.is_final)
