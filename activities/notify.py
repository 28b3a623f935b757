"""Notification delivery: render a template, send it once, remember that it was sent."""

from __future__ import annotations

from dataclasses import fields

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import SEND_NOTIFICATION, NotificationInput
from domain.districts import DISTRICTS_ZH
from elevator_orders.clock import Clock, system_clock
from notifications.render import MailRenderer, UnknownTemplate
from notifications.sender import MailSender
from store.mail_log import MailLog
from store.ticket_numbers import TicketNumbers


class NotificationActivities:
    def __init__(
        self,
        renderer: MailRenderer,
        sender: MailSender,
        mail_log: MailLog,
        ticket_url_base: str,
        clock: Clock = system_clock,
        numbers: TicketNumbers | None = None,
    ) -> None:
        self._clock = clock
        self._numbers = numbers
        self._renderer = renderer
        self._sender = sender
        self._mail_log = mail_log
        self._ticket_url_base = ticket_url_base.rstrip("/")

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, input: NotificationInput) -> None:
        if await self._mail_log.was_sent(input.idempotency_key):
            activity.logger.info("mail %s already sent; not sending again", input.idempotency_key)
            return
        if not input.recipient.email:
            raise ApplicationError(
                f"{input.recipient.name} ({input.recipient.id}) has no e-mail address",
                type="NoRecipientAddress",
                non_retryable=True,
            )
        number = await self._numbers.of(input.ticket.ticket_id) if self._numbers else None
        try:
            mail = self._renderer.render(input.template, mail_context(input, self._ticket_url_base, number))
        except UnknownTemplate as error:
            raise ApplicationError(str(error), type="UnknownTemplate", non_retryable=True) from error
        # Any SMTP failure propagates: Temporal retries, so a down server delays mail but never loses it.
        await self._sender.send(to=input.recipient.email, mail=mail, idempotency_key=input.idempotency_key)
        await self._mail_log.record_sent(
            idempotency_key=input.idempotency_key,
            recipient=input.recipient.email,
            subject=mail.subject,
            ticket_id=input.ticket.ticket_id,
            sent_at=self._clock(),
        )


def mail_context(
    input: NotificationInput, ticket_url_base: str, number: str | None = None
) -> dict[str, object]:
    """What a mail template is rendered with: the ticket, its elevator, the recipient and the event.

    `number` is the ticket's 工单编号, which mails print; a ticket without one is named by its id.
    """
    elevator = input.elevator
    # A shallow copy: the snapshot holds no dataclass inside, and asdict's deep copy of its details and
    # deadlines was a fifth of rendering a mail (`make bench`'s lifecycle).
    ticket = {field.name: getattr(input.ticket, field.name) for field in fields(input.ticket)}
    ticket["url"] = f"{ticket_url_base.rstrip('/')}/tickets/{input.ticket.ticket_id}"
    ticket["number"] = number or input.ticket.ticket_id
    return {
        "ticket": ticket,
        "elevator": {
            "code": elevator.code,
            "address": elevator.address,
            "district": DISTRICTS_ZH.get(elevator.district, elevator.district),
            "use_unit_name": elevator.use_unit.name,
            "maintenance_unit_name": elevator.maintenance_unit.name,
        },
        "recipient": {"name": input.recipient.name},
        "event": dict(input.event),
    }
