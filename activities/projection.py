"""Projection of workflow state into the read model, with the mails each step sends (the outbox)."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import TypeAdapter
from temporalio import activity

from activities.contracts import PROJECT_TICKET, NotificationInput, ProjectTicketInput
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
        mail_queued: Callable[[], None] = lambda: None,
        now: Clock = system_clock,
    ) -> None:
        """`mail_queued()` is called once a projection with mails has committed (it wakes the delivery);
        `now()` is the delivery loop's clock, which says when a queued mail is due."""
        self._tickets = tickets
        self._mail_queued = mail_queued
        self._now = now

    @activity.defn(name=PROJECT_TICKET)
    async def project_ticket(self, input: ProjectTicketInput) -> None:
        # Idempotent by construction: the store keeps the newest snapshot, each event and each mail once.
        await self._tickets.apply_projection(
            input.snapshot,
            input.events,
            input.reports,
            [queued(mail) for mail in input.mails],
            queued_at=self._now(),
        )
        if input.mails:
            self._mail_queued()
