"""The ticket read model: idempotent projection in, filtered pages out."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.channels import ticket_audiences
from domain.kinds import TicketKind
from domain.permissions import Principal, ticket_parties
from domain.scopes import Relation
from domain.tickets import ReportRef, TicketSnapshot, TimelineEvent
from store import ticket_reads as reads
from store.channels import fan_out_rows, fan_out_statement
from store.database import Database, Step
from store.models import Ticket, TicketEvent, TicketParty, TicketReport
from store.outbox import OutboxStatements, QueuedMail, queued_rows
from store.ticket_filters import (
    OpenCount,
    TicketFilter,
    listing_shape,
    open_condition,
    visible_to_condition,
)
from store.ticket_listing import TicketPage, TicketRow, listing_statements
from store.ticket_reads import EventRow, ReportRow
from store.ticket_rows import NUMBER_PREFIX, ProjectionStatements, event_row, ticket_row

_PARTY_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class TicketDetail:
    ticket: TicketRow
    timeline: list[EventRow]
    reports: list[ReportRow]
    spawned: list[str]


def _timeline(session: Session, ticket_id: str) -> list[TicketEvent]:
    result = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.seq)
    )
    return list(result)


def _reports(session: Session, ticket_id: str) -> list[TicketReport]:
    result = session.scalars(
        select(TicketReport)
        .where(TicketReport.ticket_id == ticket_id)
        .order_by(TicketReport.received_at, TicketReport.source, TicketReport.ref)
    )
    return list(result)


def _spawned_by(session: Session, ticket_id: str) -> list[str]:
    result = session.scalars(
        select(Ticket.ticket_id).where(Ticket.spawned_from == ticket_id).order_by(Ticket.opened_at)
    )
    return list(result)


def _parties(session: Session, ticket_id: str) -> dict[Relation, set[str]]:
    rows = session.execute(
        select(TicketParty.relation, TicketParty.organisation_id).where(TicketParty.ticket_id == ticket_id)
    )
    parties: dict[Relation, set[str]] = {}
    for relation, organisation_id in rows:
        parties.setdefault(Relation(relation), set()).add(organisation_id)
    return parties


def count_open(session: Session, visible_to: Principal | None) -> list[OpenCount]:
    """Open tickets by kind and district, with how many are overdue: those `visible_to` sees, or all."""
    visible = [] if visible_to is None else [visible_to_condition(visible_to)]
    rows = session.execute(
        select(
            Ticket.kind,
            Ticket.district,
            func.count(),
            func.sum(case((Ticket.overdue == true(), 1), else_=0)),
        )
        .where(open_condition(), *visible)
        .group_by(Ticket.kind, Ticket.district)
        .order_by(Ticket.district, Ticket.kind)
    ).all()
    return [
        OpenCount(kind=kind, district=district, open=total, overdue=int(overdue or 0))
        for kind, district, total, overdue in rows
    ]


# Tries at a ticket's number when a ticket first stored by a later projection (without the number lock)
# meets another new ticket of its prefix.
_NUMBER_ATTEMPTS = 5


class TicketRepository:
    def __init__(self, database: Database) -> None:
        self._database = database
        # The projection's statements, built once: building them per call cost more CPU than running them.
        self._projection = ProjectionStatements.build(database.dialect)
        self._outbox = OutboxStatements.build(database.dialect)
        self._fan_out = fan_out_statement(database.dialect)
        self._stored_parties: OrderedDict[str, frozenset[tuple[Relation, str]]] = OrderedDict()

    async def apply_projection(
        self,
        snapshot: TicketSnapshot,
        events: Sequence[TimelineEvent],
        reports: Sequence[ReportRef] = (),
        mails: Sequence[QueuedMail] = (),
        queued_at: datetime | None = None,
        claimed_until: datetime | None = None,
    ) -> list[str]:
        """Upsert the ticket unless a later snapshot is already stored; add events, reports and mails once.

        One transaction: the mails a step sends are in the outbox exactly when the step is in the store.
        `queued_at` is the sender's clock (the delivery loop's), not the workflow's, which a test may skip.
        With `claimed_until` the mails are queued claimed until then, for the caller's delivery to send
        without a claim of its own: the keys it inserted are returned (not those a repeat finds queued).
        """
        row = ticket_row(snapshot)
        parties = frozenset(
            ticket_parties(
                snapshot.use_unit_id,
                snapshot.maintenance_unit_id,
                snapshot.assigned_unit_id,
                snapshot.details,
            )
        )
        # Parties are only ever added; those this process has stored for the ticket need no statement.
        new_parties = parties - self._stored_parties.get(snapshot.ticket_id, frozenset())

        statements = self._projection
        steps: list[Step] = []
        if statements.number_lock is not None and snapshot.seq <= 1:
            # A ticket's first projection is where its row, and its number, may be new.
            steps.append((statements.number_lock, [{NUMBER_PREFIX: row[NUMBER_PREFIX]}]))
        steps += [
            (statements.ticket_upsert, [row]),
            (statements.event_insert, [event_row(snapshot.ticket_id, event) for event in events]),
            (
                statements.party_insert,
                [
                    {"ticket_id": snapshot.ticket_id, "organisation_id": org, "relation": relation.value}
                    for relation, org in new_parties
                ],
            ),
            (
                statements.report_insert,
                [
                    {
                        "source": report.source,
                        "ref": report.ref,
                        "ticket_id": report.ticket_id,
                        "received_at": report.received_at,
                    }
                    for report in reports
                ],
            ),
            # Each step to the webhooks and duty-room robots that may hear of it (domain/channels.py).
            (
                self._fan_out,
                fan_out_rows(
                    snapshot,
                    events,
                    ticket_audiences(snapshot.kind, snapshot.district, parties),
                    queued_at or snapshot.updated_at,
                ),
            ),
            (
                self._outbox.queue if claimed_until is None else self._outbox.queue_claimed,
                queued_rows(mails, queued_at or snapshot.updated_at, claimed_until),
            ),
        ]
        for attempt in range(_NUMBER_ATTEMPTS):
            try:
                *_, claimed = await self._database.execute(*steps)
                break
            except IntegrityError as error:
                # Two new tickets of one prefix stored at the same instant on PostgreSQL took the same
                # serial (one not under the number lock); the one refused takes the next at once
                # (nothing of its transaction was kept).
                if "uq_tickets_number" not in str(error.orig) or attempt == _NUMBER_ATTEMPTS - 1:
                    raise
        if new_parties:
            self._remember_parties(
                snapshot.ticket_id, parties | self._stored_parties.get(snapshot.ticket_id, frozenset())
            )
        return [key for (key,) in claimed]

    def _remember_parties(self, ticket_id: str, parties: frozenset[tuple[Relation, str]]) -> None:
        self._stored_parties[ticket_id] = parties
        self._stored_parties.move_to_end(ticket_id)
        while len(self._stored_parties) > _PARTY_CACHE_SIZE:
            self._stored_parties.popitem(last=False)

    async def get(self, ticket_id: str) -> Ticket | None:
        return await self._database.read(lambda session: session.get(Ticket, ticket_id))

    async def by_tracking_digest(self, digest: str) -> Ticket | None:
        """The ticket a member of the public follows with the token of this SHA-256 digest."""
        return await self._database.read(
            lambda session: session.scalars(select(Ticket).where(Ticket.tracking_digest == digest)).first()
        )

    async def latest_detail_time(
        self, elevator_code: str, kind: TicketKind, state: str, detail: str
    ) -> datetime | None:
        """The latest time in `detail` among the elevator's tickets of `kind` in `state`, or None."""
        details = await self._database.read(
            lambda session: list(
                session.scalars(
                    select(Ticket.details).where(
                        Ticket.elevator_code == elevator_code,
                        Ticket.kind == kind.value,
                        Ticket.state == state,
                    )
                )
            )
        )
        # Tickets arrive in any order (a late record of an earlier visit): the time in the ticket decides.
        times = [datetime.fromisoformat(d[detail]) for d in details if d.get(detail)]
        return max(times, default=None)

    async def timeline(self, ticket_id: str) -> list[TicketEvent]:
        return await self._database.read(lambda session: _timeline(session, ticket_id))

    async def reports(self, ticket_id: str) -> list[TicketReport]:
        return await self._database.read(lambda session: _reports(session, ticket_id))

    async def spawned_by(self, ticket_id: str) -> list[str]:
        """The tickets opened from this one, oldest first."""
        return await self._database.read(lambda session: _spawned_by(session, ticket_id))

    async def parties(self, ticket_id: str) -> dict[Relation, set[str]]:
        """Every organisation the ticket involves or has involved, by relation."""
        return await self._database.read(lambda session: _parties(session, ticket_id))

    async def detail(self, ticket_id: str) -> TicketDetail | None:
        """The ticket with its timeline, reports and the tickets opened from it, read on one connection."""
        ticket, timeline, reports, spawned = await self._database.lookup(
            reads.TICKET, reads.TIMELINE, reads.REPORTS, reads.SPAWNED, values={"ticket_id": ticket_id}
        )
        if not ticket:
            return None
        return TicketDetail(
            TicketRow(*ticket[0]),
            [EventRow(*row) for row in timeline],
            [ReportRow(*row) for row in reports],
            [row[0] for row in spawned],
        )

    async def with_parties(self, ticket_id: str) -> tuple[TicketRow, dict[Relation, set[str]]] | None:
        """The ticket and its parties (what a permission check needs), read on one connection."""
        ticket, parties = await self._database.lookup(
            reads.TICKET, reads.PARTIES, values={"ticket_id": ticket_id}
        )
        if not ticket:
            return None
        by_relation: dict[Relation, set[str]] = {}
        for relation, organisation_id in parties:
            by_relation.setdefault(Relation(relation), set()).add(organisation_id)
        return TicketRow(*ticket[0]), by_relation

    async def ticket_for_report(self, source: str, ref: str) -> TicketRow | None:
        """The ticket a report (its source and the source's own id) opened or joined, in one statement."""
        [rows] = await self._database.lookup(reads.TICKET_OF_REPORT, values={"source": source, "ref": ref})
        return TicketRow(*rows[0]) if rows else None

    async def timelines(self, ticket_ids: Sequence[str]) -> dict[str, list[TicketEvent]]:
        """The timelines of several tickets in one query (exports), each in order."""
        found: dict[str, list[TicketEvent]] = {ticket_id: [] for ticket_id in ticket_ids}
        events = await self._database.read(
            lambda session: list(
                session.scalars(
                    select(TicketEvent)
                    .where(TicketEvent.ticket_id.in_(ticket_ids))
                    .order_by(TicketEvent.ticket_id, TicketEvent.seq)
                )
            )
        )
        for event in events:
            found[event.ticket_id].append(event)
        return found

    async def reports_of(self, ticket_ids: Sequence[str]) -> dict[str, list[TicketReport]]:
        """The reports of several tickets in one query, in the order `reports` gives them."""
        found: dict[str, list[TicketReport]] = {ticket_id: [] for ticket_id in ticket_ids}
        reports = await self._database.read(
            lambda session: list(
                session.scalars(
                    select(TicketReport)
                    .where(TicketReport.ticket_id.in_(ticket_ids))
                    .order_by(TicketReport.received_at, TicketReport.source, TicketReport.ref)
                )
            )
        )
        for report in reports:
            found[report.ticket_id].append(report)
        return found

    async def spawned_by_each(self, ticket_ids: Sequence[str]) -> dict[str, list[str]]:
        """For several tickets, the tickets opened from each, oldest first."""
        found: dict[str, list[str]] = {ticket_id: [] for ticket_id in ticket_ids}
        rows = await self._database.read(
            lambda session: session.execute(
                select(Ticket.spawned_from, Ticket.ticket_id)
                .where(Ticket.spawned_from.in_(ticket_ids))
                .order_by(Ticket.opened_at)
            ).all()
        )
        for parent, child in rows:
            if parent is not None:
                found[parent].append(child)
        return found

    async def open_counts(self, visible_to: Principal) -> list[OpenCount]:
        """Open tickets the principal may see, counted by kind and district, with how many are overdue."""
        return await self._database.read(lambda session: count_open(session, visible_to))

    async def events_since(
        self, actions: Collection[str], since: datetime, visible_to: Principal
    ) -> list[tuple[str, datetime]]:
        """(ticket id, when) of every event named in `actions` since `since`, on tickets the principal sees."""
        rows = await self._database.read(
            lambda session: session.execute(
                select(TicketEvent.ticket_id, TicketEvent.at)
                .join(Ticket, Ticket.ticket_id == TicketEvent.ticket_id)
                .where(
                    TicketEvent.action.in_(sorted(actions)),
                    TicketEvent.at >= since,
                    visible_to_condition(visible_to),
                )
                .order_by(TicketEvent.at)
            ).all()
        )
        return [(ticket_id, at) for ticket_id, at in rows]

    async def list(self, filters: TicketFilter, *, limit: int, offset: int) -> TicketPage:
        shape, values = listing_shape(filters)
        paged, counting = listing_statements(shape)
        [page] = await self._database.select(paged, values=values | {"limit": limit, "offset": offset})
        if page:
            total = page[0][-1]
        elif offset == 0:
            total = 0
        else:
            [counted] = await self._database.select(counting, values=values)
            total = counted[0][0]
        # The page selects the row's fields in their order, then the total.
        return TicketPage(items=[TicketRow(*row[:-1]) for row in page], total=total)
