"""Each kind's own activities, found by the kind's name: `activities/<kind>.py` declares `kind_activities`.

A kind whose work needs no activity of its own (most: the shared store, deadline and mail activities
serve them) has no module there.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from elevator_orders.clock import Clock
from elevator_orders.kind_lookup import kind_modules
from elevator_orders.settings import Settings
from store.database import Database


@dataclass(frozen=True)
class KindActivityContext:
    """What a kind's activities may be built with."""

    client: Client
    task_queue: str
    settings: Settings
    clock: Clock
    database: Database


def kind_activities(context: KindActivityContext) -> list[object]:
    """The activity objects of every kind that has some, in the registry's order."""
    built: list[object] = []
    for _, module in kind_modules("activities.{kind}", every_kind=False):
        declare = getattr(module, "kind_activities", None)
        if not callable(declare):
            raise TypeError(f"{module.__name__} declares no kind_activities(context)")
        built += declare(context)
    return built
