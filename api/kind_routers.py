"""Each kind's own routes, found by the kind's name: `api/routers/<kind>.py` opens tickets of that kind.

A kind without one (a violation clue is only ever opened by another ticket) has no module there.
"""

from __future__ import annotations

from fastapi import APIRouter

from elevator_orders.kind_lookup import kind_modules


def kind_routers() -> list[APIRouter]:
    """The routers of the kinds that have one, in the registry's order."""
    routers: list[APIRouter] = []
    for _, module in kind_modules("api.routers.{kind}", every_kind=False):
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{module.__name__} declares no APIRouter named router")
        routers.append(router)
    return routers
