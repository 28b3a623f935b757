"""The audit trail's HTTP side: which requests are actions, and the one row each of them appends.

`AuditTrail` (ASGI middleware) appends a row, before the answer leaves, for:
- every request that changes something (POST, PUT, PATCH, DELETE): ticket creation (public ones too),
  every ticket action, the public evaluation, signing in, API keys issued, rotated and revoked;
- reads of personal or bulk data (`AUDITED_READS`: a whistleblower's identity, exports);
- every refusal anywhere: each 401 and 403, whichever dependency or check raised it.
Doing it in one place means a new endpoint is audited without remembering to. A router that knows more
than the middleware can (say, the ticket an export covers) calls `audit(...)` itself; the middleware then
appends nothing more for that request.

Row fields: the actor (user id, `api-key:<id>`, `public`, or the identity a refused credential claimed),
its organisation and roles, the client address (`request.client.host`, or the X-Forwarded-For hop the
rate limit trusts, see `TRUSTED_PROXIES`), the route (`POST /tickets/{ticket_id}/accept`: a fixed
vocabulary; the ticket id is a column of its own), the outcome (2xx/3xx ok; 401/403 denied; anything else,
an exception included, failed), and a SHA-256 digest of the payload: the JSON body, else the query
parameters. A form body (signing in) is never digested: it holds a password, and a digest of one can be
guessed. Tracking tokens in paths are never written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from fastapi import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import store_unavailable
from domain.permissions import Principal
from domain.roles import PUBLIC_ACTOR
from store.audit import AuditEntry, Outcome, payload_digest

if TYPE_CHECKING:
    from api.deps import AppResources

# Route paths (templates) of reads that are actions too; a prefix covers every route under it.
AUDITED_READS = ("/tickets/{ticket_id}/reporter", "/exports")
_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Path parameters that are credentials: the route template keeps their place, the value is never written.
_SECRET_PATH_PARAMS = frozenset({"token"})
_ACTOR_LENGTH = 100
_TARGET_LENGTH = 200

# Keys in the request's state (shared by the middleware, the dependencies and the endpoint).
_PRINCIPAL = "audit_principal"
_CLAIMED_ACTOR = "audit_claimed_actor"
_AUDITED = "audit_appended"

logger = logging.getLogger(__name__)


def remember_principal(request: Request, principal: Principal | None) -> None:
    """Who the request's credential proved to be: the row's actor, organisation and roles."""
    setattr(request.state, _PRINCIPAL, principal)


def remember_claimed_actor(request: Request, actor: str) -> None:
    """Who a credential claims to be before it is checked, so a refusal names whom it refused."""
    setattr(request.state, _CLAIMED_ACTOR, actor[:_ACTOR_LENGTH])


async def audit(
    resources: AppResources,
    request: Request,
    principal: Principal | None,
    *,
    outcome: Outcome,
    action: str | None = None,
    ticket_id: str | None = None,
    target: str | None = None,
    payload: Any = None,
) -> None:
    """Append this request's row now (the middleware then appends none); `action` defaults to the route."""
    await resources.audit.append(
        AuditEntry(
            **_who(principal, getattr(request.state, _CLAIMED_ACTOR, None), request.scope),
            source_address=_source_address(resources, request),
            action=action or _route_action(request.scope),
            outcome=outcome,
            ticket_id=ticket_id,
            target=target,
            payload_digest=None if payload is None else payload_digest(payload),
        )
    )
    setattr(request.state, _AUDITED, True)


class AuditTrail:
    """ASGI middleware: one audit row per action or refusal, appended before the answer is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The endpoint, the dependencies and this middleware share this one dict.
        scope.setdefault("state", {})
        request_body = bytearray()
        exchange = _Exchange(scope, request_body, send)

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.extend(message.get("body", b""))
            return message

        try:
            await self.app(scope, receive_and_keep, exchange.send)
        except Exception:
            if exchange.status is None and _is_action(scope):
                await exchange.append(Outcome.FAILED, ticket_id=_path_ticket_id(scope))
            raise


class _Exchange:
    """One request's answer on its way out: held back, if need be, until its row is appended."""

    def __init__(self, scope: Scope, request_body: bytearray, send: Send) -> None:
        self.scope = scope
        self.request_body = request_body
        self._send = send
        self.status: int | None = None
        self._held_start: Message | None = None
        self._held_body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            await self._on_start(message)
        elif message["type"] == "http.response.body" and self._held_start is not None:
            self._held_body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                await self._release()
        else:
            await self._send(message)

    async def _on_start(self, start: Message) -> None:
        assert self.status is not None
        state: dict[str, Any] = self.scope["state"]
        denied = self.status in (401, 403)
        # A request turned away for its rate (429) did nothing; a flood of them must not flood the log.
        audited = denied or (_is_action(self.scope) and self.status != 429)
        if state.get(_AUDITED) or not audited:
            await self._send(start)
            return
        ticket_id = _path_ticket_id(self.scope)
        if ticket_id is None and _is_creation(self.scope, self.status, start):
            # The ticket id is in the answer (a small JSON body): hold it back until the row is in.
            self._held_start = start
            return
        try:
            await self.append(_outcome(self.status), ticket_id=ticket_id)
        except Exception as error:
            # A request refused (4xx, 5xx) did nothing, and while the database is away its row cannot be
            # written either: the refusal goes out, and the log says what the trail could not hold. An
            # action that took effect without its row is an error the client sees.
            if self.status < 400 or not store_unavailable(error):
                raise
            logger.warning(
                "audit row of a refused request (%s) not written: the database is unavailable", self.status
            )
        await self._send(start)

    async def _release(self) -> None:
        assert self._held_start is not None
        assert self.status is not None
        body = bytes(self._held_body)
        await self.append(_outcome(self.status), ticket_id=_answered_ticket_id(body))
        await self._send(self._held_start)
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

    async def append(self, outcome: Outcome, *, ticket_id: str | None) -> None:
        state: dict[str, Any] = self.scope["state"]
        resources: AppResources = self.scope["app"].state.resources
        await resources.audit.append(
            AuditEntry(
                **_who(state.get(_PRINCIPAL), state.get(_CLAIMED_ACTOR), self.scope),
                source_address=_source_address(resources, Request(self.scope)),
                action=_route_action(self.scope),
                outcome=outcome,
                ticket_id=ticket_id,
                target=_target(self.scope),
                payload_digest=_payload_digest(self.scope, bytes(self.request_body)),
            )
        )
        state[_AUDITED] = True


