"""What the Temporal Web UI finds tickets by: search attributes each ticket workflow sets.

Kind, district, elevator code, overdue and, once the work is over, its outcome (the final state); never
personal data. Open tickets are the running executions: a state that changes with every action is not
indexed, as each upsert is one more history event and visibility write on every action (`make bench`:
5 upserts per lifecycle cost 8% more CPU). The worker registers them at start
(worker/search_attributes.py); TicketIO sets those a projection changes. Runs started before
SEARCH_ATTRIBUTES_PATCH set none (replay).

A starter that knows them gives a run its opening attributes with the start
(`opening_search_attributes`): the ticket is found by its district from the moment it exists, before
any worker has run it, and the run upserts only what changes after (`make bench`: one history event and
one visibility write fewer per ticket). What a run was started with is in its history, so a run started
without them replays its upserts as it recorded them.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

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


def opening_search_attributes(kind: str, elevator_code: str, district: str | None) -> TypedSearchAttributes:
    """What a new ticket is found by from its start; without its district, its first projection adds it."""
    pairs: list[SearchAttributePair[str] | SearchAttributePair[bool]] = [
        SearchAttributePair(TICKET_KIND, kind),
        SearchAttributePair(ELEVATOR_CODE, elevator_code),
        SearchAttributePair(OVERDUE, False),
    ]
    if district:
        pairs.append(SearchAttributePair(DISTRICT, district))
    return TypedSearchAttributes(pairs)


def started_with(attributes: TypedSearchAttributes) -> Indexed:
    """The ticket's attributes among those a run was started with (none, if its starter gave none)."""
    return {pair.key.name: pair.value for pair in attributes if pair.key in TICKET_SEARCH_ATTRIBUTES}


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
        # Read at the first projection, before this run has upserted anything: what it was started with.
        self._indexed: Indexed | None = None

    def update(self, snapshot: TicketSnapshot) -> None:
        if self._indexed is None:
            self._indexed = started_with(workflow.info().typed_search_attributes)
        now = indexed(snapshot)
        updates = changes(self._indexed, now)
        if updates and patches.applies(SEARCH_ATTRIBUTES_PATCH, bundled_in=patches.THIRD_BASELINE):
            workflow.upsert_search_attributes(updates)
            self._indexed = now
