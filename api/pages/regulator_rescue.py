"""The 困人救援's part of the regulator's dashboard: minutes from alarm to arrival against the legal limit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.deps import Resources
from api.pages.charts import Arrival, arrival_chart
from api.pages.staff_views import TicketView
from domain.kinds import TicketKind
from domain.permissions import Principal
from domain.policies import policy_table
from store.ticket_filters import TicketFilter

RECENT_ARRIVALS = 20
_RESCUE_SCAN = 200


async def _arrivals(resources: Resources, principal: Principal) -> list[Arrival]:
    page = await resources.tickets.list(
        TicketFilter(kind=TicketKind.RESCUE.value, visible_to=principal), limit=_RESCUE_SCAN, offset=0
    )
    arrivals = []
    for ticket in page.items:
        minutes = ticket.details.get("arrival_minutes")
        if isinstance(minutes, int | float):
            alarm_at = ticket.details.get("alarm_at")
            at = datetime.fromisoformat(alarm_at) if isinstance(alarm_at, str) else ticket.opened_at
            arrivals.append(Arrival(ticket_id=ticket.ticket_id, alarm_at=at, minutes=float(minutes)))
    # The page lists newest first: the chart takes the most recent ones.
    return sorted(arrivals, key=lambda arrival: arrival.alarm_at)[-RECENT_ARRIVALS:]


async def dashboard(resources: Resources, principal: Principal, overdue: list[TicketView]) -> dict[str, Any]:
    """Arrival minutes of recent rescues against the limit."""
    arrive_limit = policy_table(resources.settings.policy_overrides)["rescue.arrive"].duration()
    arrivals = await _arrivals(resources, principal)
    return {"arrival_chart": arrival_chart(arrivals, arrive_limit.total_seconds() / 60)}
