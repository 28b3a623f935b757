"""Complaints over HTTP: filed from the QR page, handled by the district regulator, followed and evaluated
by the complainant on the public tracking page, which names no one."""

from typing import Any

from tests.api.conftest import Api, new_ref

ELEVATOR = "31011500002"
NAME = "李明华"
PHONE = "13800138000"
# Who handles the complaint, and who must never be named on the public page.
REGULATOR = "u-regulator-pudong"
NAMED_NOWHERE_PUBLIC = (NAME, PHONE, REGULATOR, "孙科长", "reg-pudong", "uu-lujiazui", "mu-shenda")


def _complaint(**changes: Any) -> dict[str, Any]:
    return {
        "elevator_code": ELEVATOR,
        "complaint": "电梯门夹人，物业未处理",
        "request": "检修电梯门并赔礼道歉",
        "complainant_name": NAME,
        "complainant_phone": PHONE,
        **changes,
    }


async def test_a_complainant_files_follows_and_evaluates_a_complaint(api: Api) -> None:
    key = new_ref()
    created = await api.http.post("/tickets/complaint", json=_complaint(), headers={"Idempotency-Key": key})
    assert created.status_code == 201, created.text
    body = created.json()
    ticket_id, token = body["ticket_id"], body["tracking_token"]
    assert ticket_id == f"complaint-{ELEVATOR}-{key}"
    assert (body["state"], body["duplicate"]) == ("received", False)
    assert len(token) >= 32
    # A retry reaches the same complaint; the token is given once only, since only its digest is kept.
    again = await api.http.post("/tickets/complaint", json=_complaint(), headers={"Idempotency-Key": key})
    assert again.status_code == 200
    assert (again.json()["ticket_id"], again.json()["duplicate"], again.json()["tracking_token"]) == (
        ticket_id,
        True,
        None,
    )

    internal = await api.read(f"/tickets/{ticket_id}")
    assert internal.status_code == 200
    assert NAME not in internal.text
    assert PHONE not in internal.text
    ticket = internal.json()
    assert (ticket["kind_label"], ticket["state_label"]) == ("投诉", "待受理")
    assert ticket["allowed_actions"] == ["accept", "reject", "refer_violation", "extend", "pause"]
    assert ticket["assigned_unit_id"] == "reg-pudong"

    tracked = await api.http.get(f"/track/{token}")
    assert tracked.status_code == 200, tracked.text
    page = tracked.json()
    assert (page["kind_label"], page["state"], page["state_label"]) == ("投诉", "received", "待受理")
    assert page["due_at"] == ticket["due_at"]
    assert page["public_actions"] == []
    assert [(s["action"], s["state_label"], s["note"]) for s in page["timeline"]] == [
        ("submit", "待受理", "")
    ]

    too_early = await api.act(ticket_id, "record_result", REGULATOR, {"agreed": True, "result": "已修复"})
    assert too_early.status_code == 409
    assert too_early.json()["detail"]["state"] == "received"
    assert "accept" in too_early.json()["detail"]["allowed_actions"]
    nothing_to_evaluate = await api.http.post(
        f"/track/{token}/evaluate", json={"satisfied": True, "rating": 5}
    )
    assert nothing_to_evaluate.status_code == 409
    other_district = await api.act(ticket_id, "accept", "u-regulator-xuhui", {})
    assert other_district.status_code == 403

    accepted = await api.act(ticket_id, "accept", REGULATOR, {"note": "予以受理"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "mediating"
    recorded = await api.act(
        ticket_id, "record_result", REGULATOR, {"agreed": True, "result": "物业已更换门机并致歉"}
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["state"] == "awaiting_evaluation"

    page = (await api.http.get(f"/track/{token}")).json()
    assert (page["state_label"], page["public_actions"]) == ("待评价", ["evaluate"])
    assert [(s["action"], s["note"]) for s in page["timeline"]] == [
        ("submit", ""),
        ("accept", "予以受理"),
        ("record_result", "物业已更换门机并致歉"),
    ]
    bad_stars = await api.http.post(f"/track/{token}/evaluate", json={"satisfied": True, "rating": 0})
    assert bad_stars.status_code == 422
    assert bad_stars.json()["detail"][0]["loc"] == ["body", "rating"]
    evaluated = await api.http.post(
        f"/track/{token}/evaluate", json={"satisfied": True, "rating": 5, "text": "满意"}
    )
    assert evaluated.status_code == 200, evaluated.text
    page = evaluated.json()
    assert (page["state"], page["state_label"], page["due_at"]) == ("closed", "已办结", None)
    assert page["timeline"][-1]["action"] == "evaluate"
    assert page["timeline"][-1]["note"] == "", "the public page repeats no one's words but the regulator's"
    public_text = (await api.http.get(f"/track/{token}")).text
    for named in NAMED_NOWHERE_PUBLIC:
        assert named not in public_text, named
    closed = await api.ticket(ticket_id)
    assert (closed["details"]["satisfied"], closed["details"]["rating"]) == (True, 5)
    await api.run_finished(ticket_id)


async def test_a_complaint_needs_a_known_elevator_and_a_phone_to_call_back(api: Api) -> None:
    for phone in ("12345", "1380013800", "abc13800138000", "+1 555 0100"):
        bad_phone = await api.http.post("/tickets/complaint", json=_complaint(complainant_phone=phone))
        assert bad_phone.status_code == 422, phone
        assert bad_phone.json()["detail"][0]["loc"] == ["body", "complainant_phone"]
    unknown = await api.http.post("/tickets/complaint", json=_complaint(elevator_code="nope"))
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "elevator_code"]
    no_name = await api.http.post("/tickets/complaint", json=_complaint(complainant_name="  "))
    assert no_name.status_code == 422
    assert no_name.json()["detail"][0]["loc"] == ["body", "complainant_name"]
    # Landlines, with or without the area code, and +86 mobiles are numbers one can call back.
    for phone in ("021-62345678", "62345678", "+8613912345678"):
        accepted = await api.http.post("/tickets/complaint", json=_complaint(complainant_phone=phone))
        assert accepted.status_code == 201, accepted.text
        rejected = await api.act(accepted.json()["ticket_id"], "reject", REGULATOR, {"reason": "测试"})
        assert rejected.status_code == 200, rejected.text
        await api.run_finished(accepted.json()["ticket_id"])


async def test_an_unknown_tracking_token_finds_nothing(api: Api) -> None:
    assert (await api.http.get("/track/no-such-token")).status_code == 404
    evaluate = await api.http.post("/track/no-such-token/evaluate", json={"satisfied": True, "rating": 5})
    assert evaluate.status_code == 404
    openapi = (await api.http.get("/openapi.json")).json()
    assert "public" in openapi["paths"]["/tickets/complaint"]["post"]["tags"]
    assert "public" in openapi["paths"]["/track/{token}"]["get"]["tags"]
    assert "public" in openapi["paths"]["/track/{token}/evaluate"]["post"]["tags"]


async def test_a_complaint_that_also_reports_runs_as_two_linked_tracks(api: Api) -> None:
    body = _complaint(also_report=True, report_suspect="maintenance_unit")
    key = new_ref()
    first = await api.http.post("/tickets/complaint", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    created = first.json()
    complaint_id, report_id = created["ticket_id"], created["report_ticket_id"]
    assert report_id.startswith("report-")
    assert created["tracking_token"] != created["report_tracking_token"]
    report = await api.ticket(report_id)
    assert (report["kind"], report["spawned_from"], report["linked_tickets"]) == (
        "report",
        complaint_id,
        [complaint_id],
    )
    assert report["details"]["anonymous"] is False
    assert report_id in (await api.ticket(complaint_id))["spawned_tickets"]
    tracked = (await api.http.get(f"/track/{created['report_tracking_token']}")).json()
    assert tracked["ticket_id"] == report_id

    # The phone retries: both tracks are found again, none opened twice.
    again = await api.http.post("/tickets/complaint", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 200
    assert (again.json()["ticket_id"], again.json()["report_ticket_id"]) == (complaint_id, report_id)

    assert (await api.act(complaint_id, "reject", REGULATOR, {"reason": "属举报事项"})).status_code == 200
    declined = await api.act(report_id, "decline_case", REGULATOR, {"reason": "经核查不属实"})
    assert declined.status_code == 200, declined.text
    informed = await api.act(report_id, "inform_reporter", REGULATOR, {"note": "电话告知核查结果"})
    assert informed.status_code == 200, informed.text
    await api.run_finished(complaint_id)
    await api.run_finished(report_id)
