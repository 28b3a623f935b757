"""Channel subscriptions: an organisation's webhooks and WeCom robots, their deliveries, resume and removal.

Only the organisation's own staff who answer for its duty manage them (domain/channels.py); a
subscription hears of the tickets the organisation may see, never more.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, status

from api.channel_schemas import DeliveryOut, SubscriptionCreate, SubscriptionCreated, SubscriptionOut
from api.deps import CurrentPrincipal, Resources
from api.errors import field_error
from api.schemas import ErrorOut
from domain.channels import (
    Channel,
    ChannelPolicy,
    EventFilter,
    SubscriptionState,
    may_manage,
    subscriber_audience,
)
from domain.permissions import Principal
from notifications.webhook_signing import new_secret
from store.channels import ChannelStore
from store.models import ChannelSubscription

router = APIRouter(prefix="/channels/subscriptions", tags=["channels"])

_ERRORS: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}, 404: {"model": ErrorOut}}


def _store(resources: Resources) -> ChannelStore:
    return ChannelStore(resources.database)


def _require_manager(principal: Principal) -> None:
    if not may_manage(principal):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="channel subscriptions are managed by a unit's dispatchers and safety managers "
            "and by regulators",
        )


def _out(subscription: ChannelSubscription, events: list[str]) -> SubscriptionOut:
    parts = urlsplit(subscription.url)
    return SubscriptionOut(
        id=subscription.id,
        name=subscription.name,
        channel=Channel(subscription.channel),
        url_hint=f"{parts.scheme}://{parts.netloc}/…",
        events=events,
        state=subscription.state,
        consecutive_failures=subscription.consecutive_failures,
        paused_at=subscription.paused_at,
        pause_reason=subscription.pause_reason,
        owner_email=subscription.owner_email,
        created_at=subscription.created_at,
    )


async def _own(
    subscription_id: str, principal: Principal, resources: Resources
) -> tuple[ChannelSubscription, list[str]]:
    found = await _store(resources).get(subscription_id)
    # Another organisation's subscription is answered as if it did not exist.
    if found is None or found[0].organisation_id != principal.organisation_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no subscription {subscription_id!r}")
    return found


@router.post("", response_model=SubscriptionCreated, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def create_subscription(
    body: SubscriptionCreate, principal: CurrentPrincipal, resources: Resources
) -> SubscriptionCreated:
    _require_manager(principal)
    organisation = await resources.registry.organisation(principal.organisation_id)
    owner_email = body.owner_email or (organisation.email if organisation is not None else "")
    if not owner_email:
        raise field_error("owner_email", "the organisation has no e-mail address: give one")
    secret = new_secret() if body.channel is Channel.WEBHOOK else ""
    subscription = ChannelSubscription(
        id="sub_" + secrets.token_hex(8),
        organisation_id=principal.organisation_id,
        audience=subscriber_audience(principal),
        channel=body.channel.value,
        name=body.name,
        url=body.url,
        secret=secret,
        owner_email=owner_email,
        state=SubscriptionState.ACTIVE.value,
        consecutive_failures=0,
        created_at=resources.clock(),
        created_by=principal.user_id,
    )
    filters = [EventFilter.parse(text) for text in body.events]
    await _store(resources).add(subscription, filters)
    out = _out(subscription, sorted({str(item) for item in filters}))
    return SubscriptionCreated(**out.model_dump(), secret=secret or None)


@router.get("", response_model=list[SubscriptionOut], responses=_ERRORS)
async def list_subscriptions(principal: CurrentPrincipal, resources: Resources) -> list[SubscriptionOut]:
    _require_manager(principal)
    found = await _store(resources).of_organisation(principal.organisation_id)
    return [_out(subscription, events) for subscription, events in found]


@router.get("/{subscription_id}", response_model=SubscriptionOut, responses=_ERRORS)
async def get_subscription(
    subscription_id: str, principal: CurrentPrincipal, resources: Resources
) -> SubscriptionOut:
    _require_manager(principal)
    return _out(*await _own(subscription_id, principal, resources))


@router.get("/{subscription_id}/deliveries", response_model=list[DeliveryOut], responses=_ERRORS)
async def list_deliveries(
    subscription_id: str,
    principal: CurrentPrincipal,
    resources: Resources,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    """The newest deliveries first: what was sent, what waits, and why the last attempt failed."""
    _require_manager(principal)
    await _own(subscription_id, principal, resources)
    deliveries = await _store(resources).deliveries(subscription_id, limit)
    return [DeliveryOut.model_validate(delivery) for delivery in deliveries]


@router.post(
    "/{subscription_id}/resume",
    response_model=SubscriptionOut,
    responses={**_ERRORS, 409: {"model": ErrorOut}},
)
async def resume_subscription(
    subscription_id: str, principal: CurrentPrincipal, resources: Resources
) -> SubscriptionOut:
    """A paused subscription is sent to again, the deliveries that waited first."""
    _require_manager(principal)
    subscription, _events = await _own(subscription_id, principal, resources)
    if subscription.state != SubscriptionState.PAUSED.value:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail={
                "message": f"subscription {subscription_id!r} is {subscription.state}, not paused",
                "state": subscription.state,
                "allowed_actions": ["remove"],
            },
        )
    await _store(resources).resume(subscription_id, resources.clock(), ChannelPolicy().give_up_after)
    return _out(*await _own(subscription_id, principal, resources))


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def remove_subscription(
    subscription_id: str, principal: CurrentPrincipal, resources: Resources
) -> None:
    _require_manager(principal)
    await _own(subscription_id, principal, resources)
    await _store(resources).remove(subscription_id)
