"""Which Update of which workflow each action on a ticket is, per kind, and how its body becomes the input."""

from typing import Any

from pydantic import BaseModel

from api.kind_schemas import kind_action_bodies, kind_action_docs
from api.schemas import SHARED_ACTION_BODIES, SHARED_ACTION_DOCS
from domain.kinds import TicketKind
from domain.roles import Actor
from workflows.kind_modules import kind_updates
from workflows.update_spec import UpdateTable

# Each kind's actions, as its workflow module declares them.
UPDATES: dict[TicketKind, UpdateTable] = kind_updates()

# The body each action takes: shared by every kind that has the action, or the one kind's own.
ACTION_BODIES: dict[str, type[BaseModel]] = kind_action_bodies(SHARED_ACTION_BODIES)
# What each action is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = kind_action_docs(SHARED_ACTION_DOCS)


def action_bodies(*actions: str) -> dict[str, type[BaseModel]]:
    """The bodies of `actions`, for a page whose forms take them (the same bodies the JSON API takes)."""
    return {action: ACTION_BODIES[action] for action in actions}


def update_for(kind: TicketKind, action: str, actor: Actor, body: BaseModel) -> tuple[Any, Any] | None:
    """The Update and its input, or None when this kind has no such action."""
    spec = UPDATES.get(kind, {}).get(action)
    return (spec.update, spec.build(actor, body)) if spec else None


def has_action(kind: TicketKind, action: str) -> bool:
    return action in UPDATES.get(kind, {})
