"""What the Temporal Web UI finds tickets by: search attributes each ticket workflow sets.

Kind, district, elevator code, overdue and, once the work is over, its outcome (the final state); never
personal data. Open tickets are the running executions: a state that changes with every action is not
indexed, as each upsert is one more history event and visibility write on every action (`make bench`:
5 upserts per lifecycle cost 8% more CPU). The worker registers them at start
(worker/search_attributes.py); TicketIO sets those a projection changes. Runs started before
SEARCH_ATTRIBUTES_PATCH set none (replay).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

from domain.tickets import TicketSnapshot
from workflows import patches

TICKET_KIND = SearchAttributeKey.for_keyword("TicketKind")
DISTRICT = SearchAttributeKey.for_keyword("District")
ELEVATOR_CODE = SearchAttributeKey.for_keyword("ElevatorCode")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
# The final state, set when the ticket's work ends (closed, cancelled, confirmed, ...).
TICKET_OUTCOME = SearchAttributeKey.for_keyword("TicketOutcome")
TICKET_SEARCH_ATTRIBUTES = (TICKET_KIND, DISTRICT, ELEVATOR_CODE, OVERDUE, TICKET_OUTCOME)
SEARCH_ATTRIBUTES_PATCH = "ticket-search-attributes"
_KEYWORDS = (TICKET_KIND, DISTRICT, ELEVATOR_CODE, TICKET_OUTCOME)

# What a projection indexes, by name: plain values, so two projections compare cheaply.
Indexed = dict[str, str | bool]


def indexed(snapshot: TicketSnapshot) -> Indexed:
    values: Indexed = {
        TICKET_KIND.name: snapshot.kind.value,
        ELEVATOR_CODE.name: snapshot.elevator_code,
        OVERDUE.name: snapshot.overdue,
    }
    # Before the registry lookup has answered, the ticket has no district yet.
    if snapshot.district:
        values[DISTRICT.name] = snapshot.district
    if snapshot.closed_at is not None:
        values[TICKET_OUTCOME.name] = snapshot.state
    return values


def changes(before: Indexed, now: Indexed) -> list[SearchAttributeUpdate[str] | SearchAttributeUpdate[bool]]:
    """The updates that bring the run's search attributes from `before` to `now`."""
    updates: list[SearchAttributeUpdate[str] | SearchAttributeUpdate[bool]] = []
    for key in _KEYWORDS:
        value = now.get(key.name)
        if isinstance(value, str) and value != before.get(key.name):
            updates.append(key.value_set(value))
    overdue = now.get(OVERDUE.name)
    if isinstance(overdue, bool) and overdue != before.get(OVERDUE.name):
        updates.append(OVERDUE.value_set(overdue))
    return updates


class SearchIndex:
    """The search attributes of one run, set as its projections change them (the Web UI's filters)."""

    def __init__(self) -> None:
        self._indexed: Indexed = {}

    def update(self, snapshot: TicketSnapshot) -> None:
        now = indexed(snapshot)
        updates = changes(self._indexed, now)
        if updates and patches.applies(SEARCH_ATTRIBUTES_PATCH, bundled_in=patches.THIRD_BASELINE):
            workflow.upsert_search_attributes(updates)
            self._indexed = now
