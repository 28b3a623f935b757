"""Signing test requests in as a seeded user, with a real access token the app verifies."""

from collections.abc import Awaitable, Callable

import httpx

from api.security import issue_token
from elevator_orders.clock import Clock, system_clock
from elevator_orders.settings import Settings

# Tests name the acting user in this header; the hook below turns it into a bearer token before sending.
AS_USER = "X-User-Id"


def bearer(settings: Settings, user_id: str, clock: Clock = system_clock) -> dict[str, str]:
    """A user's access token, issued by `clock`: the one the app reads it by."""
    return {"Authorization": f"Bearer {issue_token(settings, user_id, 'access', now=clock()).token}"}


def signed_in_as_named_user(
    settings: Settings, clock: Clock = system_clock
) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook: a request naming a user in `X-User-Id` is sent with that user's token."""

    async def sign(request: httpx.Request) -> None:
        user_id = request.headers.pop(AS_USER, None)
        if user_id is not None:
            request.headers.update(bearer(settings, user_id, clock))

    return sign
