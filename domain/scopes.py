"""Which tickets a grant covers, by how the actor's organisation takes part in them."""

from dataclasses import dataclass
from enum import StrEnum

from domain.roles import Role


class Relation(StrEnum):
    """How an organisation takes part in a ticket; the read model keeps one row per party."""

    USE_UNIT = "use_unit"
    MAINTENANCE_UNIT = "maintenance_unit"
    # The unit the ticket is assigned to now or was before (a 困人救援 re-dispatched, the unit an order is addressed to).
    ASSIGNED = "assigned"
    # The organisation that reported the matter (a maintenance unit or an inspection agency that reported a 隐患).
    REPORTER = "reporter"


class Scope(StrEnum):
    USE_UNIT = "use_unit"
    MAINTENANCE_UNIT = "maintenance_unit"
    ASSIGNED = "assigned"
    REPORTER = "reporter"
    # The district regulator of the elevator's district.
    DISTRICT = "district"
    # The city regulator: every ticket.
    CITY = "city"
    # Whoever holds the role, e.g. the emergency platform's dispatcher.
    ANY = "any"


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: Scope
    # The states the grant applies in; None: every state (whether the action applies is the workflow's).
    states: frozenset[str] | None = None
