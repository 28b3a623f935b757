"""Passenger feedback over HTTP: filed from the QR page without signing in, answered by the use unit."""

from tests.api.conftest import Api, new_ref

ELEVATOR = "31011500002"


async def test_a_passenger_files_feedback_and_the_use_unit_answers(api: Api) -> None:
    key = new_ref()
    body = {"elevator_code": ELEVATOR, "feedback_type": "evaluation", "rating": 5, "text": "很干净"}
    created = await api.http.post("/tickets/feedback", json=body, headers={"Idempotency-Key": key})
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket_id"]
    # The phone retries after a timeout: the same key answers with the same ticket.
    again = await api.http.post("/tickets/feedback", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 200
    assert again.json()["ticket_id"] == ticket_id
    assert again.json()["duplicate"] is True

    ticket = await api.ticket(ticket_id)
    assert (ticket["kind_label"], ticket["state_label"]) == ("乘客评价建议", "待答复")
    assert ticket["allowed_actions"] == ["answer", "extend", "pause"]
    assert ticket["timeline"][0]["actor_name"] == "公众"

    wrong = await api.act(ticket_id, "answer", "u-safety-xujiahui", {"answer": "不是我们的电梯"})
    assert wrong.status_code == 403
    answered = await api.act(ticket_id, "answer", "u-safety-lujiazui", {"answer": "感谢您的评价"})
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "answered"
    listed = await api.read("/tickets", params={"kind": "feedback", "state": "answered"})
    assert ticket_id in [item["ticket_id"] for item in listed.json()["items"]]
    await api.run_finished(ticket_id)


async def test_feedback_needs_a_known_elevator_and_an_evaluation_needs_stars(api: Api) -> None:
    unknown = await api.http.post(
        "/tickets/feedback", json={"elevator_code": "nope", "feedback_type": "suggestion", "text": "x"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "elevator_code"]
    no_stars = await api.http.post(
        "/tickets/feedback", json={"elevator_code": ELEVATOR, "feedback_type": "evaluation", "text": "还行"}
    )
    assert no_stars.status_code == 422
    assert no_stars.json()["detail"][0]["loc"] == ["body", "rating"]
    openapi = (await api.http.get("/openapi.json")).json()
    assert "public" in openapi["paths"]["/tickets/feedback"]["post"]["tags"]
