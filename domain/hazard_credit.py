"""What 隐患 adds to credit: the use unit's rectification past its date, the inspection agency's checks."""

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

UNRECTIFIED = "hazards_unrectified_by_date"
FILED_BY_AGENCY = "hazards_filed_by_agency"
VERIFIED_LATE = "hazard_verifications_late"


def _answerable(ticket: TicketFacts) -> list[tuple[str, UnitRole]]:
    units = [(ticket.use_unit_id, UnitRole.USE_UNIT)]
    agency = ticket.details.get("reporter_unit_id")
    # An inspection agency that filed the hazard verifies its rectification.
    if ticket.details.get("reporter_role") == "inspector" and isinstance(agency, str) and agency:
        units.append((agency, UnitRole.INSPECTION_AGENCY))
    return units


def _measure(indicators: UnitIndicators, hazards: list[TicketFacts]) -> None:
    if indicators.role is UnitRole.INSPECTION_AGENCY:
        indicators.count_tickets(FILED_BY_AGENCY, hazards)
        indicators.count_tickets(VERIFIED_LATE, having(hazards, "escalated", "hazard.verify"))
        return
    indicators.count_tickets(UNRECTIFIED, having(hazards, "escalated", "hazard.rectify"))


CREDIT = KindCredit(
    answerable=_answerable,
    measure=_measure,
    rules=(
        CreditRule(UNRECTIFIED, "隐患逾期未整改", UnitRole.USE_UNIT, 5, PLATFORM_DEFAULT),
        CreditRule(VERIFIED_LATE, "隐患整改逾期未核实", UnitRole.INSPECTION_AGENCY, 2, PLATFORM_DEFAULT),
    ),
    figure_labels={FILED_BY_AGENCY: "上报隐患"},
)
