"""The token bucket and the client address it is keyed by, without a server."""

from __future__ import annotations

from ipaddress import ip_network

from starlette.requests import Request

from api.rate_limit import TokenBucketLimiter, client_address


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_spends_its_burst_then_waits_for_the_refill() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_minute=30, burst=2, clock=clock)
    assert limiter.take("complaint", "198.51.100.1") is None
    assert limiter.take("complaint", "198.51.100.1") is None
    assert limiter.take("complaint", "198.51.100.1") == 2.0  # one token every two seconds
    assert limiter.take("complaint", "198.51.100.2") is None
    assert limiter.take("report", "198.51.100.1") is None
    clock.now += 2
    assert limiter.take("complaint", "198.51.100.1") is None
    assert limiter.take("complaint", "198.51.100.1") is not None


def test_forgotten_clients_come_back_with_a_full_bucket() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(rate_per_minute=60, burst=1, clock=clock)
    assert limiter.take("track", "198.51.100.1") is None
    clock.now += 3600
    assert limiter.take("track", "198.51.100.9") is None  # sweeps the first client away
    assert limiter.take("track", "198.51.100.1") is None


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 50000), "headers": headers})


def test_forwarded_addresses_count_only_from_trusted_proxies() -> None:
    proxies = [ip_network("10.0.0.0/8")]
    assert client_address(_request("203.0.113.5", "198.51.100.1"), []) == "203.0.113.5"
    assert client_address(_request("203.0.113.5", "198.51.100.1"), proxies) == "203.0.113.5"
    assert client_address(_request("10.0.0.2", "198.51.100.1"), proxies) == "198.51.100.1"
    # The client wrote the leftmost entry itself; the trusted proxies appended the rest.
    assert client_address(_request("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3"), proxies) == "198.51.100.1"
    assert client_address(_request("10.0.0.2"), proxies) == "10.0.0.2"
