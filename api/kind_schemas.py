"""Each kind's own request bodies, found by the kind's name: `api/<kind>_schemas.py` declares ACTION_BODIES."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module

from pydantic import BaseModel

from domain.kind_registry import KINDS


def kind_action_bodies(shared: Mapping[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """`shared` and the bodies of the actions each kind alone takes; one action has one body."""
    bodies = dict(shared)
    for spec in KINDS:
        name = f"api.{spec.kind.value}_schemas"
        declared = getattr(import_module(name), "ACTION_BODIES", None)
        if not isinstance(declared, Mapping):
            raise TypeError(f"{name} declares no ACTION_BODIES table")
        for action, body in declared.items():
            if bodies.setdefault(action, body) is not body:
                raise TypeError(f"{name} gives {action!r} a body of its own; it already has {bodies[action]}")
    return bodies
