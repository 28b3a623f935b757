"""Abuse limits of the public endpoints: a token bucket per client address, kept in this process.

Each public router takes a bucket of its own, so a flood of 评价建议 from one address cannot keep the
same address from reporting an entrapment. The state lives in the app (one per process): behind several
API processes each enforces the limit on its own share of the traffic.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request, status
from pydantic import IPvAnyNetwork

from api.deps import OptionalPrincipal
from elevator_orders.settings import Settings

Clock = Callable[[], float]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """`rate_per_minute` requests per key, refilled continuously, at most `burst` at once."""

    def __init__(self, rate_per_minute: int, burst: int, clock: Clock = time.monotonic) -> None:
        self._per_second = rate_per_minute / 60
        self._burst = burst
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        # A bucket untouched this long is full again: forgetting it changes nothing.
        self._refill_seconds = burst / self._per_second
        self._swept = clock()

    def take(self, bucket: str, client: str) -> float | None:
        """Spend one token of `client` in `bucket`: None if allowed, else the seconds until one is back."""
        now = self._clock()
        self._sweep(now)
        key = (bucket, client)
        state = self._buckets.get(key)
        if state is None:
            state = self._buckets[key] = _Bucket(tokens=self._burst, updated=now)
        state.tokens = min(self._burst, state.tokens + (now - state.updated) * self._per_second)
        state.updated = now
        if state.tokens >= 1:
            state.tokens -= 1
            return None
        return (1 - state.tokens) / self._per_second

    def _sweep(self, now: float) -> None:
        # Keeps memory bounded by the clients of the last few minutes, whatever the number of addresses.
        if now - self._swept < self._refill_seconds:
            return
        self._swept = now
        stale = [key for key, state in self._buckets.items() if now - state.updated >= self._refill_seconds]
        for key in stale:
            del self._buckets[key]


def client_address(request: Request, trusted_proxies: Sequence[IPvAnyNetwork]) -> str:
    """The caller's address; X-Forwarded-For counts only when the peer is a trusted proxy.

    The header is read from the right: the first address no trusted proxy owns is the client, since
    anything left of it was written by the client itself and can be forged.
    """
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(forwarded):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return forwarded[0] if forwarded else peer


def _is_trusted(address: str, trusted_proxies: Sequence[IPvAnyNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted_proxies)


@dataclass(frozen=True)
class PublicRateLimit:
    limiter: TokenBucketLimiter
    trusted_proxies: Sequence[IPvAnyNetwork]


def install_public_rate_limit(app: FastAPI, settings: Settings) -> None:
    """Give the app its limiter, from the settings; the routers' dependencies find it there."""
    app.state.public_rate_limit = PublicRateLimit(
        limiter=TokenBucketLimiter(
            settings.public_rate_per_minute, settings.public_rate_burst or settings.public_rate_per_minute
        ),
        trusted_proxies=tuple(settings.trusted_proxies),
    )


def _check(request: Request, bucket: str) -> None:
    limit: PublicRateLimit = request.app.state.public_rate_limit
    wait = limit.limiter.take(bucket, client_address(request, limit.trusted_proxies))
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"请求过于频繁，请 {seconds} 秒后再试",
            headers={"Retry-After": str(seconds)},
        )


def public_rate_limit(bucket: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency: every caller of the endpoints in `bucket` spends a token of its address."""

    async def dependency(request: Request) -> None:
        _check(request, bucket)

    return dependency


def anonymous_rate_limit(bucket: str) -> Callable[[Request, OptionalPrincipal], Awaitable[None]]:
    """A dependency: anonymous callers spend a token; a signed-in user or an API key is not limited."""

    async def dependency(request: Request, principal: OptionalPrincipal) -> None:
        if principal is None:
            _check(request, bucket)

    return dependency
