"""Reports over HTTP: filed from the QR page without signing in; the reporter's identity is for regulators only."""

import json
from email.message import EmailMessage
from typing import Any

from tests.api.conftest import Api, new_ref

ELEVATOR = "31011500002"
NAME = "李雷"
PHONE = "13687654321"
REGULATOR = "u-regulator-pudong"


def _real_name(**fields: Any) -> dict[str, Any]:
    return {
        "elevator_code": ELEVATOR,
        "text": "物业长期停用电梯五方对讲，困人时无法求救",
        "reporter_name": NAME,
        "reporter_phone": PHONE,
        **fields,
    }


def _mail_text(message: EmailMessage) -> str:
    parts = [str(p.get_content()) for p in message.walk() if p.get_content_maintype() == "text"]
    return str(message["Subject"]) + "\n".join(parts)


def _assert_no_identity(body: object) -> None:
    text = json.dumps(body, ensure_ascii=False)
    assert NAME not in text
    assert PHONE not in text


async def test_a_real_name_report_keeps_the_reporter_for_regulators_only(api: Api) -> None:
    key = new_ref()
    created = await api.http.post("/tickets/report", json=_real_name(), headers={"Idempotency-Key": key})
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket_id"]
    token = created.json()["tracking_token"]
    assert ticket_id == f"report-{ELEVATOR}-{key}"
    assert token
    # The phone retries after a timeout: the same ticket, and the token is not handed out again.
    again = await api.http.post("/tickets/report", json=_real_name(), headers={"Idempotency-Key": key})
    assert again.status_code == 200
    assert (again.json()["ticket_id"], again.json()["tracking_token"]) == (ticket_id, None)

    ticket = await api.ticket(ticket_id)
    assert (ticket["kind_label"], ticket["state_label"]) == ("举报", "核查中")
    assert ticket["allowed_actions"] == ["open_case", "decline_case", "extend", "pause"]
    assert ticket["details"]["anonymous"] is False
    _assert_no_identity(ticket)

    reporter = await api.http.get(f"/tickets/{ticket_id}/reporter", headers={"X-User-Id": REGULATOR})
    assert reporter.status_code == 200, reporter.text
    assert reporter.json() == {"ticket_id": ticket_id, "name": NAME, "phone": PHONE}
    assert reporter.headers["Cache-Control"] == "no-store"
    for user in ("u-safety-lujiazui", "u-maintainer-shenda", "u-regulator-xuhui"):
        refused = await api.http.get(f"/tickets/{ticket_id}/reporter", headers={"X-User-Id": user})
        assert refused.status_code == 403, user
        assert "举报人信息仅监管部门可见" in refused.json()["detail"]
    assert (await api.http.get(f"/tickets/{ticket_id}/reporter")).status_code == 401

    unit = await api.act(ticket_id, "open_case", "u-safety-lujiazui", {"note": "已整改"})
    assert unit.status_code == 403
    opened = await api.act(ticket_id, "open_case", REGULATOR, {"note": "现场核查属实"})
    assert opened.status_code == 200, opened.text
    assert opened.json()["state"] == "informing"
    assert opened.json()["allowed_actions"] == ["inform_reporter", "extend", "pause"]
    clue_id = opened.json()["details"]["clue_ticket_id"]
    assert clue_id in opened.json()["spawned_tickets"]
    named = await api.act(ticket_id, "inform_reporter", REGULATOR, {"note": f"已电话告知{NAME}"})
    assert named.status_code == 422
    informed = await api.act(ticket_id, "inform_reporter", REGULATOR, {"note": "电话告知举报人：已立案调查"})
    assert informed.status_code == 200, informed.text
    assert informed.json()["state"] == "closed"
    await api.run_finished(ticket_id)

    _assert_no_identity(await api.ticket(ticket_id))
    listed = await api.read("/tickets", params={"kind": "report", "elevator_code": ELEVATOR})
    assert ticket_id in [item["ticket_id"] for item in listed.json()["items"]]
    _assert_no_identity(listed.json())
    tracked = await api.http.get(f"/track/{token}")
    assert tracked.status_code == 200, tracked.text
    assert (tracked.json()["ticket_id"], tracked.json()["state_label"]) == (ticket_id, "已办结")
    assert [step["action"] for step in tracked.json()["timeline"]] == [
        "submit",
        "open_case",
        "inform_reporter",
    ]
    _assert_no_identity(tracked.json())

    closed_clue = await api.act(clue_id, "record_no_penalty", REGULATOR, {"reason": "测试结束：已责令改正"})
    assert closed_clue.status_code == 200, closed_clue.text
    await api.run_finished(clue_id)
    messages = await api.mail.wait_for(lambda ms: any(ticket_id in str(m["X-Idempotency-Key"]) for m in ms))
    for message in messages:
        assert NAME not in _mail_text(message)
        assert PHONE not in _mail_text(message)


async def test_an_anonymous_report_needs_no_name_and_a_real_name_one_needs_a_phone(api: Api) -> None:
    anonymous = await api.http.post(
        "/tickets/report",
        json={
            "elevator_code": ELEVATOR,
            "text": "维保单位超过15日未维保",
            "suspect": "maintenance_unit",
            "anonymous": True,
        },
    )
    assert anonymous.status_code == 201, anonymous.text
    ticket_id = anonymous.json()["ticket_id"]
    ticket = await api.ticket(ticket_id)
    assert ticket["details"]["anonymous"] is True
    assert ticket["details"]["suspect_unit_id"] == "mu-shenda"
    no_one = await api.http.get(f"/tickets/{ticket_id}/reporter", headers={"X-User-Id": REGULATOR})
    assert no_one.status_code == 404
    declined = await api.act(ticket_id, "decline_case", REGULATOR, {"reason": "经核查，维保按期进行"})
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "closed"
    await api.run_finished(ticket_id)
    tracked = await api.http.get(f"/track/{anonymous.json()['tracking_token']}")
    assert tracked.json()["timeline"][-1]["note"] == "经核查，维保按期进行"

    no_phone = await api.http.post("/tickets/report", json=_real_name(reporter_phone=None))
    assert no_phone.status_code == 422
    assert no_phone.json()["detail"][0]["loc"] == ["body", "reporter_phone"]
    bad_phone = await api.http.post("/tickets/report", json=_real_name(reporter_phone="12345"))
    assert bad_phone.status_code == 422
    assert bad_phone.json()["detail"][0]["loc"] == ["body", "reporter_phone"]
    no_name = await api.http.post("/tickets/report", json=_real_name(reporter_name=None))
    assert no_name.status_code == 422
    assert no_name.json()["detail"][0]["loc"] == ["body", "reporter_name"]
    too_long = await api.http.post("/tickets/report", json=_real_name(text="举" * 2001))
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["body", "text"]
    unknown = await api.http.post("/tickets/report", json=_real_name(elevator_code="nope"))
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "elevator_code"]
    openapi = (await api.http.get("/openapi.json")).json()
    assert "public" in openapi["paths"]["/tickets/report"]["post"]["tags"]
