"""工单编号: each stored ticket gets the next serial of its kind, district and day, once, for good."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from domain.kinds import TicketKind
from store.database import Database
from store.tickets import TicketRepository
from tests.store.test_tickets import ALARM_AT, event, snapshot


async def _number(repo: TicketRepository, ticket_id: str) -> str | None:
    stored = await repo.get(ticket_id)
    assert stored is not None
    return stored.number


async def test_tickets_are_numbered_by_kind_district_and_day_in_the_order_they_are_stored(
    database: Database,
) -> None:
    repo = TicketRepository(database)
    # ALARM_AT is 2026-11-25 09:30 in Shanghai: the day in the number is Shanghai's.
    opened = [
        snapshot("rescue-a"),
        snapshot("rescue-b"),
        snapshot("rescue-xuhui", district="xuhui", elevator_code="31010400001"),
        snapshot("hazard-a", kind=TicketKind.HAZARD),
        snapshot("rescue-next-day", opened_at=ALARM_AT + timedelta(days=1)),
        snapshot("rescue-c"),
    ]
    for ticket in opened:
        await repo.apply_projection(ticket, [event(1, "report", "reported")])

    assert [await _number(repo, ticket.ticket_id) for ticket in opened] == [
        "KR-PD-20261125-0001",
        "KR-PD-20261125-0002",
        "KR-XH-20261125-0001",
        "YH-PD-20261125-0001",
        "KR-PD-20261126-0001",
        "KR-PD-20261125-0003",
    ]
    # Later projections, and a projection applied again, keep the number the ticket was given.
    await repo.apply_projection(replace(opened[0], seq=2, state="accepted"), [event(2, "accept", "accepted")])
    await repo.apply_projection(opened[1], [event(1, "report", "reported")])
    assert await _number(repo, "rescue-a") == "KR-PD-20261125-0001"
    assert await _number(repo, "rescue-b") == "KR-PD-20261125-0002"


async def test_tickets_stored_at_once_get_serials_one_to_n(database: Database) -> None:
    # An alarm storm in one district: on PostgreSQL the new tickets of one prefix take turns at the serial.
    repo = TicketRepository(database)
    tickets = [snapshot(f"rescue-{n}", elevator_code=f"3101150000{n:02d}") for n in range(60)]

    await asyncio.gather(*(repo.apply_projection(t, [event(1, "report", "reported")]) for t in tickets))

    numbers = sorted([await _number(repo, t.ticket_id) or "" for t in tickets])
    assert numbers == [f"KR-PD-20261125-{n:04d}" for n in range(1, 61)]
