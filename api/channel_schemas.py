"""Bodies of channel subscriptions: webhooks and WeCom group robots told of ticket steps."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.channels import Channel, EventFilter

# Plain HTTP only to a receiver on the same machine (a relay, a test); anything else needs TLS.
_LOOPBACK_HOSTS = {"localhost"}


def _event_filter(text: str) -> str:
    return str(EventFilter.parse(text))


def _receiver_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("an absolute http(s) URL is needed")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("use https: plain http is only accepted for a receiver on this machine")
    if parts.username or parts.password:
        raise ValueError("put no credentials in the URL; webhooks are signed with the subscription's secret")
    return url


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


EventFilterText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=110,
        description="`<kind>.<step>` (a step is a timeline action, e.g. accept), `<kind>.*`, or `*`",
    ),
    AfterValidator(_event_filter),
]
ReceiverUrl = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_receiver_url)]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="What people call it, e.g. 值班室群")
    channel: Channel
    url: ReceiverUrl = Field(description="The receiver; for WeCom the robot's webhook URL with its key")
    events: list[EventFilterText] = Field(min_length=1, max_length=50)
    owner_email: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="Told when the subscription is paused; the organisation's address if omitted",
    )


class SubscriptionOut(BaseModel):
    id: str
    name: str
    channel: Channel
    # Only the scheme and host: the path of a robot URL carries its key.
    url_hint: str
    events: list[str]
    state: str
    consecutive_failures: int
    paused_at: datetime | None
    pause_reason: str | None
    owner_email: str
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str | None = Field(
        description="The webhook's signing secret, shown this once (None for WeCom, whose URL is its key)"
    )


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    delivery_id: str
    event: str
    ticket_id: str
    created_at: datetime
    attempts: int
    last_status: int | None
    last_error: str | None
    sent_at: datetime | None
    failed_at: datetime | None
