"""Each kind's own actions' bodies and docs, found by the kind's name: `api/<kind>_schemas.py` declares them."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from elevator_orders.kind_lookup import kind_modules


def kind_action_bodies(shared: Mapping[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """`shared` and the bodies of the actions each kind alone takes; one action has one body."""
    bodies = dict(shared)
    for _, module in kind_modules("api.{kind}_schemas", every_kind=True):
        declared = getattr(module, "ACTION_BODIES", None)
        if not isinstance(declared, Mapping):
            raise TypeError(f"{module.__name__} declares no ACTION_BODIES table")
        for action, body in declared.items():
            if bodies.setdefault(action, body) is not body:
                raise TypeError(
                    f"{module.__name__} gives {action!r} a body of its own; it already has {bodies[action]}"
                )
    return bodies


def kind_action_docs(shared: Mapping[str, str]) -> dict[str, str]:
    """`shared` and what each kind says of the actions it alone takes (ACTION_DOCS), for the OpenAPI document."""
    docs = dict(shared)
    for _, module in kind_modules("api.{kind}_schemas", every_kind=True):
        declared = getattr(module, "ACTION_DOCS", None)
        if not isinstance(declared, Mapping):
            raise TypeError(f"{module.__name__} declares no ACTION_DOCS table")
        for action, doc in declared.items():
            if docs.setdefault(action, doc) != doc:
                raise TypeError(f"{module.__name__} describes {action!r} again; it is described elsewhere")
    return docs
