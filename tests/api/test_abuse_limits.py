"""Abuse limits of the public endpoints: too many requests from one address, and oversized bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from elevator_orders.settings import Settings
from tests.api.conftest import MONITORING, PUDONG_A, PUDONG_B, Api, new_ref

PER_MINUTE = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_rate_per_minute": PER_MINUTE})


def _complaint(**changes: Any) -> dict[str, Any]:
    return {
        "elevator_code": PUDONG_B,
        "complaint": "电梯门夹人，物业未处理",
        "request": "检修电梯门",
        "complainant_name": "李明华",
        "complainant_phone": "13800138000",
        **changes,
    }


async def test_a_fourth_complaint_in_a_minute_from_one_address_waits(api: Api) -> None:
    for _ in range(PER_MINUTE):
        filed = await api.http.post("/tickets/complaint", json=_complaint())
        assert filed.status_code == 201, filed.text
    throttled = await api.http.post("/tickets/complaint", json=_complaint())
    assert throttled.status_code == 429, throttled.text
    wait = int(throttled.headers["Retry-After"])
    assert 1 <= wait <= 60 / PER_MINUTE
    assert throttled.json()["detail"] == f"请求过于频繁，请 {wait} 秒后再试"
    # X-Forwarded-For counts only from a trusted proxy: a client cannot claim to be someone else.
    spoofed = await api.http.post(
        "/tickets/complaint", json=_complaint(), headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert spoofed.status_code == 429
    # Each public endpoint keeps its own count: complaints do not use up the tracking page.
    tracked = await api.http.get(f"/track/{new_ref()}")
    assert tracked.status_code == 404


async def test_passengers_reporting_an_entrapment_are_limited_but_signed_in_callers_are_not(api: Api) -> None:
    for _ in range(PER_MINUTE):
        reported = await api.report(PUDONG_A, None, source="qr", user=None)
        assert reported.status_code in (200, 201), reported.text
    throttled = await api.report(PUDONG_A, None, source="qr", user=None)
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    # The monitoring platform's alarm for the same car, from the same address, is never held back.
    for _ in range(PER_MINUTE + 1):
        alarm = await api.report(PUDONG_A, new_ref(), user=MONITORING, alarm_type="用户报警")
        assert alarm.status_code in (200, 201), alarm.text
    listed = await api.read("/tickets")
    assert listed.status_code == 200


async def test_a_body_over_the_limit_is_refused_before_it_is_read(api: Api) -> None:
    limit = api.settings.max_request_body_bytes
    oversized = await api.http.post("/tickets/complaint", json=_complaint(complaint="电" * (100 * 1024 // 3)))
    assert int(oversized.request.headers["content-length"]) > limit
    assert oversized.status_code == 413
    assert oversized.json()["detail"] == "请求内容过大：上限为 64 KiB（65536 字节）"

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the middleware counts what arrives.
        for _ in range(100):
            yield b" " * 1024

    streamed = await api.http.post(
        "/tickets/complaint", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    assert streamed.status_code == 413

    normal = await api.http.post("/tickets/complaint", json=_complaint())
    assert normal.status_code == 201, normal.text
