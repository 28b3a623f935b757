"""What a member of the public sees of a ticket they follow with a tracking token (complaints, reports).

The public view names no one: no person, no user id, no phone, no organisation id. It shows the steps of
the public and of the regulator, with the notes of the regulator's decisions; internal steps stay hidden.
"""

from dataclasses import dataclass
from datetime import datetime

from domain.kinds import TicketKind
from domain.roles import Role

# Never shown: a referred violation stays the regulator's business until a case is decided, and reminders,
# escalations and mail failures concern the regulators' own queues.
HIDDEN_ACTIONS: frozenset[str] = frozenset(
    {"refer_violation", "clue_opened", "reminder", "escalated", "notification_failed"}
)

# Steps no one took (a clock ended them) that the public is told of, with their note, by kind.
PUBLIC_SYSTEM_ACTIONS: dict[TicketKind, frozenset[str]] = {
    TicketKind.COMPLAINT: frozenset({"mediation_ended", "evaluation_expired"}),
}

# The actions the public takes with its token.
PUBLIC_ACTIONS: frozenset[str] = frozenset({"evaluate"})

ACTION_LABELS_ZH: dict[str, str] = {
    "submit": "提交",
    "accept": "受理",
    "reject": "不予受理",
    "record_result": "登记处理结果",
    "mediation_ended": "调解终止",
    "evaluate": "评价",
    "evaluation_expired": "评价期满",
    "open_case": "立案",
    "decline_case": "不予立案",
    "inform_reporter": "告知处理结果",
    "extend": "延期",
    "pause": "中止计时",
    "resume": "恢复计时",
}


@dataclass(frozen=True)
class PublicStep:
    """One step of the ticket as the public reads it."""

    at: datetime
    action: str
    action_label: str
    state: str
    note: str


def public_step(
    kind: TicketKind, at: datetime, action: str, state: str, actor_role: str | None, note: str
) -> PublicStep | None:
    """The step as the public sees it, or None when it stays internal."""
    if action in HIDDEN_ACTIONS:
        return None
    if actor_role is None:
        if action not in PUBLIC_SYSTEM_ACTIONS.get(kind, frozenset()):
            return None
        shown_note = note
    else:
        # The regulator's decisions carry their reasons; what others wrote (the complaint itself) is not
        # repeated, since it may name people.
        shown_note = note if actor_role == Role.REGULATOR.value else ""
    return PublicStep(
        at=at, action=action, action_label=ACTION_LABELS_ZH.get(action, action), state=state, note=shown_note
    )
