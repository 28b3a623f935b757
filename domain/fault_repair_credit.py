"""What 故障维修 adds to a maintenance unit's credit: repairs per car, and cars that fault again and again."""

from __future__ import annotations

from collections import defaultdict

from domain.credit_model import (
    FUJIAN_2016,
    CreditRule,
    Figure,
    KindCredit,
    TicketFacts,
    UnitIndicators,
    UnitRole,
)

# A car with this many repairs of one fault in a month is a repeat fault.
REPEAT_FAULT_COUNT = 3

REPAIRS = "fault_repairs"
REPEAT_FAULTS = "fault_repair_repeats"


def _answerable(ticket: TicketFacts) -> list[tuple[str, UnitRole]]:
    return [(ticket.maintenance_unit_id, UnitRole.MAINTENANCE_UNIT)]


def _fault_as_filed(ticket: TicketFacts) -> str:
    # The repairer's diagnosis overwrites the ticket's fault type; its first step keeps what was filed.
    filed = ticket.steps[0].data.get("fault_type") if ticket.steps else None
    return str(filed or ticket.details.get("fault_type") or "")


def _measure(indicators: UnitIndicators, repairs: list[TicketFacts]) -> None:
    indicators.count_tickets(REPAIRS, repairs)
    per_car = round(len(repairs) / indicators.elevators, 3) if indicators.elevators else None
    indicators.figures["fault_repairs_per_elevator"] = Figure(per_car, tuple(t.ticket_id for t in repairs))
    by_fault: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ticket in repairs:
        by_fault[(ticket.elevator_code, _fault_as_filed(ticket))].append(ticket.ticket_id)
    repeats = [tuple(ids) for _car, ids in sorted(by_fault.items()) if len(ids) >= REPEAT_FAULT_COUNT]
    indicators.count(REPEAT_FAULTS, repeats)


CREDIT = KindCredit(
    answerable=_answerable,
    measure=_measure,
    rules=(
        CreditRule(
            REPEAT_FAULTS, "同一电梯同一故障月内3次及以上", UnitRole.MAINTENANCE_UNIT, 10, FUJIAN_2016
        ),
    ),
    figure_labels={REPAIRS: "故障维修", "fault_repairs_per_elevator": "每台电梯月故障维修次数"},
)
