"""What 投诉 adds to credit: a complaint found to have grounds (移送违法线索) counts against the unit named."""

from __future__ import annotations

from domain.credit_model import (
    PLATFORM_DEFAULT,
    CreditRule,
    KindCredit,
    TicketFacts,
    UnitIndicators,
    UnitRole,
)

SUBSTANTIATED = "complaints_substantiated"


def _answerable(ticket: TicketFacts) -> list[tuple[str, UnitRole]]:
    # The platform records no "属实" verdict of its own: a complaint whose handling referred a violation
    # by a named unit is the one found to have grounds, and it counts against that unit.
    suspect = ticket.details.get("suspect_unit_id")
    if not ticket.has("refer_violation") or not isinstance(suspect, str) or not suspect:
        return []
    return [(suspect, ticket.role_of(suspect))]


def _measure(indicators: UnitIndicators, complaints: list[TicketFacts]) -> None:
    indicators.count_tickets(SUBSTANTIATED, complaints)


CREDIT = KindCredit(
    answerable=_answerable,
    measure=_measure,
    rules=tuple(
        CreditRule(SUBSTANTIATED, "投诉经核实移送违法线索", role, 2, PLATFORM_DEFAULT)
        for role in (UnitRole.MAINTENANCE_UNIT, UnitRole.USE_UNIT)
    ),
)
