"""What 安全监察指令书 adds to the addressed unit's credit: orders received, closed on time, late."""

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

RECEIVED = "directives_received"
CLOSED_ON_TIME = "directives_closed_on_time"
LATE = "directives_rectified_late"


def _answerable(ticket: TicketFacts) -> list[tuple[str, UnitRole]]:
    addressee = str(ticket.details.get("addressee_unit_id") or ticket.assigned_unit_id)
    return [(addressee, ticket.role_of(addressee))]


def _measure(indicators: UnitIndicators, directives: list[TicketFacts]) -> None:
    late = having(directives, "rectify_overdue")
    late_ids = {ticket.ticket_id for ticket in late}
    on_time = [ticket for ticket in having(directives, "verify_pass") if ticket.ticket_id not in late_ids]
    indicators.count_tickets(RECEIVED, directives)
    indicators.count_tickets(CLOSED_ON_TIME, on_time)
    indicators.count_tickets(LATE, late)


CREDIT = KindCredit(
    answerable=_answerable,
    measure=_measure,
    rules=tuple(
        CreditRule(LATE, "指令书逾期未整改", role, 10, PLATFORM_DEFAULT)
        for role in (UnitRole.MAINTENANCE_UNIT, UnitRole.USE_UNIT)
    ),
    figure_labels={RECEIVED: "收到安全监察指令书", CLOSED_ON_TIME: "指令书按期整改办结"},
)