def _who(principal: Principal | None, claimed_actor: str | None, scope: Scope) -> dict[str, str]:
    if principal is not None:
        return {
            "actor": principal.user_id[:_ACTOR_LENGTH],
            "organisation_id": principal.organisation_id,
            "role": ",".join(sorted(role.value for role in principal.roles)),
        }
    if claimed_actor is not None:
        return {"actor": claimed_actor, "organisation_id": "", "role": ""}
    headers = _headers(scope)
    if "authorization" in headers or "x-api-key" in headers:
        # A credential too broken to name anyone.
        return {"actor": "unknown", "organisation_id": "", "role": ""}
    return {
        "actor": PUBLIC_ACTOR.user_id,
        "organisation_id": PUBLIC_ACTOR.organisation_id,
        "role": PUBLIC_ACTOR.role.value,
    }


def _source_address(resources: AppResources, request: Request) -> str:
    # Imported here: api.rate_limit needs api.deps, which needs this module.
    from api.rate_limit import client_address

    # The same address the rate limit counts: X-Forwarded-For only as far as trusted proxies wrote it.
    return client_address(request, resources.settings.trusted_proxies)[:64]


def _route_path(scope: Scope) -> str | None:
    route = scope.get("route")
    return route.path if isinstance(route, Route) else None


def _route_action(scope: Scope) -> str:
    """`METHOD /route/{template}`; a refusal outside any route (none today) names the path."""
    return f"{scope['method']} {_route_path(scope) or scope['path']}"[:200]


def _is_action(scope: Scope) -> bool:
    path = _route_path(scope)
    if path is None:
        return False
    if scope["method"] in _CHANGING_METHODS:
        return True
    return scope["method"] == "GET" and any(
        path == read or path.startswith(read.rstrip("/") + "/") for read in AUDITED_READS
    )


def _path_params(scope: Scope) -> Mapping[str, Any]:
    params: Mapping[str, Any] = scope.get("path_params") or {}
    return params


def _path_ticket_id(scope: Scope) -> str | None:
    ticket_id = _path_params(scope).get("ticket_id")
    return str(ticket_id) if ticket_id is not None else None


def _target(scope: Scope) -> str | None:
    """Path parameters other than the ticket id and secrets, e.g. `key_id=...`."""
    named = sorted(
        f"{name}={value}"
        for name, value in _path_params(scope).items()
        if name != "ticket_id" and name not in _SECRET_PATH_PARAMS
    )
    return ",".join(named)[:_TARGET_LENGTH] or None


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


def _is_creation(scope: Scope, status: int, start: Message) -> bool:
    """A change answered with JSON that may name the ticket it opened (never a streamed export)."""
    if scope["method"] not in _CHANGING_METHODS or not 200 <= status < 300:
        return False
    headers = {name.decode("latin-1").lower(): value for name, value in start.get("headers", [])}
    return bool(headers.get("content-type", b"").split(b";")[0].strip().endswith(b"json"))


def _answered_ticket_id(body: bytes) -> str | None:
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    ticket_id = answer.get("ticket_id") if isinstance(answer, dict) else None
    return ticket_id if isinstance(ticket_id, str) else None


def _payload_digest(scope: Scope, body: bytes) -> str | None:
    """The digest of the JSON body, else of the query parameters; None for a form or no payload."""
    content_type = _headers(scope).get("content-type", "").split(";")[0].strip().lower()
    if body and content_type.endswith("json"):
        try:
            return payload_digest(json.loads(body))
        except ValueError:
            # Not JSON after all: the bytes as they came are still evidence of what was sent.
            return payload_digest(body.decode("utf-8", errors="replace"))
    if body:
        return None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return payload_digest(query) if query else None


def _outcome(status: int) -> Outcome:
    if status in (401, 403):
        return Outcome.DENIED
    return Outcome.OK if status < 400 else Outcome.FAILED
