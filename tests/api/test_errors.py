"""What a client sees when a request cannot be served: a clear status and reason, never a 500."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.conftest import (
    DISPATCHER,
    JINGAN,
    MONITORING,
    PUDONG_A,
    RESCUER_PUJIANG,
    RESCUER_SHENDA,
    SAFETY_LUJIAZUI,
    XUHUI,
    Api,
    new_ref,
)


def _error_fields(response: httpx.Response) -> list[str]:
    """The fields a 422 names, e.g. ['people_freed'] for loc ['body', 'people_freed']."""
    assert response.status_code == 422, response.text
    detail: list[dict[str, Any]] = response.json()["detail"]
    return [str(error["loc"][-1]) for error in detail]


async def test_an_action_the_state_does_not_allow_says_what_is_allowed(api: Api) -> None:
    ticket_id = await api.open(PUDONG_A)

    response = await api.act(ticket_id, "confirm", SAFETY_LUJIAZUI)

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail["state"] == "dispatched"
    assert detail["allowed_actions"] == ["accept", "cancel"]
    assert "accept" in detail["message"]
    assert "cancel" in detail["message"]
    assert (await api.ticket(ticket_id))["state"] == "dispatched"
    await api.cancel(ticket_id)


async def test_a_finished_ticket_allows_no_action(api: Api) -> None:
    ticket_id = await api.open(PUDONG_A)
    await api.cancel(ticket_id, "误报")

    # Right after the cancel (the run may still be sending mails) and once the run has completed.
    just_cancelled = await api.act(ticket_id, "accept", RESCUER_SHENDA)
    await api.run_finished(ticket_id)
    long_cancelled = await api.act(ticket_id, "cancel", DISPATCHER, {"reason": "再次撤销"})

    for response in (just_cancelled, long_cancelled):
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert detail["state"] == "cancelled"
        assert detail["allowed_actions"] == []
    assert (await api.ticket(ticket_id))["state"] == "cancelled"


async def test_a_closed_ticket_allows_no_action(api: Api) -> None:
    ticket_id = await api.open(PUDONG_A)
    for action, user, body in [
        ("accept", RESCUER_SHENDA, {}),
        ("arrive", RESCUER_SHENDA, {}),
        ("release", RESCUER_SHENDA, {"people_freed": 1, "handler_name": "李师傅"}),
        ("confirm", SAFETY_LUJIAZUI, {}),
    ]:
        assert (await api.act(ticket_id, action, user, body)).status_code == 200
    await api.run_finished(ticket_id)

    response = await api.act(ticket_id, "confirm", SAFETY_LUJIAZUI)

    assert response.status_code == 409, response.text
    assert response.json()["detail"]["state"] == "closed"
    assert response.json()["detail"]["allowed_actions"] == []


async def test_only_the_assigned_unit_and_a_dispatcher_may_act(api: Api) -> None:
    ticket_id = await api.open(PUDONG_A)

    # The elevator is maintained by mu-shenda; a rescuer of mu-pujiang may not take the ticket.
    other_unit = await api.act(ticket_id, "accept", RESCUER_PUJIANG)
    assert other_unit.status_code == 403, other_unit.text
    assert "mu-pujiang" in other_unit.json()["detail"]

    wrong_role = await api.act(ticket_id, "accept", SAFETY_LUJIAZUI)
    assert wrong_role.status_code == 403, wrong_role.text

    not_dispatcher = await api.act(ticket_id, "cancel", RESCUER_SHENDA, {"reason": "误报"})
    assert not_dispatcher.status_code == 403, not_dispatcher.text

    ticket = await api.ticket(ticket_id)
    assert ticket["state"] == "dispatched"
    assert [e["action"] for e in ticket["timeline"]] == ["report", "dispatch"]
    await api.cancel(ticket_id)


async def test_unknown_ticket_is_404(api: Api) -> None:
    missing = "rescue-31011500001-alarm-does-not-exist"

    read = await api.read(f"/tickets/{missing}")
    action = await api.act(missing, "accept", RESCUER_SHENDA)

    assert read.status_code == 404, read.text
    assert action.status_code == 404, action.text
    assert missing in read.json()["detail"]


async def test_unknown_or_missing_user_is_401(api: Api) -> None:
    ticket_id = await api.open(XUHUI)

    unknown_user = await api.act(ticket_id, "accept", "u-nobody")
    no_header = await api.act(ticket_id, "accept", None)
    alarm_without_user = await api.report(XUHUI, new_ref(), user=None)
    alarm_by_unknown_user = await api.report(XUHUI, new_ref(), user="u-nobody")

    assert unknown_user.status_code == 401, unknown_user.text
    assert "u-nobody" in unknown_user.json()["detail"]
    assert no_header.status_code == 401, no_header.text
    assert "sign in" in no_header.json()["detail"]
    assert no_header.headers["WWW-Authenticate"] == "Bearer"
    assert alarm_without_user.status_code == 401, alarm_without_user.text
    assert alarm_by_unknown_user.status_code == 401, alarm_by_unknown_user.text
    ticket = await api.ticket(ticket_id)
    assert ticket["state"] == "dispatched"
    assert len(ticket["reports"]) == 1
    await api.cancel(ticket_id)


async def test_bad_action_payloads_are_422_naming_the_field(api: Api) -> None:
    ticket_id = await api.open(JINGAN)
    for action in ("accept", "arrive"):
        assert (await api.act(ticket_id, action, RESCUER_PUJIANG)).status_code == 200

    negative = await api.act(
        ticket_id, "release", RESCUER_PUJIANG, {"people_freed": -1, "handler_name": "张师傅"}
    )
    no_handler = await api.act(ticket_id, "release", RESCUER_PUJIANG, {"people_freed": 1})
    blank_handler = await api.act(
        ticket_id, "release", RESCUER_PUJIANG, {"people_freed": 1, "handler_name": ""}
    )
    unknown_field = await api.act(
        ticket_id, "release", RESCUER_PUJIANG, {"people_freed": 1, "handler_name": "张师傅", "trapped": 1}
    )
    no_reason = await api.act(ticket_id, "cancel", DISPATCHER, {})

    assert _error_fields(negative) == ["people_freed"]
    assert _error_fields(no_handler) == ["handler_name"]
    assert _error_fields(blank_handler) == ["handler_name"]
    assert _error_fields(unknown_field) == ["trapped"]
    assert _error_fields(no_reason) == ["reason"]
    assert (await api.ticket(ticket_id))["state"] == "on_site"
    await api.cancel(ticket_id)


async def test_a_reported_time_in_the_future_is_422(api: Api) -> None:
    ticket_id = await api.open(JINGAN)
    assert (await api.act(ticket_id, "accept", RESCUER_PUJIANG)).status_code == 200
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    response = await api.act(ticket_id, "arrive", RESCUER_PUJIANG, {"arrived_at": tomorrow})

    assert response.status_code == 422, response.text
    assert "arrived_at" in str(response.json()["detail"])
    assert (await api.ticket(ticket_id))["state"] == "accepted"
    await api.cancel(ticket_id)


async def test_bad_reports_are_422_naming_the_field(api: Api) -> None:
    unknown_elevator = await api.report("99999999999", new_ref())
    without_ref = await api.report(PUDONG_A, None)
    bad_ref = await api.report(PUDONG_A, "no spaces / slashes")
    unknown_source = await api.report(PUDONG_A, new_ref(), source="fax")
    unknown_field = await api.report(PUDONG_A, new_ref(), trapped=2)
    naive_alarm_time = await api.report(PUDONG_A, new_ref(), alarm_at="2025-01-01T08:00:00")

    assert _error_fields(unknown_elevator) == ["elevator_code"]
    assert "99999999999" in str(unknown_elevator.json()["detail"])
    assert _error_fields(without_ref) == ["ref"]
    assert _error_fields(bad_ref) == ["ref"]
    assert _error_fields(unknown_source) == ["source"]
    assert _error_fields(unknown_field) == ["trapped"]
    assert _error_fields(naive_alarm_time) == ["alarm_at"]
    listed = await api.read("/tickets")
    assert listed.json()["total"] == 0


async def test_temporal_unreachable_is_503_not_500(api_without_temporal: httpx.AsyncClient) -> None:
    http = api_without_temporal

    response = await http.post(
        "/tickets/rescue",
        json={"elevator_code": PUDONG_A, "source": "alarm", "ref": new_ref()},
        headers={"X-User-Id": MONITORING},
    )

    assert response.status_code == 503, response.text
    assert "Temporal" in response.json()["detail"]
    assert response.headers.get("Retry-After") is not None
    # Reading needs only the read model, so it keeps working while Temporal is down.
    listed = await http.get("/tickets", headers={"X-User-Id": "u-regulator-city"})
    assert listed.status_code == 200, listed.text


async def test_twenty_clients_taking_the_same_action_at_once_one_wins_the_rest_are_told_the_state(
    api: Api,
) -> None:
    ticket_id = await api.open(XUHUI)

    responses = await asyncio.gather(*(api.act(ticket_id, "accept", RESCUER_PUJIANG) for _ in range(20)))

    codes = sorted(response.status_code for response in responses)
    assert codes == [200] + [409] * 19, [r.text for r in responses if r.status_code not in (200, 409)]
    for refused in (r for r in responses if r.status_code == 409):
        detail = refused.json()["detail"]
        assert detail["state"] == "accepted"
        assert detail["allowed_actions"] == ["arrive", "cancel"]
    ticket = await api.ticket(ticket_id)
    # The action is recorded once: one accept in the timeline, however many clients sent it.
    assert [event["action"] for event in ticket["timeline"]].count("accept") == 1
    assert ticket["state"] == "accepted"
