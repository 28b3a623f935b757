"""A 困人救援 as a projection stores it, on the seeded pudong units: for tests that need a stored ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.kinds import TicketKind
from domain.tickets import TicketSnapshot

SEEDED_ELEVATOR = "31011500001"


def rescue_snapshot(ticket_id: str, at: datetime, **fields: Any) -> TicketSnapshot:
    """Dispatched to mu-shenda for uu-lujiazui in pudong, opened and updated `at`; `fields` override."""
    values: dict[str, Any] = {
        "ticket_id": ticket_id,
        "kind": TicketKind.RESCUE,
        "state": "dispatched",
        "seq": 1,
        "workflow_id": f"wf-{ticket_id}",
        "run_id": "run-1",
        "elevator_code": SEEDED_ELEVATOR,
        "district": "pudong",
        "use_unit_id": "uu-lujiazui",
        "maintenance_unit_id": "mu-shenda",
        "assigned_unit_id": "mu-shenda",
        "opened_at": at,
        "updated_at": at,
    }
    return TicketSnapshot(**(values | fields))
