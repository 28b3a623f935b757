"""A kind's module in a layer, found by the kind's name: how the layers gather what each kind declares."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from domain.kind_registry import KINDS
from domain.kinds import TicketKind


def kind_modules(template: str, *, every_kind: bool) -> Iterator[tuple[TicketKind, ModuleType]]:
    """Each kind's module named by `template` (e.g. "api.routers.{kind}"), in the registry's order.

    With `every_kind`, a kind without one is an error; otherwise it is passed over.
    """
    for spec in KINDS:
        name = template.format(kind=spec.kind.value)
        if not every_kind and find_spec(name) is None:
            continue
        yield spec.kind, import_module(name)


def kind_declarations(template: str, name: str) -> dict[TicketKind, Any]:
    """What the kinds' modules named by `template` declare as `name`, for the kinds whose module does."""
    return {
        kind: getattr(module, name)
        for kind, module in kind_modules(template, every_kind=False)
        if hasattr(module, name)
    }
