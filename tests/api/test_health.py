"""A load balancer's view: the API is up, and ready only while its database and Temporal answer."""

from __future__ import annotations

import httpx

from tests.api.conftest import Api


async def test_a_replica_with_its_database_and_temporal_is_ready(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = await api.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "temporal": "ok"}}


async def test_a_replica_that_cannot_reach_temporal_is_up_but_not_ready(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    assert (await api_without_temporal.get("/healthz")).status_code == 200
    ready = await api_without_temporal.get("/readyz")
    assert ready.status_code == 503
    # What is unreachable, never why: the endpoint is public.
    assert ready.json() == {"status": "not_ready", "checks": {"database": "ok", "temporal": "unreachable"}}
    assert "127.0.0.1" not in ready.text
