"""The ticket read model: projections land once, in seq order, and lists find what users filter for."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.kinds import TicketKind
from domain.roles import Actor, Role
from domain.tickets import ReportRef, TicketSnapshot, TimelineEvent
from store.database import Database
from store.models import Ticket, TicketEvent, TicketReport
from store.ticket_filters import TicketFilter
from store.ticket_listing import TicketRow
from store.tickets import TicketRepository

SHANGHAI = timezone(timedelta(hours=8))
ALARM_AT = datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=SHANGHAI)
DISPATCHER = Actor(
    user_id="u-dispatcher", name="王调度", organisation_id="emergency-110", role=Role.DISPATCHER
)
RESCUER = Actor(user_id="u-rescuer-shenda", name="李师傅", organisation_id="mu-shenda", role=Role.RESCUER)
TICKET_ID = "rescue-31011500001-alarm-A-1"


def snapshot(
    ticket_id: str = TICKET_ID,
    *,
    seq: int = 1,
    state: str = "dispatched",
    kind: TicketKind = TicketKind.RESCUE,
    district: str = "pudong",
    elevator_code: str = "31011500001",
    opened_at: datetime = ALARM_AT,
    overdue: bool = False,
) -> TicketSnapshot:
    return TicketSnapshot(
        ticket_id=ticket_id,
        kind=kind,
        state=state,
        seq=seq,
        workflow_id=f"rescue-{elevator_code}",
        run_id="run-1",
        elevator_code=elevator_code,
        district=district,
        use_unit_id="uu-lujiazui",
        maintenance_unit_id="mu-shenda",
        assigned_unit_id="mu-shenda",
        opened_at=opened_at,
        updated_at=opened_at + timedelta(minutes=seq),
        due_at=opened_at + timedelta(minutes=5),
        overdue=overdue,
        deadlines={"accept": opened_at + timedelta(minutes=5), "arrive": opened_at + timedelta(minutes=30)},
        flags=[],
        details={"address": "浦东新区陆家嘴环路 1000 号", "trapped": 2},
    )


def event(seq: int, action: str, state: str, actor: Actor | None = None) -> TimelineEvent:
    return TimelineEvent(
        seq=seq,
        at=ALARM_AT + timedelta(minutes=seq),
        action=action,
        state=state,
        actor=actor,
        note=f"第 {seq} 步",
        data={"step": seq},
    )


def report(source: str, ref: str, ticket_id: str = TICKET_ID) -> ReportRef:
    return ReportRef(source=source, ref=ref, ticket_id=ticket_id, received_at=ALARM_AT)


@pytest.fixture
def repo(database: Database) -> TicketRepository:
    return TicketRepository(database)


async def count(sessions: async_sessionmaker[AsyncSession], model: type[object]) -> int:
    async with sessions() as session:
        return (await session.scalar(select(func.count()).select_from(model))) or 0


async def test_projection_inserts_ticket_with_events_and_reports(repo: TicketRepository) -> None:
    await repo.apply_projection(
        snapshot(),
        [event(1, "report", "reported"), event(2, "dispatch", "dispatched", DISPATCHER)],
        [report("alarm", "A-1"), report("qr", "Q-9")],
    )

    ticket = await repo.get(TICKET_ID)
    assert ticket is not None
    assert (ticket.kind, ticket.state, ticket.seq) == ("rescue", "dispatched", 1)
    assert (ticket.district, ticket.elevator_code, ticket.assigned_unit_id) == (
        "pudong",
        "31011500001",
        "mu-shenda",
    )
    assert ticket.details == {"address": "浦东新区陆家嘴环路 1000 号", "trapped": 2}
    assert ticket.flags == []
    assert ticket.overdue is False
    assert ticket.closed_at is None

    timeline = await repo.timeline(TICKET_ID)
    assert [(e.seq, e.action, e.state) for e in timeline] == [
        (1, "report", "reported"),
        (2, "dispatch", "dispatched"),
    ]
    assert timeline[0].actor_user_id is None
    assert (timeline[1].actor_user_id, timeline[1].actor_name, timeline[1].actor_role) == (
        "u-dispatcher",
        "王调度",
        "dispatcher",
    )
    assert timeline[1].actor_organisation_id == "emergency-110"
    assert (timeline[1].note, timeline[1].data) == ("第 2 步", {"step": 2})

    assert {(r.source, r.ref) for r in await repo.reports(TICKET_ID)} == {("alarm", "A-1"), ("qr", "Q-9")}


async def test_datetimes_come_back_aware_utc_and_equal(repo: TicketRepository) -> None:
    projected = replace(snapshot(), closed_at=ALARM_AT + timedelta(hours=1))
    await repo.apply_projection(projected, [event(1, "report", "reported")], [report("alarm", "A-1")])

    ticket = await repo.get(TICKET_ID)
    assert ticket is not None
    stored = {
        "opened_at": ticket.opened_at,
        "updated_at": ticket.updated_at,
        "due_at": ticket.due_at,
        "closed_at": ticket.closed_at,
    }
    assert stored == {
        "opened_at": projected.opened_at,
        "updated_at": projected.updated_at,
        "due_at": projected.due_at,
        "closed_at": projected.closed_at,
    }
    for value in stored.values():
        assert value is not None
        assert value.utcoffset() == timedelta(0)
    assert ticket.opened_at.hour == 1  # 09:30 in Shanghai is 01:30 UTC
    assert {step: datetime.fromisoformat(at) for step, at in ticket.deadlines.items()} == projected.deadlines

    [stored_event] = await repo.timeline(TICKET_ID)
    assert stored_event.at == ALARM_AT + timedelta(minutes=1)
    assert stored_event.at.utcoffset() == timedelta(0)
    [stored_report] = await repo.reports(TICKET_ID)
    assert stored_report.received_at == ALARM_AT
    assert stored_report.received_at.utcoffset() == timedelta(0)


async def test_a_listed_ticket_holds_what_the_ticket_read_whole_holds(repo: TicketRepository) -> None:
    # Listings read rows past the ORM (on PostgreSQL, on the driver): the values must be the same.
    projected = replace(
        snapshot(),
        closed_at=ALARM_AT + timedelta(hours=1),
        flags=["overdue_notified"],
        spawned_from="hazard-31011500001-1",
        linked_tickets=["directive-1"],
    )
    await repo.apply_projection(projected, [event(1, "report", "reported")])

    [listed] = (await repo.list(TicketFilter(elevator_code="31011500001"), limit=10, offset=0)).items

    ticket = await repo.get(TICKET_ID)
    assert listed._asdict() == {name: getattr(ticket, name) for name in TicketRow._fields}
    assert listed.details == {"address": "浦东新区陆家嘴环路 1000 号", "trapped": 2}
    assert listed.opened_at == ALARM_AT
    assert listed.opened_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(repo: TicketRepository) -> None:
    naive = replace(snapshot(), opened_at=datetime(2026, 11, 25, 9, 30))
    with pytest.raises(StatementError, match="naive datetime"):
        await repo.apply_projection(naive, [])
    assert await repo.get(TICKET_ID) is None


async def test_applying_the_same_projection_twice_changes_nothing(
    repo: TicketRepository, sessions: async_sessionmaker[AsyncSession]
) -> None:
    events = [event(1, "report", "reported"), event(2, "dispatch", "dispatched", DISPATCHER)]
    reports = [report("alarm", "A-1")]

    await repo.apply_projection(snapshot(), events, reports)
    first = await repo.get(TICKET_ID)
    await repo.apply_projection(snapshot(), events, reports)
    second = await repo.get(TICKET_ID)

    assert await count(sessions, Ticket) == 1
    assert await count(sessions, TicketEvent) == 2
    assert await count(sessions, TicketReport) == 1
    assert first is not None
    assert second is not None
    assert (second.seq, second.state, second.updated_at) == (first.seq, first.state, first.updated_at)
    assert [e.seq for e in await repo.timeline(TICKET_ID)] == [1, 2]


async def test_newer_snapshot_replaces_the_ticket(repo: TicketRepository) -> None:
    await repo.apply_projection(snapshot(seq=2), [event(2, "dispatch", "dispatched", DISPATCHER)])
    closed_at = ALARM_AT + timedelta(minutes=50)
    newer = replace(
        snapshot(seq=5, state="closed"),
        assigned_unit_id="rs-pudong",
        due_at=None,
        overdue=True,
        closed_at=closed_at,
        flags=["arrival_overdue"],
        details={"address": "浦东新区陆家嘴环路 1000 号", "trapped": 2, "released": 2},
    )
    await repo.apply_projection(newer, [event(5, "confirm", "closed")])

    ticket = await repo.get(TICKET_ID)
    assert ticket is not None
    assert (ticket.seq, ticket.state, ticket.assigned_unit_id) == (5, "closed", "rs-pudong")
    assert (ticket.due_at, ticket.overdue, ticket.closed_at) == (None, True, closed_at)
    assert ticket.flags == ["arrival_overdue"]
    assert ticket.details["released"] == 2
    assert [e.seq for e in await repo.timeline(TICKET_ID)] == [2, 5]


async def test_older_snapshot_arriving_late_keeps_the_newer_ticket_but_adds_its_events(
    repo: TicketRepository,
) -> None:
    await repo.apply_projection(snapshot(seq=1, state="reported"), [event(1, "report", "reported")])
    # The projection of seq 3 overtakes the one of seq 2.
    await repo.apply_projection(snapshot(seq=3, state="on_site"), [event(3, "arrive", "on_site", RESCUER)])
    await repo.apply_projection(
        snapshot(seq=2, state="accepted"),
        [event(2, "accept", "accepted", RESCUER)],
        [report("call", "110-7")],
    )

    ticket = await repo.get(TICKET_ID)
    assert ticket is not None
    assert (ticket.seq, ticket.state) == (3, "on_site")
    assert ticket.updated_at == snapshot(seq=3).updated_at
    timeline = await repo.timeline(TICKET_ID)
    assert [(e.seq, e.action) for e in timeline] == [(1, "report"), (2, "accept"), (3, "arrive")]
    assert await _ticket_id_for_report(repo, "call", "110-7") == TICKET_ID


async def test_timeline_is_ordered_by_seq_whatever_the_insert_order(repo: TicketRepository) -> None:
    await repo.apply_projection(
        snapshot(seq=4), [event(4, "release", "released"), event(3, "arrive", "on_site")]
    )
    await repo.apply_projection(
        snapshot(seq=4), [event(1, "report", "reported"), event(2, "accept", "accepted")]
    )

    assert [e.seq for e in await repo.timeline(TICKET_ID)] == [1, 2, 3, 4]
    assert await repo.timeline("rescue-unknown") == []


async def test_ticket_for_report_finds_the_ticket_a_report_belongs_to_forever(repo: TicketRepository) -> None:
    other_id = "rescue-31011500002-alarm-A-2"
    await repo.apply_projection(snapshot(), [], [report("alarm", "A-1"), report("qr", "Q-9")])
    await repo.apply_projection(
        snapshot(other_id, elevator_code="31011500002"),
        [],
        [report("alarm", "A-2", other_id), report("alarm", "A-1", other_id)],
    )

    assert await _ticket_id_for_report(repo, "alarm", "A-1") == TICKET_ID
    assert await _ticket_id_for_report(repo, "qr", "Q-9") == TICKET_ID
    assert await _ticket_id_for_report(repo, "alarm", "A-2") == other_id
    assert await _ticket_id_for_report(repo, "call", "A-1") is None
    assert await _ticket_id_for_report(repo, "alarm", "A-404") is None
    found = await repo.ticket_for_report("alarm", "A-2")
    assert found is not None
    assert (found.elevator_code, found.state) == ("31011500002", snapshot().state)


async def _ticket_id_for_report(repo: TicketRepository, source: str, ref: str) -> str | None:
    ticket = await repo.ticket_for_report(source, ref)
    return ticket.ticket_id if ticket is not None else None


DAY = datetime(2026, 1, 10, tzinfo=UTC)
# id: (kind, state, district, elevator, overdue, opened_at)
LISTED: dict[str, tuple[TicketKind, str, str, str, bool, datetime]] = {
    "t1": (TicketKind.RESCUE, "dispatched", "pudong", "31011500001", True, DAY),
    "t2": (TicketKind.RESCUE, "closed", "pudong", "31011500002", False, DAY + timedelta(days=1)),
    "t3": (TicketKind.FAULT_REPAIR, "accepted", "xuhui", "31010400001", False, DAY + timedelta(days=2)),
    "t4": (TicketKind.RESCUE, "dispatched", "jingan", "31010600001", True, DAY + timedelta(days=3)),
    "t5": (TicketKind.COMPLAINT, "dispatched", "xuhui", "31010400001", False, DAY + timedelta(days=4)),
}


@pytest.fixture
async def listed(repo: TicketRepository) -> TicketRepository:
    for ticket_id, (kind, state, district, elevator, overdue, opened_at) in LISTED.items():
        await repo.apply_projection(
            snapshot(
                ticket_id,
                kind=kind,
                state=state,
                district=district,
                elevator_code=elevator,
                overdue=overdue,
                opened_at=opened_at,
            ),
            [],
        )
    return repo


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(TicketFilter(), ["t5", "t4", "t3", "t2", "t1"], id="none-newest-first"),
        pytest.param(TicketFilter(kind="rescue"), ["t4", "t2", "t1"], id="kind"),
        pytest.param(TicketFilter(state="dispatched"), ["t5", "t4", "t1"], id="state"),
        pytest.param(TicketFilter(district="xuhui"), ["t5", "t3"], id="district"),
        pytest.param(TicketFilter(elevator_code="31011500002"), ["t2"], id="elevator"),
        pytest.param(TicketFilter(overdue=True), ["t4", "t1"], id="overdue"),
        pytest.param(TicketFilter(overdue=False), ["t5", "t3", "t2"], id="not-overdue"),
        # opened_from is inclusive, opened_to exclusive; a Shanghai-time bound means the same instant.
        pytest.param(
            TicketFilter(
                opened_from=datetime(2026, 1, 11, 8, tzinfo=SHANGHAI), opened_to=DAY + timedelta(days=3)
            ),
            ["t3", "t2"],
            id="opened-range",
        ),
        pytest.param(
            TicketFilter(kind="rescue", state="dispatched", district="pudong", overdue=True),
            ["t1"],
            id="combined",
        ),
        pytest.param(TicketFilter(district="lingang"), [], id="no-match"),
    ],
)
async def test_list_filters(listed: TicketRepository, filters: TicketFilter, expected: list[str]) -> None:
    page = await listed.list(filters, limit=50, offset=0)

    assert [ticket.ticket_id for ticket in page.items] == expected
    assert page.total == len(expected)


@pytest.mark.parametrize(
    ("filters", "offset", "expected"),
    [
        pytest.param(TicketFilter(), 0, ["t5", "t4"], id="first-page"),
        pytest.param(TicketFilter(), 2, ["t3", "t2"], id="second-page"),
        pytest.param(TicketFilter(), 4, ["t1"], id="last-page"),
        pytest.param(TicketFilter(), 6, [], id="past-the-end"),
        pytest.param(TicketFilter(kind="rescue"), 2, ["t1"], id="filtered"),
    ],
)
async def test_list_paginates_with_the_total_of_all_matches(
    listed: TicketRepository, filters: TicketFilter, offset: int, expected: list[str]
) -> None:
    everything = await listed.list(filters, limit=100, offset=0)

    page = await listed.list(filters, limit=2, offset=offset)

    assert [ticket.ticket_id for ticket in page.items] == expected
    assert page.total == everything.total
