"""Read-model rows as the store hands them back, for tests of what the API writes from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.ticket_listing import TicketRow

OPENED = datetime(2026, 11, 2, 8, 30, 15, 123456, tzinfo=UTC)


def ticket_row(kind: str, state: str, *, closed: bool) -> TicketRow:
    """A ticket of `kind` in `state`, with every value shape a column can hand back (JSON, times, None)."""
    return TicketRow(
        ticket_id=f"{kind}-{state}",
        kind=kind,
        state=state,
        seq=3,
        workflow_id=f"{kind}-{state}",
        run_id="0199-run",
        elevator_code="31010000001",
        district="pudong",
        use_unit_id="uu-1",
        maintenance_unit_id="mu-1",
        assigned_unit_id="mu-1",
        opened_at=OPENED,
        updated_at=OPENED + timedelta(minutes=7),
        due_at=None if closed else OPENED + timedelta(days=15),
        overdue=not closed,
        closed_at=OPENED + timedelta(days=3) if closed else None,
        deadlines={"main": "2026-11-17T00:00:00+00:00", "reply": "2026-11-20T16:00:00+08:00"},
        provisional_deadlines=["reply"],
        flags=["overdue_notified"],
        details={
            "description": "轿厢内有人<被困>",
            "floor": 3,
            "ratio": 0.1,
            "nested": {"a": [1, None]},
        },
        spawned_from=None,
        linked_tickets=["hazard-1"],
        number_prefix="KR-PD-20261102",
        number_serial=7,
    )
