"""Channel subscriptions and their deliveries: queued by the projection, claimed and settled by the sender."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Integer, String, Table, bindparam, exists, literal, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from domain.channels import ANY, ChannelPolicy, EventFilter, SubscriptionState
from domain.tickets import TicketSnapshot, TimelineEvent
from store.database import Database
from store.db import UTCDateTime
from store.models import ChannelDelivery, ChannelSubscription, ChannelSubscriptionEvent, JsonType
from store.upsert import insert_of


def fan_out_statement(dialect: str) -> Any:
    """Queue one step for every live subscription of one audience whose filters take it (executemany).

    Run in the projection's transaction, so a step is queued exactly when it is stored; a repeated
    projection queues nothing new, as the delivery id is made of the subscription, ticket and step.
    """
    subscriptions = cast(Table, ChannelSubscription.__table__)
    filters = cast(Table, ChannelSubscriptionEvent.__table__)
    deliveries = cast(Table, ChannelDelivery.__table__)
    ticket_id = bindparam("ticket_id", type_=String())
    seq = bindparam("seq", type_=Integer())
    now = bindparam("now", type_=UTCDateTime())
    takes_step = exists().where(
        filters.c.subscription_id == subscriptions.c.id,
        or_(filters.c.kind == bindparam("kind", type_=String()), filters.c.kind == ANY),
        or_(filters.c.step == bindparam("step", type_=String()), filters.c.step == ANY),
    )
    rows = select(
        subscriptions.c.id + ":" + ticket_id + ":" + sql_cast(seq, String()),
        subscriptions.c.id,
        ticket_id,
        seq,
        bindparam("event", type_=String()),
        bindparam("envelope", type_=JsonType),
        now,
        now,
        literal(0, Integer()),
    ).where(
        subscriptions.c.audience == bindparam("audience", type_=String()),
        subscriptions.c.state != SubscriptionState.REMOVED.value,
        takes_step,
    )
    columns = [
        "delivery_id",
        "subscription_id",
        "ticket_id",
        "event_seq",
        "event",
        "envelope",
        "created_at",
        "due_at",
        "attempts",
    ]
    return (
        insert_of(dialect, deliveries)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=[deliveries.c.delivery_id])
    )


def envelope(snapshot: TicketSnapshot, event: TimelineEvent) -> dict[str, Any]:
    """What every channel tells of a step: never a person, a note or a detail, only where the ticket is."""
    return {
        "ticket": {
            "id": snapshot.ticket_id,
            "kind": snapshot.kind.value,
            "state": snapshot.state,
            "elevator_code": snapshot.elevator_code,
            "district": snapshot.district,
        },
        "step": {
            "seq": event.seq,
            "action": event.action,
            "state": event.state,
            "at": event.at.isoformat(),
        },
    }


def fan_out_rows(
    snapshot: TicketSnapshot, events: Sequence[TimelineEvent], audiences: Sequence[str], now: datetime
) -> list[dict[str, object]]:
    kind = snapshot.kind.value
    return [
        {
            "ticket_id": snapshot.ticket_id,
            "seq": event.seq,
            "kind": kind,
            "step": event.action,
            "event": f"{kind}.{event.action}",
            "envelope": envelope(snapshot, event),
            "now": now,
            "audience": audience,
        }
        for event in events
        for audience in audiences
    ]


@dataclass(frozen=True)
class ClaimedDelivery:
    delivery_id: str
    subscription_id: str
    channel: str
    url: str
    secret: str
    event: str
    envelope: dict[str, Any]
    attempts: int
    created_at: datetime


class ChannelStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, subscription: ChannelSubscription, filters: Sequence[EventFilter]) -> None:
        def work(session: Session) -> None:
            session.add(subscription)
            session.flush()
            session.add_all(
                ChannelSubscriptionEvent(subscription_id=subscription.id, kind=item.kind, step=item.step)
                for item in dict.fromkeys(filters)
            )

        await self._database.write(work)

    async def of_organisation(self, organisation_id: str) -> list[tuple[ChannelSubscription, list[str]]]:
        def work(session: Session) -> list[tuple[ChannelSubscription, list[str]]]:
            subscriptions = session.scalars(
                select(ChannelSubscription)
                .where(
                    ChannelSubscription.organisation_id == organisation_id,
                    ChannelSubscription.state != SubscriptionState.REMOVED.value,
                )
                .order_by(ChannelSubscription.created_at)
            ).all()
            return [(subscription, _filters(session, subscription.id)) for subscription in subscriptions]

        return await self._database.read(work)

    async def get(self, subscription_id: str) -> tuple[ChannelSubscription, list[str]] | None:
        def work(session: Session) -> tuple[ChannelSubscription, list[str]] | None:
            subscription = session.get(ChannelSubscription, subscription_id)
            if subscription is None or subscription.state == SubscriptionState.REMOVED.value:
                return None
            return subscription, _filters(session, subscription_id)

        return await self._database.read(work)

    async def resume(self, subscription_id: str, now: datetime, keep: timedelta) -> None:
        """Active again, its failures forgiven, and what waited while it was paused due at once.

        Deliveries queued longer ago than `keep` are given up instead: the receiver reads those steps
        from the API, rather than get a flood of stale ones.
        """

        def work(session: Session) -> None:
            session.execute(
                update(ChannelSubscription)
                .where(ChannelSubscription.id == subscription_id)
                .values(
                    state=SubscriptionState.ACTIVE.value,
                    consecutive_failures=0,
                    paused_at=None,
                    pause_reason=None,
                )
            )
            waiting = (ChannelDelivery.subscription_id == subscription_id, *_pending())
            session.execute(
                update(ChannelDelivery)
                .where(*waiting, ChannelDelivery.created_at < now - keep)
                .values(
                    failed_at=now, last_error="given up: queued too long while the subscription was paused"
                )
            )
            session.execute(update(ChannelDelivery).where(*waiting).values(due_at=now))

        await self._database.write(work)

    async def remove(self, subscription_id: str) -> None:
        """Nothing more is queued or sent for it; what it was sent stays on record."""

        def work(session: Session) -> None:
            session.execute(
                update(ChannelSubscription)
                .where(ChannelSubscription.id == subscription_id)
                .values(state=SubscriptionState.REMOVED.value)
            )

        await self._database.write(work)

    async def deliveries(self, subscription_id: str, limit: int) -> list[ChannelDelivery]:
        return await self._database.read(
            lambda session: list(
                session.scalars(
                    select(ChannelDelivery)
                    .where(ChannelDelivery.subscription_id == subscription_id)
                    .order_by(ChannelDelivery.created_at.desc(), ChannelDelivery.delivery_id)
                    .limit(limit)
                ).all()
            )
        )

    async def claim(self, *, limit: int, lease: timedelta, now: datetime) -> list[ClaimedDelivery]:
        """Take up to `limit` due deliveries of active subscriptions until `now + lease`."""

        def due(session: Session) -> bool:
            # Looked at before the write lock is taken: an idle loop polls without writing.
            return (
                session.scalar(
                    select(ChannelDelivery.delivery_id)
                    .join(ChannelSubscription, ChannelSubscription.id == ChannelDelivery.subscription_id)
                    .where(
                        *_pending(),
                        ChannelDelivery.due_at <= now,
                        ChannelSubscription.state == SubscriptionState.ACTIVE.value,
                    )
                    .limit(1)
                )
                is not None
            )

        def work(session: Session) -> list[ClaimedDelivery]:
            rows = session.execute(
                select(ChannelDelivery, ChannelSubscription)
                .join(ChannelSubscription, ChannelSubscription.id == ChannelDelivery.subscription_id)
                .where(
                    *_pending(),
                    ChannelDelivery.due_at <= now,
                    ChannelSubscription.state == SubscriptionState.ACTIVE.value,
                )
                .order_by(ChannelDelivery.due_at)
                .limit(limit)
                .with_for_update(of=ChannelDelivery, skip_locked=True)
            ).all()
            claimed = []
            for delivery, subscription in rows:
                delivery.due_at = now + lease
                delivery.attempts += 1
                claimed.append(
                    ClaimedDelivery(
                        delivery.delivery_id,
                        subscription.id,
                        subscription.channel,
                        subscription.url,
                        subscription.secret,
                        delivery.event,
                        dict(delivery.envelope),
                        delivery.attempts,
                        delivery.created_at,
                    )
                )
            return claimed

        if not await self._database.read(due):
            return []
        return await self._database.write(work)

    async def delivered(self, delivery: ClaimedDelivery, status: int, now: datetime) -> None:
        def work(session: Session) -> None:
            session.execute(
                update(ChannelDelivery)
                .where(ChannelDelivery.delivery_id == delivery.delivery_id)
                .values(sent_at=now, last_status=status, last_error=None)
            )
            session.execute(
                update(ChannelSubscription)
                .where(ChannelSubscription.id == delivery.subscription_id)
                .values(consecutive_failures=0)
            )

        await self._database.write(work)

    async def not_delivered(
        self, delivery: ClaimedDelivery, status: int | None, error: str, now: datetime, policy: ChannelPolicy
    ) -> bool:
        """Record a failed attempt: retried later, or given up when too old; True if it paused the subscriber."""

        def work(session: Session) -> bool:
            given_up = now - delivery.created_at >= policy.give_up_after
            retry_at = now + policy.retry_after(delivery.attempts)
            session.execute(
                update(ChannelDelivery)
                .where(ChannelDelivery.delivery_id == delivery.delivery_id)
                .values(
                    last_status=status,
                    last_error=error[:2000],
                    due_at=retry_at,
                    failed_at=now if given_up else None,
                )
            )
            subscription = session.get(ChannelSubscription, delivery.subscription_id, with_for_update=True)
            if subscription is None:
                return False
            subscription.consecutive_failures += 1
            if (
                subscription.state == SubscriptionState.ACTIVE.value
                and subscription.consecutive_failures >= policy.pause_after
            ):
                subscription.state = SubscriptionState.PAUSED.value
                subscription.paused_at = now
                subscription.pause_reason = error[:2000]
                subscription.owner_told_at = None
                return True
            return False

        return await self._database.write(work)

    async def release(self, delivery_ids: Sequence[str], now: datetime) -> None:
        """Give claimed deliveries back unsent: due at once, the claim not counted as an attempt."""
        if not delivery_ids:
            return

        def work(session: Session) -> None:
            session.execute(
                update(ChannelDelivery)
                .where(ChannelDelivery.delivery_id.in_(delivery_ids), *_pending())
                .values(due_at=now, attempts=ChannelDelivery.attempts - 1)
            )

        await self._database.write(work)

    async def pauses_to_announce(self) -> list[ChannelSubscription]:
        return await self._database.read(
            lambda session: list(
                session.scalars(
                    select(ChannelSubscription).where(
                        ChannelSubscription.state == SubscriptionState.PAUSED.value,
                        ChannelSubscription.owner_told_at.is_(None),
                    )
                ).all()
            )
        )

    async def owner_told(self, subscription_id: str, paused_at: datetime, now: datetime) -> None:
        def work(session: Session) -> None:
            session.execute(
                update(ChannelSubscription)
                .where(ChannelSubscription.id == subscription_id, ChannelSubscription.paused_at == paused_at)
                .values(owner_told_at=now)
            )

        await self._database.write(work)


def _pending() -> list[Any]:
    return [ChannelDelivery.sent_at.is_(None), ChannelDelivery.failed_at.is_(None)]


def _filters(session: Session, subscription_id: str) -> list[str]:
    rows = session.execute(
        select(ChannelSubscriptionEvent.kind, ChannelSubscriptionEvent.step).where(
            ChannelSubscriptionEvent.subscription_id == subscription_id
        )
    ).all()
    return sorted(str(EventFilter(kind, step)) for kind, step in rows)
