"""The public pages share the JSON API's abuse limits, and say so to a person in Chinese."""

from __future__ import annotations

import html

import pytest

from elevator_orders.settings import Settings
from tests.api.conftest import PUDONG_B, Api

PER_MINUTE = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_rate_per_minute": PER_MINUTE})


async def test_a_flood_of_feedback_from_one_address_is_told_to_wait_with_what_was_typed(api: Api) -> None:
    form = {"feedback_type": "suggestion", "text": "建议增加照明"}
    for _ in range(PER_MINUTE):
        sent = await api.http.post(f"/e/{PUDONG_B}/feedback", data=form)
        assert sent.status_code == 200, sent.text
    throttled = await api.http.post(f"/e/{PUDONG_B}/feedback", data={**form, "text": "第三条建议"})
    assert throttled.status_code == 429
    page = html.unescape(throttled.text)
    assert "请求过于频繁" in page
    assert "第三条建议" in page
    # The page and the JSON API count against one limit: the page is no way around it.
    json_api = await api.http.post(
        "/tickets/feedback", json={"elevator_code": PUDONG_B, "feedback_type": "suggestion", "text": "再试"}
    )
    assert json_api.status_code == 429
    # Each kind keeps its own count: feedback does not use up the alarm.
    alarm = await api.http.post(f"/e/{PUDONG_B}/rescue", data={})
    assert alarm.status_code == 422
