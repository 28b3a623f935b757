"""Building blocks shared by every ticket kind's state machine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from domain.roles import Actor, Role
from domain.ticket_actions import TicketAction

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=TicketAction)


class Party(StrEnum):
    """Which organisation of the ticket an actor must belong to."""

    ASSIGNED_UNIT = "assigned_unit"
    USE_UNIT = "use_unit"
    # The organisation that reported the matter (a maintenance unit or an inspection agency that reported a 隐患).
    REPORTER = "reporter"
    # The regulator that issued the ticket (the district regulator that issued a 指令书).
    ISSUER = "issuer"
    ANY = "any"

    @property
    def label_zh(self) -> str:
        return {
            "assigned_unit": "承接单位",
            "use_unit": "使用管理单位",
            "reporter": "上报单位",
            "issuer": "签发机关",
            "any": "相关单位",
        }[self.value]


@dataclass(frozen=True)
class Transition(Generic[S]):
    from_states: frozenset[S]
    to_state: S
    role: Role
    party: Party


class InvalidTransition(Exception):
    """The action does not apply to the ticket's current state."""

    def __init__(self, state: str, action: str, allowed: list[str]) -> None:
        self.state = state
        self.action = action
        self.allowed = allowed
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(f"cannot {action} a ticket in state {state}; allowed actions: {allowed_text}")


class ActionNotPermitted(Exception):
    """The actor's role or organisation may not take this action on this ticket."""


def check_transition(
    transitions: Mapping[A, Transition[S]],
    state: S,
    action: A,
    actor: Actor,
    party_orgs: Mapping[Party, str],
) -> S:
    """The state `action` leads to from `state`, or why this actor may not take it now."""
    transition = transitions[action]
    if state not in transition.from_states:
        allowed = [a.value for a, t in transitions.items() if state in t.from_states]
        raise InvalidTransition(state.value, action.value, allowed)
    if actor.role != transition.role:
        raise ActionNotPermitted(f"“{action.label_zh}”只能由{transition.role.label_zh}执行")
    required = actor.organisation_id if transition.party is Party.ANY else party_orgs[transition.party]
    if actor.organisation_id != required:
        raise ActionNotPermitted(f"单位 {actor.organisation_id} 不是本工单的{transition.party.label_zh}")
    return transition.to_state
