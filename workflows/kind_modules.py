"""Each kind's workflow module, found by the kind's name: `workflows/<kind>.py` declares WORKFLOWS and UPDATES.

For the worker and the API, which register and call what the kinds declare; workflow code never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.kinds import TicketKind
from elevator_orders.kind_lookup import kind_modules
from workflows.update_spec import UpdateTable


def kind_workflows() -> list[type]:
    """The workflows of every kind, in the registry's order."""
    workflows: list[type] = []
    for _, module in kind_modules("workflows.{kind}", every_kind=True):
        declared = getattr(module, "WORKFLOWS", None)
        if not isinstance(declared, tuple) or not all(isinstance(w, type) for w in declared):
            raise TypeError(f"{module.__name__} declares no WORKFLOWS tuple of workflow classes")
        workflows += declared
    return workflows


def kind_updates() -> dict[TicketKind, UpdateTable]:
    """The actions of every kind, as its workflow module declares them."""
    updates: dict[TicketKind, UpdateTable] = {}
    for kind, module in kind_modules("workflows.{kind}", every_kind=True):
        table = getattr(module, "UPDATES", None)
        if not isinstance(table, Mapping):
            raise TypeError(f"{module.__name__} declares no UPDATES table")
        updates[kind] = table
    return updates
