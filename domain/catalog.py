"""What the read side needs to know of every kind: its states, their labels, and the actions a state allows."""

from domain.kind_registry import SPECS
from domain.kind_spec import SHARED_NOTICES_ZH, DetailsView, KindSpec
from domain.kinds import TicketKind

# Every kind as the read side sees it, from the kinds' own declarations.
CATALOG: dict[TicketKind, KindSpec] = SPECS


def _labels(entry: KindSpec) -> dict[str, str]:
    labels: dict[str, str] = {}
    # The first of a kind's enums to name a state labels it; every state enum labels its members.
    for enum in reversed(entry.states):
        labels |= {member.value: member.label_zh for member in enum}
    return labels


# Looked up for every ticket a listing shows.
_STATE_LABELS: dict[TicketKind, dict[str, str]] = {kind: _labels(entry) for kind, entry in CATALOG.items()}


def state_label(kind: TicketKind, state: str) -> str:
    label = _STATE_LABELS[kind].get(state)
    if label is None:
        raise ValueError(f"{state!r} is no state of {kind.value}")
    return label


_ACTION_LABELS: dict[TicketKind, dict[str, str]] = {
    kind: entry.action_labels() for kind, entry in CATALOG.items()
}


def action_label(kind: TicketKind, action: str) -> str:
    """The name people know the kind's action by; an action the kind does not have keeps its own name."""
    return _ACTION_LABELS[kind].get(action, action)


def entered_by(kind: TicketKind, state: str) -> frozenset[str]:
    """The actions whose step leads a ticket of `kind` into `state` (a dispute into 有异议待修改)."""
    return frozenset(
        action.value
        for variant in CATALOG[kind].transitions
        for action, transition in variant.items()
        if transition.to_state == state
    )


def is_final(kind: TicketKind, state: str) -> bool:
    """True once the ticket's work is over and its workflow ends."""
    return state in CATALOG[kind].finals


# Every ticket a listing shows asks; the answer depends on the state and a few details only.
_ACTIONS: dict[tuple[TicketKind, str, bool, tuple[object, ...]], tuple[str, ...]] = {}


def allowed_actions(kind: TicketKind, state: str, details: DetailsView) -> list[str]:
    """The actions a ticket in `state` takes now; who may take them is checked when they are taken."""
    entry = CATALOG[kind]
    paused = bool(details.get("paused"))
    read = tuple(details.get(name) for name in entry.action_details)
    key = (kind, state, paused, read)
    allowed = _ACTIONS.get(key)
    if allowed is None:
        allowed = tuple(entry.actions(state, details))
        if entry.is_clocked(state):
            allowed += ("extend", "resume" if paused else "pause")
        _ACTIONS[key] = allowed
    return list(allowed)


def _notices() -> dict[str, str]:
    notices = dict(SHARED_NOTICES_ZH)
    for entry in CATALOG.values():
        for code, sentence in entry.notices.items():
            if notices.setdefault(code, sentence) != sentence:
                raise ImportError(f"{entry.kind.value} says {code!r} otherwise than another kind does")
    return notices


# What a staff page says after an action took effect (?notice=<code>), every kind's and the shared ones.
NOTICES_ZH: dict[str, str] = _notices()
