"""FastAPI dependencies: the app's shared resources and the acting user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from temporalio.client import Client

from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from store.identities import IdentityRepository
from store.registry import RegistryRepository
from store.tickets import TicketRepository


@dataclass
class AppResources:
    settings: Settings
    tickets: TicketRepository
    registry: RegistryRepository
    temporal: Client
    # Who filed a report or complaint, kept apart from the tickets; regulators only may read it.
    identities: IdentityRepository


def _resources(request: Request) -> AppResources:
    resources: AppResources = request.app.state.resources
    return resources


Resources = Annotated[AppResources, Depends(_resources)]


async def _current_actor(
    resources: Resources,
    x_user_id: Annotated[
        str | None,
        Header(description="The acting user's id. Sign-in replaces this header in a later release."),
    ] = None,
) -> Actor | None:
    if x_user_id is None:
        return None
    user = await resources.registry.user(x_user_id)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=f"unknown user {x_user_id!r}")
    return Actor(user_id=user.id, name=user.name, organisation_id=user.organisation_id, role=Role(user.role))


async def _required_actor(actor: Annotated[Actor | None, Depends(_current_actor)]) -> Actor:
    if actor is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="this action needs the X-User-Id header")
    return actor


OptionalActor = Annotated[Actor | None, Depends(_current_actor)]
CurrentActor = Annotated[Actor, Depends(_required_actor)]
