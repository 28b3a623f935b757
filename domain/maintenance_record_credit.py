"""What 维保记录确认 adds to a maintenance unit's credit: intervals over 15 days, records disputed."""

from __future__ import annotations

from domain.credit_model import (
    PLATFORM_DEFAULT,
    CreditRule,
    KindCredit,
    TicketFacts,
    UnitIndicators,
    UnitRole,
    having,
)
from domain.maintenance_record import MISSED_MAINTENANCE_PREFIX

MISSED = "maintenance_intervals_missed"
DISPUTED = "maintenance_records_disputed"


def _answerable(ticket: TicketFacts) -> list[tuple[str, UnitRole]]:
    return [(ticket.maintenance_unit_id, UnitRole.MAINTENANCE_UNIT)]


def _measure(indicators: UnitIndicators, tickets: list[TicketFacts]) -> None:
    missed = [t for t in having(tickets, "escalated") if t.ticket_id.startswith(MISSED_MAINTENANCE_PREFIX)]
    indicators.count_tickets(MISSED, missed)
    indicators.count_tickets(DISPUTED, having(tickets, "dispute"))


CREDIT = KindCredit(
    answerable=_answerable,
    measure=_measure,
    rules=(
        CreditRule(MISSED, "超过15日未维保", UnitRole.MAINTENANCE_UNIT, 5, PLATFORM_DEFAULT),
        CreditRule(DISPUTED, "维保记录被提出异议", UnitRole.MAINTENANCE_UNIT, 0, PLATFORM_DEFAULT),
    ),
)
