"""Hostile input on the public surfaces: scripts, broken UTF-8, forged tokens get a clear answer and leave
nothing half-written."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import PUDONG_B, Api

SCRIPT = '<script>alert("x")</script>'


async def _total(api: Api) -> int:
    total: int = (await api.read("/tickets")).json()["total"]
    return total


def _submission(page: httpx.Response) -> str:
    found = re.search(r'name="submission" value="([^"]*)"', page.text)
    assert found, "no submission id on the form"
    return found.group(1)


async def test_a_script_typed_into_a_complaint_is_shown_as_text_never_run(api: Api) -> None:
    submission = _submission(await api.http.get(f"/e/{PUDONG_B}/complaint"))
    form = {
        "submission": submission,
        "kind": "complaint",
        "text": f"电梯门夹人{SCRIPT}",
        "request": f"检修{SCRIPT}",
        "name": f"王{SCRIPT}",
        "phone": "139 1234 0001",
    }

    filed = await api.http.post(f"/e/{PUDONG_B}/complaint", data=form)

    assert filed.status_code == 200, filed.text
    assert SCRIPT not in filed.text
    tracking = re.search(r'href="(/t/[A-Za-z0-9_-]+)"', filed.text)
    assert tracking, filed.text
    followed = await api.http.get(tracking.group(1))
    assert followed.status_code == 200
    assert SCRIPT not in followed.text
    assert "<script>alert" not in followed.text


async def test_broken_utf8_is_refused_clearly_or_read_whole(api: Api) -> None:
    broken = b'{"elevator_code": "' + PUDONG_B.encode() + b'", "complaint": "\xff\xfe\xfa", "request": "x"}'

    as_json = await api.http.post(
        "/tickets/complaint", content=broken, headers={"Content-Type": "application/json"}
    )

    # JSON that is not UTF-8 is no request at all.
    assert as_json.status_code in (400, 422), as_json.text
    assert await _total(api) == 0

    as_form = await api.http.post(
        f"/e/{PUDONG_B}/feedback",
        content=b"feedback_type=suggestion&text=%FF%FE%FA%E5%BB%BA%E8%AE%AE",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    # A form's broken bytes are read as replacement characters, as browsers and Starlette do: the
    # suggestion is filed whole, with what could be read of it.
    assert as_form.status_code == 200, as_form.text
    [filed] = (await api.read("/tickets", params={"kind": "feedback"})).json()["items"]
    assert filed["details"]["text"] == "\ufffd\ufffd\ufffd建议"


async def test_a_forged_tracking_token_finds_nothing_and_changes_nothing(api: Api) -> None:
    forged = "A" * 43

    page = await api.http.get(f"/t/{forged}")
    json_answer = await api.http.get(f"/track/{forged}")
    evaluated = await api.http.post(f"/track/{forged}/evaluate", json={"satisfied": True, "rating": 5})
    too_long = await api.http.get(f"/t/{'B' * 5000}")

    assert page.status_code == 404
    assert "查询" in page.text or "找不到" in page.text or "未找到" in page.text
    assert json_answer.status_code == 404
    assert evaluated.status_code in (404, 422), evaluated.text
    assert too_long.status_code in (404, 414, 422)
    assert await _total(api) == 0
