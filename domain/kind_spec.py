"""What a ticket kind declares about itself, once, in its own module (`SPEC`); shared tables loop over them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.kinds import TicketKind

DetailsView = Mapping[str, object]


@dataclass(frozen=True)
class KindSpec:
    """One kind: its states, the actions a state allows, and which states run on a movable clock."""

    kind: TicketKind
    # The state enums of the kind; a missed maintenance interval has states of its own.
    states: tuple[type[StrEnum], ...]
    # The kind's own actions in a state (details carry what else decides them, e.g. a referral made).
    actions: Callable[[str, DetailsView], list[str]]
    # The states whose step runs on a clock that can be extended (延期) and paused (中止计时).
    clocked: Callable[[str], bool]
    finals: frozenset[str]


def final_states(*enums: type[StrEnum]) -> frozenset[str]:
    """The states of `enums` whose member says it is final."""
    return frozenset(member.value for enum in enums for member in enum if getattr(member, "is_final", False))


def open_states(finals: frozenset[str]) -> Callable[[str], bool]:
    """A clock that runs in every state but the final ones."""
    return lambda state: state not in finals
