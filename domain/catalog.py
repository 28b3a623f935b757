"""What the read side needs to know of every kind: its states, their labels, and the actions a state allows."""

from domain.kind_registry import SPECS
from domain.kind_spec import DetailsView, KindSpec
from domain.kinds import TicketKind

# Every kind as the read side sees it, from the kinds' own declarations.
CATALOG: dict[TicketKind, KindSpec] = SPECS


def state_label(kind: TicketKind, state: str) -> str:
    for enum in CATALOG[kind].states:
        if state in enum.__members__.values():
            # Every state enum of every kind labels its members in Chinese.
            label: str = getattr(enum(state), "label_zh")  # noqa: B009
            return label
    raise ValueError(f"{state!r} is no state of {kind.value}")


def is_final(kind: TicketKind, state: str) -> bool:
    """True once the ticket's work is over and its workflow ends."""
    return state in CATALOG[kind].finals


def allowed_actions(kind: TicketKind, state: str, details: DetailsView) -> list[str]:
    """The actions a ticket in `state` takes now; who may take them is checked when they are taken."""
    entry = CATALOG[kind]
    allowed = entry.actions(state, details)
    if entry.clocked(state):
        allowed += ["extend", "resume" if details.get("paused") else "pause"]
    return allowed
