"""FastAPI dependencies: the app's shared resources and who is calling (a signed-in user or an API key)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from temporalio.client import Client

from api.audit import remember_claimed_actor, remember_principal
from api.keyed_turns import KeyedTurns
from api.security import InvalidToken, api_key_matches, read_token, split_api_key
from api.single_flight import SingleFlight
from domain.calendar import WorkingDayCalendar
from domain.permissions import Principal
from domain.roles import Actor, OrganisationKind, Role
from elevator_orders.clock import Clock, system_clock
from elevator_orders.settings import Settings
from store.accounts import AccountRepository
from store.audit import AuditLog
from store.database import Database
from store.identities import IdentityRepository
from store.registry import RegistryRepository
from store.ticket_numbers import TicketNumbers
from store.tickets import TicketRepository


@dataclass
class AppResources:
    settings: Settings
    # The store itself, for the readiness check; everything else reads it through a repository.
    database: Database
    tickets: TicketRepository
    registry: RegistryRepository
    temporal: Client
    # Who filed a 举报 or 投诉, kept apart from the tickets; regulators only may read it.
    identities: IdentityRepository
    accounts: AccountRepository
    # Every action and every refusal, one hash-chained row each (regulation art. 14).
    audit: AuditLog
    # China's official working days with the operator's fallback, read once at start.
    working_days: WorkingDayCalendar
    # Each ticket's 工单编号, which pages show people instead of its id.
    ticket_numbers: TicketNumbers
    # The time for everything the API stamps or decides by date; a test sets its own.
    clock: Clock = system_clock
    # Repeats of one filing in flight at once share one Update (the key: the kind, then the kind's own,
    # e.g. an alarm's elevator, source and ref).
    openings_in_flight: SingleFlight[tuple[str, ...], Any] = field(default_factory=SingleFlight)
    # A car's alarms take their turn across requests: a second alarm finds the ticket the first opened.
    car_turns: KeyedTurns = field(default_factory=KeyedTurns)


async def _resources(request: Request) -> AppResources:
    # Async although it awaits nothing: FastAPI runs a plain `def` dependency on a worker thread, a hop
    # every request paid (3% of the API's CPU in `make bench`).
    resources: AppResources = request.app.state.resources
    return resources


Resources = Annotated[AppResources, Depends(_resources)]

# Both schemes appear in the OpenAPI document, so /docs "Authorize" works with either.
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="A machine client's key, e.g. a remote-monitoring platform",
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=_CHALLENGE)


async def _principal(
    request: Request,
    resources: Resources,
    token: Annotated[str | None, Security(bearer_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> Principal | None:
    """Who is calling, or None for an anonymous caller; a credential that does not hold is a 401."""
    principal = await _proven_principal(request, resources, token, api_key)
    # The audit trail names the caller of every action and refusal that follows.
    remember_principal(request, principal)
    return principal


async def _proven_principal(
    request: Request, resources: AppResources, token: str | None, api_key: str | None
) -> Principal | None:
    if token is not None:
        try:
            claims = read_token(resources.settings, token, "access", now=resources.clock())
        except InvalidToken as error:
            raise _unauthorized(f"invalid access token: {error}") from error
        remember_claimed_actor(request, claims.user_id)
        account = await resources.accounts.account(claims.user_id)
        if account is None or not account.active:
            raise _unauthorized(f"no active account {claims.user_id!r}: it is unknown or deactivated")
        return account.principal
    if api_key is not None:
        return await key_principal(request, resources, api_key)
    return None


async def key_principal(request: Request, resources: AppResources, api_key: str) -> Principal:
    """The machine client an API key names; 401 for a key that is malformed, unknown or revoked."""
    parts = split_api_key(api_key)
    if parts is not None:
        remember_claimed_actor(request, f"api-key:{parts[0]}")
    found = await resources.accounts.api_key(parts[0]) if parts else None
    if parts is None or found is None or not api_key_matches(parts[1], found[0].secret_hash):
        raise _unauthorized("invalid API key")
    key, organisation = found
    if key.revoked_at is not None:
        raise _unauthorized("this API key has been revoked")
    return Principal(
        user_id=f"api-key:{key.id}",
        name=key.name,
        organisation_id=organisation.id,
        organisation_kind=OrganisationKind(organisation.kind),
        district=organisation.district,
        roles=frozenset({Role.MONITORING_SYSTEM}),
        key_scopes=frozenset(key.scopes),
    )


OptionalPrincipal = Annotated[Principal | None, Depends(_principal)]


async def _user_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise _unauthorized("sign in first: POST /auth/token, then send `Authorization: Bearer <token>`")
    if principal.key_scopes is not None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="an API key is not accepted here; sign in as a user"
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(_user_principal)]


def primary_role(principal: Principal) -> Role:
    """The role a user acts in where one action has no per-ticket rule: the first it holds, in Role order."""
    if not principal.roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this account holds no role")
    return next(role for role in Role if role in principal.roles)


def actor_of(principal: Principal, role: Role | None = None) -> Actor:
    """The Actor a workflow receives: the person, its organisation, and the role it acts in now."""
    return Actor(
        user_id=principal.user_id,
        name=principal.name,
        organisation_id=principal.organisation_id,
        role=role or primary_role(principal),
    )


async def _current_actor(principal: CurrentPrincipal) -> Actor:
    return actor_of(principal)


CurrentActor = Annotated[Actor, Depends(_current_actor)]


def scoped_actor(scope: str) -> Callable[[Principal | None], Awaitable[Actor | None]]:
    """A dependency for endpoints machine clients may call: a user, or an API key holding `scope`."""

    async def dependency(principal: OptionalPrincipal) -> Actor | None:
        if principal is None:
            return None
        if principal.key_scopes is not None and scope not in principal.key_scopes:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"this API key lacks the scope {scope!r}")
        return actor_of(principal)

    return dependency
