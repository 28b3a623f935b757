"""What a member of the public sees of a ticket they follow with a tracking token.

The public view names no one: no person, no user id, no phone, no organisation id. It shows the steps of
the public and of the regulator, with the notes of the regulator's decisions; internal steps stay hidden.
Which kinds are followed, and how their own steps read, each kind declares (`KindSpec.tracking`).
"""

from dataclasses import dataclass
from datetime import datetime

from domain.kind_registry import SPECS
from domain.kind_spec import CLOCK_ACTION_LABELS_ZH, PublicTracking
from domain.kinds import TicketKind
from domain.roles import Role

# Never shown, whatever the kind: reminders, escalations and mail failures concern the regulators' own
# queues, and a clue opened from a ticket stays the regulator's business until a case is decided.
HIDDEN_ACTIONS: frozenset[str] = frozenset({"clue_opened", "reminder", "escalated", "notification_failed"})

# The steps every kind shares, as the public reads them.
SHARED_LABELS_ZH: dict[str, str] = {"submit": "提交", **CLOCK_ACTION_LABELS_ZH}

_NOT_TRACKED = PublicTracking(labels={})


@dataclass(frozen=True)
class PublicStep:
    """One step of the ticket as the public reads it."""

    at: datetime
    action: str
    action_label: str
    state: str
    note: str


def public_actions(kind: TicketKind) -> frozenset[str]:
    """The actions the public takes on a ticket of `kind` with its token."""
    return SPECS[kind].public_actions


def public_step(
    kind: TicketKind, at: datetime, action: str, state: str, actor_role: str | None, note: str
) -> PublicStep | None:
    """The step as the public sees it, or None when it stays internal."""
    tracking = SPECS[kind].tracking or _NOT_TRACKED
    if action in HIDDEN_ACTIONS or action in tracking.hidden:
        return None
    if actor_role is None:
        if action not in tracking.system_steps:
            return None
        shown_note = note
    else:
        # The regulator's decisions carry their reasons; what others wrote (the 投诉 itself) is not
        # repeated, since it may name people.
        shown_note = note if actor_role == Role.REGULATOR.value else ""
    label = tracking.labels.get(action) or SHARED_LABELS_ZH.get(action, action)
    return PublicStep(at=at, action=action, action_label=label, state=state, note=shown_note)
