"""Tickets a ticket opens at a moment of its own, declared by the kind that is opened.

The opener says only that the moment came (the car stays stopped after its work); each kind that follows
that moment says, in its own `workflows/<kind>_models.py` (`FOLLOW_UPS`), which ticket it opens then and
with what input. The opener starts what it is given, the one way a ticket opens another
(docs/architecture.md), so neither kind's workflow names the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from elevator_orders.kind_lookup import kind_modules
from workflows.follow_up_models import FollowUp, FollowUpBuilder, Opener


def _by_moment() -> dict[str, tuple[FollowUpBuilder, ...]]:
    table: dict[str, tuple[FollowUpBuilder, ...]] = {}
    for _, module in kind_modules("workflows.{kind}_models", every_kind=False):
        declared: Mapping[str, FollowUpBuilder] = getattr(module, "FOLLOW_UPS", {})
        for moment, build in declared.items():
            table[moment] = (*table.get(moment, ()), build)
    return table


# Read once, when the worker loads its workflows: a workflow in the sandbox never imports a module.
FOLLOW_UPS = _by_moment()


def follow_ups(moment: str, opener: Opener) -> list[FollowUp]:
    """The tickets the kinds that follow `moment` open for `opener`, in the registry's order."""
    return [build(opener) for build in FOLLOW_UPS.get(moment, ())]
