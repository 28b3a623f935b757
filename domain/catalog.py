"""What the read side needs to know of every kind: state labels and the actions a state allows."""

from collections.abc import Mapping

from domain import fault_repair, rescue
from domain.kinds import TicketKind

DetailsView = Mapping[str, object]


def state_label(kind: TicketKind, state: str) -> str:
    if kind is TicketKind.RESCUE:
        return rescue.RescueState(state).label_zh
    if kind is TicketKind.FAULT_REPAIR:
        return fault_repair.FaultRepairState(state).label_zh
    return state


def allowed_actions(kind: TicketKind, state: str, details: DetailsView) -> list[str]:
    """The actions a ticket in `state` takes now; who may take them is checked when they are taken."""
    if kind is TicketKind.RESCUE:
        return rescue.allowed_actions(rescue.RescueState(state))
    if kind is TicketKind.FAULT_REPAIR:
        current = fault_repair.FaultRepairState(state)
        allowed = fault_repair.allowed_actions(current)
        if not current.is_final:
            allowed += ["extend", "resume" if details.get("paused") else "pause"]
        return allowed
    return []
