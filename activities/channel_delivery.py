"""Sends what projections queued for webhooks and WeCom robots; retries, pauses, and tells the owner.

Each worker runs one loop beside the mail outbox's. A delivery is claimed for a lease, sent, and stamped;
a worker that dies mid-way leaves its claims to run out, and the next loop sends them with the same
delivery id, which the receiver keeps to drop a repeat. A failed attempt waits longer each time; a
subscription whose attempts fail `pause_after` times in a row is paused (its deliveries wait) and its
owner is mailed once per pause.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from activities.background_loops import stop_loop
from domain.channels import Channel, ChannelPolicy
from elevator_orders.clock import Clock, system_clock
from notifications.channel_messages import ChannelMessages
from notifications.render import MailRenderer
from notifications.sender import MailSender
from notifications.webhook_signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from store.channels import ChannelStore, ClaimedDelivery
from store.models import ChannelSubscription
from store.registry import RegistryRepository
from store.ticket_numbers import TicketNumbers

log = logging.getLogger(__name__)

USER_AGENT = "elevator-orders-channels/1"
_CHANNEL_LABELS = {Channel.WEBHOOK.value: "Webhook", Channel.WECOM.value: "企业微信群机器人"}


class DeliveryRefused(Exception):
    """The receiver answered, but not with success."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class ChannelDeliveryLoop:
    def __init__(
        self,
        store: ChannelStore,
        messages: ChannelMessages,
        numbers: TicketNumbers,
        mail_renderer: MailRenderer,
        mail_sender: MailSender,
        registry: RegistryRepository,
        policy: ChannelPolicy | None = None,
        now: Clock = system_clock,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._store = store
        self._messages = messages
        self._numbers = numbers
        self._mail_renderer = mail_renderer
        self._mail_sender = mail_sender
        self._registry = registry
        self._policy = policy or ChannelPolicy()
        self._now = now
        self._transport = transport
        self._stopping = False

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self._stopping = False
        loop = asyncio.create_task(self.run(), name="channel delivery")
        try:
            yield
        finally:
            self._stopping = True
            # Long enough for the request in flight to end by its own timeout.
            await stop_loop(loop, self._policy.request_timeout.total_seconds() + 1)

    async def run(self) -> None:
        async with self._client() as client:
            while not self._stopping:
                try:
                    busy = await self.deliver_due(client)
                    await self.announce_pauses()
                except Exception:
                    # The database is away: deliveries stay queued; say so and look again.
                    log.exception("channels: claiming or settling deliveries failed; trying again")
                    busy = False
                if not busy and not self._stopping:
                    await asyncio.sleep(self._policy.poll_seconds)

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(
            transport=self._transport,
            timeout=self._policy.request_timeout.total_seconds(),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        ) as client:
            yield client

    async def deliver_due(self, client: httpx.AsyncClient) -> bool:
        """Send one batch; True when a whole batch was due (there may be more)."""
        claimed = await self._store.claim(limit=self._policy.batch, lease=self._policy.lease, now=self._now())
        paused: set[str] = set()
        for index, delivery in enumerate(claimed):
            if self._stopping:
                await self._store.release([item.delivery_id for item in claimed[index:]], self._now())
                break
            if delivery.subscription_id in paused:
                # Paused by an earlier delivery of this batch: the rest wait for the resume.
                await self._store.release([delivery.delivery_id], self._now())
                continue
            if not await self._deliver(client, delivery):
                paused.add(delivery.subscription_id)
        return len(claimed) == self._policy.batch

    async def _deliver(self, client: httpx.AsyncClient, delivery: ClaimedDelivery) -> bool:
        """Send one delivery and settle it; False when its failure paused the subscription."""
        try:
            status = await self._send(client, delivery)
        except (httpx.HTTPError, DeliveryRefused) as error:
            refused = error.status if isinstance(error, DeliveryRefused) else None
            reason = f"{type(error).__name__}: {error}"
            log.warning("channels: delivery %s failed (%s)", delivery.delivery_id, reason)
            paused = await self._store.not_delivered(delivery, refused, reason, self._now(), self._policy)
            return not paused
        await self._store.delivered(delivery, status, self._now())
        return True

    async def _send(self, client: httpx.AsyncClient, delivery: ClaimedDelivery) -> int:
        number = await self._numbers.of(str(delivery.envelope["ticket"]["id"]))
        if delivery.channel == Channel.WECOM.value:
            body = self._messages.wecom_body(delivery.envelope, number)
            response = await client.post(
                delivery.url, content=body, headers={"Content-Type": "application/json; charset=utf-8"}
            )
            _raise_unless_wecom_ok(response)
            return response.status_code
        body = self._messages.webhook_body(delivery.delivery_id, delivery.event, delivery.envelope, number)
        timestamp = int(self._now().timestamp())
        response = await client.post(
            delivery.url,
            content=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                DELIVERY_HEADER: delivery.delivery_id,
                EVENT_HEADER: delivery.event,
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: signature(delivery.secret, timestamp, body),
            },
        )
        if not response.is_success:
            raise DeliveryRefused(response.status_code, f"HTTP {response.status_code}")
        return response.status_code

    async def announce_pauses(self) -> None:
        """Mail each paused subscription's owner once; a failed mail is tried again next round."""
        for subscription in await self._store.pauses_to_announce():
            assert subscription.paused_at is not None
            key = f"channel-paused:{subscription.id}:{subscription.paused_at.isoformat()}"
            organisation = await self._registry.organisation(subscription.organisation_id)
            context = _pause_context(subscription, organisation, self._policy)
            mail = self._mail_renderer.render("channel_paused", context)
            await self._mail_sender.send(to=subscription.owner_email, mail=mail, idempotency_key=key)
            await self._store.owner_told(subscription.id, subscription.paused_at, self._now())


def _raise_unless_wecom_ok(response: httpx.Response) -> None:
    # The robot answers 200 with an error code in the body when it refuses a message (bad key, too fast).
    if not response.is_success:
        raise DeliveryRefused(response.status_code, f"HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError as error:
        raise DeliveryRefused(response.status_code, "the robot's answer is not JSON") from error
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        detail = answer.get("errmsg") if isinstance(answer, dict) else answer
        code = answer.get("errcode") if isinstance(answer, dict) else None
        raise DeliveryRefused(response.status_code, f"WeCom errcode {code}: {detail}")


def _pause_context(
    subscription: ChannelSubscription, organisation: Any, policy: ChannelPolicy
) -> dict[str, Any]:
    return {
        "organisation_name": getattr(organisation, "name", subscription.organisation_id),
        "keep_days": policy.give_up_after.days,
        "subscription": {
            "id": subscription.id,
            "name": subscription.name,
            "channel_label": _CHANNEL_LABELS.get(subscription.channel, subscription.channel),
            "paused_at": subscription.paused_at,
            "failures": subscription.consecutive_failures,
            "reason": subscription.pause_reason or "—",
        },
    }
