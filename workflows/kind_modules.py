"""Each kind's workflow module, found by the kind's name: `workflows/<kind>.py` declares WORKFLOWS and UPDATES.

For the worker and the API, which register and call what the kinds declare; workflow code never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import ModuleType

from domain.kind_registry import KINDS
from domain.kinds import TicketKind
from workflows.update_spec import UpdateTable


def _module(kind: TicketKind) -> ModuleType:
    return import_module(f"workflows.{kind.value}")


def kind_workflows() -> list[type]:
    """The workflows of every kind, in the registry's order."""
    workflows: list[type] = []
    for spec in KINDS:
        declared = getattr(_module(spec.kind), "WORKFLOWS", None)
        if not isinstance(declared, tuple) or not all(isinstance(w, type) for w in declared):
            raise TypeError(f"workflows/{spec.kind.value}.py declares no WORKFLOWS tuple of workflow classes")
        workflows += declared
    return workflows


def kind_updates() -> dict[TicketKind, UpdateTable]:
    """The actions of every kind, as its workflow module declares them."""
    updates: dict[TicketKind, UpdateTable] = {}
    for spec in KINDS:
        table = getattr(_module(spec.kind), "UPDATES", None)
        if not isinstance(table, Mapping):
            raise TypeError(f"workflows/{spec.kind.value}.py declares no UPDATES table")
        updates[spec.kind] = table
    return updates
