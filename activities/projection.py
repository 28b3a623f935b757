"""Projection of workflow state into the read model, with the mails each step sends (the outbox)."""

from __future__ import annotations

from pydantic import TypeAdapter
from temporalio import activity

from activities.contracts import PROJECT_TICKET, NotificationInput, ProjectTicketInput
from activities.outbox_delivery import OutboxDelivery
from elevator_orders.clock import Clock, system_clock
from store.outbox import QueuedMail
from store.tickets import TicketRepository

_NOTIFICATION = TypeAdapter(NotificationInput)


def queued(notification: NotificationInput) -> QueuedMail:
    return QueuedMail(
        idempotency_key=notification.idempotency_key,
        ticket_id=notification.ticket.ticket_id,
        template=notification.template,
        notification=_NOTIFICATION.dump_python(notification, mode="json"),
    )


class ProjectionActivities:
    def __init__(
        self,
        tickets: TicketRepository,
        delivery: OutboxDelivery | None = None,
        now: Clock = system_clock,
    ) -> None:
        """`delivery` is this worker's outbox loop: it sends the mails a projection queues, claimed for it
        in the projection's own transaction; `now()` is its clock, which says when a mail is due."""
        self._tickets = tickets
        self._delivery = delivery
        self._now = now

    @activity.defn(name=PROJECT_TICKET)
    async def project_ticket(self, input: ProjectTicketInput) -> None:
        # Idempotent by construction: the store keeps the newest snapshot, each event and each mail once.
        queued_at = self._now()
        delivery = self._delivery if input.mails else None
        claimed_until = queued_at + delivery.lease if delivery is not None else None
        claimed = await self._tickets.apply_projection(
            input.snapshot,
            input.events,
            input.reports,
            [queued(mail) for mail in input.mails],
            queued_at=queued_at,
            claimed_until=claimed_until,
        )
        if delivery is not None and claimed_until is not None:
            # A repeated projection hands over nothing: what it queued before is claimed or due already.
            by_key = {mail.idempotency_key: mail for mail in input.mails}
            delivery.hand_over([by_key[key] for key in claimed], claimed_until)
