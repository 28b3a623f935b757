"""What the Temporal Web UI filters tickets by: search attributes each ticket workflow keeps current.

Only what any ticket listing shows: kind, state, district, elevator code, overdue; never personal data.
The worker registers them at start (worker/search_attributes.py); TicketIO sets those a projection
changes. A run started before SEARCH_ATTRIBUTES_PATCH sets none (replay).
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

from domain.tickets import TicketSnapshot

TICKET_KIND = SearchAttributeKey.for_keyword("TicketKind")
TICKET_STATE = SearchAttributeKey.for_keyword("TicketState")
DISTRICT = SearchAttributeKey.for_keyword("District")
ELEVATOR_CODE = SearchAttributeKey.for_keyword("ElevatorCode")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
TICKET_SEARCH_ATTRIBUTES = (TICKET_KIND, TICKET_STATE, DISTRICT, ELEVATOR_CODE, OVERDUE)
SEARCH_ATTRIBUTES_PATCH = "ticket-search-attributes"

# What a projection indexes, by name: plain values, so two projections compare cheaply.
Indexed = dict[str, str | bool]


def indexed(snapshot: TicketSnapshot) -> Indexed:
    values: Indexed = {
        TICKET_KIND.name: snapshot.kind.value,
        TICKET_STATE.name: snapshot.state,
        ELEVATOR_CODE.name: snapshot.elevator_code,
        OVERDUE.name: snapshot.overdue,
    }
    # Before the registry lookup has answered, the ticket has no district yet.
    if snapshot.district:
        values[DISTRICT.name] = snapshot.district
    return values


def changes(before: Indexed, now: Indexed) -> list[SearchAttributeUpdate[str] | SearchAttributeUpdate[bool]]:
    """The updates that bring the run's search attributes from `before` to `now`."""
    updates: list[SearchAttributeUpdate[str] | SearchAttributeUpdate[bool]] = []
    for key in (TICKET_KIND, TICKET_STATE, DISTRICT, ELEVATOR_CODE):
        value = now.get(key.name)
        if isinstance(value, str) and value != before.get(key.name):
            updates.append(key.value_set(value))
    overdue = now.get(OVERDUE.name)
    if isinstance(overdue, bool) and overdue != before.get(OVERDUE.name):
        updates.append(OVERDUE.value_set(overdue))
    return updates
