"""Every answer names its request, so a complaint about one call can be found in the logs."""

from __future__ import annotations

import httpx


async def test_every_answer_carries_a_request_id_and_a_plausible_one_given_is_kept(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    kept = await api_without_temporal.get("/healthz", headers={"X-Request-ID": "lb-4f2a"})
    fresh = await api_without_temporal.get("/healthz", headers={"X-Request-ID": "forged id; level=error"})
    assert kept.headers["x-request-id"] == "lb-4f2a"
    assert fresh.headers["x-request-id"] not in ("", "forged id; level=error")
    assert len(fresh.headers["x-request-id"]) == 32
