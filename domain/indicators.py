"""Every unit's indicators for a month, each kind's tickets measured by the kind's own declaration."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from domain.credit_model import Period, TicketFacts, UnitIndicators, UnitRole
from domain.kind_registry import CREDITS, KINDS
from domain.kinds import TicketKind


def unit_indicators(
    facts: Iterable[TicketFacts], period: Period, elevators_maintained: Mapping[str, int]
) -> list[UnitIndicators]:
    """One entry per unit and role that answered for a ticket of the month, by role, then unit."""
    buckets: dict[tuple[UnitRole, str], dict[TicketKind, list[TicketFacts]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for ticket in facts:
        credit = CREDITS.get(ticket.kind)
        if credit is None:
            continue
        for unit, role in credit.answerable(ticket):
            buckets[(role, unit)][ticket.kind].append(ticket)
    result = []
    for (role, unit), by_kind in sorted(buckets.items()):
        indicators = UnitIndicators(unit, role, period.month, elevators=elevators_maintained.get(unit, 0))
        for spec in KINDS:
            tickets = by_kind.get(spec.kind)
            if tickets:
                indicators.sample.update(ticket.ticket_id for ticket in tickets)
                CREDITS[spec.kind].measure(indicators, tickets)
        result.append(indicators)
    return result
