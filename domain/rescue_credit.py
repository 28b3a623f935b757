"""What 困人救援 adds to a maintenance unit's credit: answer within 3 minutes, on site within 30."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.credit_model import (
    FUJIAN_2016,
    CreditRule,
    Figure,
    KindCredit,
    TicketFacts,
    UnitIndicators,
    UnitRole,
    having,
    percentile,
    share,
)

ACCEPT_WITHIN = timedelta(minutes=3)
ARRIVE_WITHIN = timedelta(minutes=30)

RESCUES = "rescues"
ACCEPTED_WITHIN_3_MIN = "rescues_accepted_within_3_min"
ARRIVED_WITHIN_30_MIN = "rescues_arrived_within_30_min"
LATE_ARRIVALS = "rescue_late_arrivals"
UNANSWERED = "rescue_dispatches_unanswered"
ACCIDENTS = "rescue_accidents"


def _answerable(ticket: TicketFacts) -> list[tuple[str, UnitRole]]:
    return [(ticket.maintenance_unit_id, UnitRole.MAINTENANCE_UNIT)]


def _alarm_at(ticket: TicketFacts) -> datetime:
    alarm_at = ticket.details.get("alarm_at")
    return datetime.fromisoformat(alarm_at) if isinstance(alarm_at, str) else ticket.opened_at


def _accepted_in_time(ticket: TicketFacts, unit: str) -> bool:
    # Accepted by the unit itself: a rescue the station took over after a silent duty line does not count.
    accept = ticket.first("accept")
    return (
        accept is not None
        and accept.organisation_id == unit
        and accept.at - _alarm_at(ticket) <= ACCEPT_WITHIN
    )


def _arrival_minutes(ticket: TicketFacts) -> float | None:
    arrive = ticket.first("arrive")
    if arrive is None:
        return None
    return round((arrive.at - _alarm_at(ticket)).total_seconds() / 60, 1)


def _measure(indicators: UnitIndicators, rescues: list[TicketFacts]) -> None:
    ids = tuple(ticket.ticket_id for ticket in rescues)
    in_time = [ticket for ticket in rescues if _accepted_in_time(ticket, indicators.unit_id)]
    arrivals = {ticket.ticket_id: _arrival_minutes(ticket) for ticket in rescues}
    minutes = [value for value in arrivals.values() if value is not None]
    limit = ARRIVE_WITHIN.total_seconds() / 60
    on_site: list[tuple[str, ...]] = [
        (tid,) for tid, value in arrivals.items() if value is not None and value <= limit
    ]
    indicators.count_tickets(RESCUES, rescues)
    indicators.count_tickets(ACCEPTED_WITHIN_3_MIN, in_time)
    indicators.count(ARRIVED_WITHIN_30_MIN, on_site)
    indicators.figures["rescue_accept_within_3_min_rate"] = Figure(share(len(in_time), len(rescues)), ids)
    indicators.figures["rescue_arrive_within_30_min_share"] = Figure(share(len(on_site), len(minutes)), ids)
    indicators.figures["rescue_arrival_median_minutes"] = Figure(percentile(minutes, 50), ids)
    indicators.figures["rescue_arrival_p90_minutes"] = Figure(percentile(minutes, 90), ids)
    indicators.count_tickets(LATE_ARRIVALS, having(rescues, "arrival_overdue"))
    # Nobody answered the dispatch in time, so the rescue station was sent instead.
    indicators.count_tickets(UNANSWERED, having(rescues, "redispatch"))
    indicators.count_tickets(ACCIDENTS, having(rescues, "accident"))


CREDIT = KindCredit(
    answerable=_answerable,
    measure=_measure,
    rules=(
        CreditRule(LATE_ARRIVALS, "困人救援超过30分钟到场", UnitRole.MAINTENANCE_UNIT, 10, FUJIAN_2016),
        CreditRule(UNANSWERED, "救援派单未应答（转派救援站）", UnitRole.MAINTENANCE_UNIT, 5, FUJIAN_2016),
        CreditRule(
            ACCIDENTS,
            "困人超过2小时（事故）",
            UnitRole.MAINTENANCE_UNIT,
            0,
            "议题：考核期内发生事故，一票否决（D级）",
            veto=True,
        ),
    ),
    figure_labels={
        RESCUES: "困人救援",
        ACCEPTED_WITHIN_3_MIN: "3分钟内接单",
        ARRIVED_WITHIN_30_MIN: "30分钟内到场",
        "rescue_accept_within_3_min_rate": "3分钟响应率",
        "rescue_arrive_within_30_min_share": "30分钟到场率",
        "rescue_arrival_median_minutes": "到场时间中位数（分钟）",
        "rescue_arrival_p90_minutes": "到场时间P90（分钟）",
    },
)
