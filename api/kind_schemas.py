"""Each kind's own actions' bodies and docs, found by the kind's name: `api/<kind>_schemas.py` declares them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel

from elevator_orders.kind_lookup import kind_modules

T = TypeVar("T")


def _gathered(attribute: str, shared: Mapping[str, T]) -> dict[str, T]:
    """`shared` and each kind's table `attribute`, one entry per action: two kinds never declare the same one."""
    table = dict(shared)
    for _, module in kind_modules("api.{kind}_schemas", every_kind=True):
        declared = getattr(module, attribute, None)
        if not isinstance(declared, Mapping):
            raise TypeError(f"{module.__name__} declares no {attribute} table")
        for action, value in declared.items():
            if table.setdefault(action, value) != value:
                raise TypeError(
                    f"{module.__name__} declares {action!r} in {attribute}; it is declared elsewhere"
                )
    return table


def kind_action_bodies(shared: Mapping[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """`shared` and the bodies of the actions each kind alone takes (ACTION_BODIES); one action has one body."""
    return _gathered("ACTION_BODIES", shared)


def kind_action_docs(shared: Mapping[str, str]) -> dict[str, str]:
    """`shared` and what each kind says of the actions it alone takes (ACTION_DOCS), for the OpenAPI document."""
    return _gathered("ACTION_DOCS", shared)
