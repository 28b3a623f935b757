"""Each kind's own routes, found by the kind's name: `api/routers/<kind>.py` opens tickets of that kind.

A kind without one (a violation clue is only ever opened by another ticket) has no module there.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from fastapi import APIRouter

from domain.kind_registry import KINDS


def kind_routers() -> list[APIRouter]:
    """The routers of the kinds that have one, in the registry's order."""
    routers: list[APIRouter] = []
    for spec in KINDS:
        name = f"api.routers.{spec.kind.value}"
        if find_spec(name) is None:
            continue
        router = getattr(import_module(name), "router", None)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{name} declares no APIRouter named router")
        routers.append(router)
    return routers
