"""A hazard report (隐患上报) through the HTTP API: reporting one, the generic action routes, reading it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from domain.hazard import HAZARD_TYPES_ZH
from elevator_orders.official_calendar import load_working_day_calendar
from tests.api.conftest import JINGAN, PUDONG_A, PUDONG_B, SAFETY_LUJIAZUI, XUHUI, Api, new_ref
from tests.support.rescue import MAINTENANCE_MAIL, USE_UNIT_MAIL, mails_to, template_of

MAINTAINER_SHENDA = "u-maintainer-shenda"
MAINTAINER_PUJIANG = "u-maintainer-pujiang"
INSPECTOR = "u-inspector"
SAFETY_XUJIAHUI = "u-safety-xujiahui"
REGULATOR_PUDONG = "u-regulator-pudong"
INSPECTION_MAIL = "insp-sh@demo.elevator-orders.example"

_OPEN_STATES = ("rectifying", "rectified")


@pytest.fixture
async def hazard_api(api: Api) -> AsyncIterator[Api]:
    """`api`, with every hazard still open withdrawn by its reporter before `api` finishes the rest.

    A hazard takes no `cancel`, which is how `api` calls off whatever a failed test left open.
    """
    try:
        yield api
    finally:
        listed = ok(await api.read("/tickets", params={"kind": "hazard", "limit": 200}))
        for item in listed["items"]:
            ticket = await api.ticket(item["ticket_id"])
            if ticket["state"] == "rectified":
                failed = await api.act(
                    item["ticket_id"], "verify_fail", _reporter(ticket), {"reason": "测试结束"}
                )
                assert failed.status_code == 200, failed.text
            if ticket["state"] in _OPEN_STATES:
                await withdraw(api, item["ticket_id"], _reporter(ticket))


def _reporter(ticket: dict[str, Any]) -> str:
    reporter: str = ticket["timeline"][0]["actor_user_id"]
    return reporter


async def report_hazard(
    api: Api,
    elevator_code: str,
    ref: str,
    *,
    user: str | None = MAINTAINER_SHENDA,
    hazard_type: str = "brake_abnormal",
    severity: str = "serious",
    description: str = "制动器闸瓦磨损超限",
) -> httpx.Response:
    body = {
        "elevator_code": elevator_code,
        "ref": ref,
        "hazard_type": hazard_type,
        "severity": severity,
        "description": description,
    }
    headers = {"X-User-Id": user} if user is not None else {}
    return await api.http.post("/tickets/hazard", json=body, headers=headers)


async def open_hazard(api: Api, elevator_code: str = PUDONG_A, user: str = MAINTAINER_SHENDA) -> str:
    response = await report_hazard(api, elevator_code, new_ref(), user=user)
    assert response.status_code == 201, response.text
    ticket_id: str = response.json()["ticket_id"]
    return ticket_id


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def withdraw(api: Api, ticket_id: str, reporter: str = MAINTAINER_SHENDA) -> None:
    """The reporter withdraws a hazard still being rectified; wait for its run to finish."""
    withdrawn = ok(await api.act(ticket_id, "withdraw", reporter, {"reason": "测试结束"}))
    assert withdrawn["state"] == "cancelled"
    await api.run_finished(ticket_id)


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(template_of(m) for m in mails_to(messages, address))


async def test_a_maintainer_reports_a_hazard_and_its_repeat_answers_with_it(hazard_api: Api) -> None:
    api = hazard_api
    ref = f"YH-{new_ref()}"
    created = await report_hazard(api, PUDONG_A, ref)
    assert created.status_code == 201, created.text
    ticket_id = f"hazard-{PUDONG_A}-mu-shenda-{ref}"
    assert created.json() == {"ticket_id": ticket_id, "state": "rectifying", "duplicate": False}
    ticket = await api.ticket(ticket_id)
    assert ticket["kind"] == "hazard"
    assert ticket["kind_label"] == "隐患上报"
    assert ticket["state_label"] == "整改中"
    assert ticket["allowed_actions"] == ["submit_rectification", "withdraw", "extend", "pause"]
    assert [(r["source"], r["ref"]) for r in ticket["reports"]] == [("hazard", f"mu-shenda/{PUDONG_A}/{ref}")]

    again = await report_hazard(api, PUDONG_A, ref)
    assert again.status_code == 200, again.text
    assert again.json() == {"ticket_id": ticket_id, "state": "rectifying", "duplicate": True}
    assert [e["action"] for e in (await api.ticket(ticket_id))["timeline"]] == ["report", "dispatch"]

    await withdraw(api, ticket_id)
    # A late repeat of a finished hazard's report still names it.
    late = await report_hazard(api, PUDONG_A, ref)
    assert late.status_code == 200, late.text
    assert late.json() == {"ticket_id": ticket_id, "state": "cancelled", "duplicate": True}
    assert (await api.ticket(ticket_id))["state_label"] == "已撤回"


async def test_only_the_maintenance_unit_of_the_elevator_or_an_inspector_reports_hazards(
    hazard_api: Api,
) -> None:
    api = hazard_api
    refused = [
        (PUDONG_B, SAFETY_LUJIAZUI),  # the use unit rectifies; it does not report
        (PUDONG_B, MAINTAINER_PUJIANG),  # mu-pujiang does not maintain the Pudong elevators
        (PUDONG_B, REGULATOR_PUDONG),
    ]
    for elevator, user in refused:
        ref = f"YH-{new_ref()}"
        response = await report_hazard(api, elevator, ref, user=user)
        assert response.status_code == 403, (user, response.text)
        listed = await api.read("/tickets", params={"kind": "hazard", "elevator_code": elevator})
        assert all(ref not in item["ticket_id"] for item in listed.json()["items"])
    anonymous = await report_hazard(api, PUDONG_B, f"YH-{new_ref()}", user=None)
    assert anonymous.status_code == 401, anonymous.text

    # mu-pujiang maintains the Xuhui elevator; an inspection agency reports on any elevator.
    own = await open_hazard(api, XUHUI, user=MAINTAINER_PUJIANG)
    inspected = await open_hazard(api, JINGAN, user=INSPECTOR)
    ticket = await api.ticket(inspected)
    assert ticket["details"]["reporter_unit_id"] == "insp-sh"
    assert ticket["details"]["reporter_role"] == "inspector"
    assert (ticket["district"], ticket["use_unit_id"]) == ("jingan", "uu-jingan")

    # Withdrawing is the reporter's organisation's.
    not_reporter = await api.act(own, "withdraw", MAINTAINER_SHENDA, {"reason": "误报"})
    assert not_reporter.status_code == 403, not_reporter.text
    await withdraw(api, own, MAINTAINER_PUJIANG)
    await withdraw(api, inspected, INSPECTOR)


async def test_invalid_reports_and_actions_are_422_naming_the_field(hazard_api: Api) -> None:
    api = hazard_api
    cases: list[tuple[str, dict[str, Any]]] = [
        ("hazard_type", {"hazard_type": "gremlins"}),
        ("severity", {"severity": "minor"}),
        ("elevator_code", {"elevator_code": "31099900001"}),
        ("ref", {"ref": "has spaces"}),
    ]
    for field, change in cases:
        body = {
            "elevator_code": PUDONG_A,
            "ref": f"YH-{new_ref()}",
            "hazard_type": "brake_abnormal",
            "severity": "serious",
            **change,
        }
        response = await api.http.post("/tickets/hazard", json=body, headers={"X-User-Id": MAINTAINER_SHENDA})
        assert response.status_code == 422, response.text
        assert [error["loc"][-1] for error in response.json()["detail"]] == [field]

    ticket_id = await open_hazard(api)
    missing = await api.act(ticket_id, "submit_rectification", SAFETY_LUJIAZUI, {})
    assert missing.status_code == 422, missing.text
    blank = await api.act(ticket_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "   "})
    assert blank.status_code == 422, blank.text
    assert "evidence" in str(blank.json()["detail"])
    assert (await api.ticket(ticket_id))["state"] == "rectifying"
    ok(await api.act(ticket_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "已调整制动器"}))
    no_reason = await api.act(ticket_id, "verify_fail", MAINTAINER_SHENDA, {})
    assert no_reason.status_code == 422, no_reason.text
    closed = ok(await api.act(ticket_id, "verify_pass", MAINTAINER_SHENDA))
    assert closed["state"] == "closed"
    await api.run_finished(ticket_id)


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_hazard_runs_from_report_to_verification_over_http(hazard_api: Api) -> None:
    api = hazard_api
    ticket_id = await open_hazard(api)
    # A rescue elsewhere, so the listing below has something to leave out.
    rescue_id = await api.open(JINGAN)

    ticket = await api.ticket(ticket_id)
    assert (ticket["district"], ticket["assigned_unit_id"]) == ("pudong", "uu-lujiazui")
    assert ticket["details"]["hazard_type_label"] == "制动器异常"
    assert ticket["details"]["severity_label"] == "重大事故隐患"
    assert ticket["due_at"] is not None
    assert datetime.fromisoformat(ticket["deadlines"]["hazard.rectify_serious"]) == datetime.fromisoformat(
        ticket["due_at"]
    )
    assert ticket["timeline"][0]["actor_user_id"] == MAINTAINER_SHENDA

    # Rescue and fault-repair actions are not hazard actions.
    for action, body in (
        ("release", {"people_freed": 1, "handler_name": "黄工"}),
        ("cancel", {"reason": "x"}),
    ):
        response = await api.act(ticket_id, action, MAINTAINER_SHENDA, body)
        assert response.status_code == 409, response.text
        assert response.json()["detail"]["state"] == "rectifying"
        assert response.json()["detail"]["allowed_actions"] == [
            "submit_rectification",
            "withdraw",
            "extend",
            "pause",
        ]
    too_early = await api.act(ticket_id, "verify_pass", MAINTAINER_SHENDA)
    assert too_early.status_code == 409, too_early.text
    assert too_early.json()["detail"]["allowed_actions"] == [
        "submit_rectification",
        "withdraw",
        "extend",
        "pause",
    ]
    other_use_unit = await api.act(ticket_id, "submit_rectification", SAFETY_XUJIAHUI, {"evidence": "已整改"})
    assert other_use_unit.status_code == 403, other_use_unit.text

    rectified = ok(
        await api.act(ticket_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "更换制动器闸瓦"})
    )
    assert rectified["state"] == "rectified"
    assert rectified["state_label"] == "已整改待验证"
    assert rectified["allowed_actions"] == ["verify_pass", "verify_fail", "extend", "pause"]
    # The answer carries the verification's deadline, not the rectification's.
    assert datetime.fromisoformat(rectified["due_at"]) == datetime.fromisoformat(
        rectified["deadlines"]["hazard.verify"]
    )
    assert rectified["details"]["evidence"] == "更换制动器闸瓦"
    # A maintainer reported it: an inspector does not verify it.
    inspector = await api.act(ticket_id, "verify_pass", INSPECTOR)
    assert inspector.status_code == 403, inspector.text

    failed = ok(await api.act(ticket_id, "verify_fail", MAINTAINER_SHENDA, {"reason": "制动间隙仍超标"}))
    assert failed["state"] == "rectifying"
    assert "verify_failed" in failed["flags"]
    assert failed["details"]["verify_fail_reason"] == "制动间隙仍超标"
    # A new rectification clock: 5 working days from the failed verification.
    failed_at = datetime.fromisoformat(failed["timeline"][-1]["at"])
    calendar = load_working_day_calendar(api.settings.working_day_fallback_file)
    assert datetime.fromisoformat(failed["due_at"]) == calendar.add_working_days(failed_at, 5).due_at

    listed = ok(await api.read("/tickets", params={"kind": "hazard"}))
    assert [item["ticket_id"] for item in listed["items"]] == [ticket_id]
    assert listed["total"] == 1
    assert listed["items"][0]["state"] == "rectifying"
    assert listed["items"][0]["kind_label"] == "隐患上报"
    rescues = ok(await api.read("/tickets", params={"kind": "rescue"}))
    assert [item["ticket_id"] for item in rescues["items"]] == [rescue_id]

    ok(await api.act(ticket_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "重新调整制动间隙"}))
    closed = ok(await api.act(ticket_id, "verify_pass", MAINTAINER_SHENDA, {"remark": "复查合格"}))
    assert closed["state"] == "closed"
    assert closed["state_label"] == "已办结"
    assert closed["allowed_actions"] == []
    assert closed["closed_at"] is not None
    assert closed["due_at"] is None
    assert [e["action"] for e in closed["timeline"]] == [
        "report",
        "dispatch",
        "submit_rectification",
        "verify_fail",
        "submit_rectification",
        "verify_pass",
    ]
    after = await api.act(ticket_id, "verify_pass", MAINTAINER_SHENDA)
    assert after.status_code == 409, after.text

    await api.run_finished(ticket_id)
    messages = await api.mail.wait_for(
        lambda ms: (
            "hazard_closed" in _templates(ms, MAINTENANCE_MAIL)
            and "hazard_closed" in _templates(ms, USE_UNIT_MAIL)
        )
    )
    assert _templates(messages, USE_UNIT_MAIL) == [
        "hazard_closed",
        "hazard_verification_failed",
        "work_order_assigned",
    ]
    assert _templates(messages, MAINTENANCE_MAIL) == [
        "hazard_closed",
        "hazard_verification_requested",
        "hazard_verification_requested",
    ]
    assert mails_to(messages, INSPECTION_MAIL) == []


async def test_the_regulator_extends_and_the_acting_party_pauses_over_http(hazard_api: Api) -> None:
    api = hazard_api
    ticket_id = await open_hazard(api, PUDONG_B, user=INSPECTOR)
    # Well past the current deadline, counted from now: a fixed far-off date would one day be past.
    later_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=400)
    later = later_at.isoformat()

    not_regulator = await api.act(ticket_id, "extend", SAFETY_LUJIAZUI, {"due_at": later, "reason": "配件"})
    assert not_regulator.status_code == 403, not_regulator.text
    extended = ok(
        await api.act(ticket_id, "extend", REGULATOR_PUDONG, {"due_at": later, "reason": "需停梯大修"})
    )
    assert datetime.fromisoformat(extended["due_at"]) == later_at
    assert "extended" in extended["flags"]

    # While the use unit must act, the clock is the use unit's to stop.
    reporter_pauses = await api.act(ticket_id, "pause", INSPECTOR, {"reason": "检测"})
    assert reporter_pauses.status_code == 403, reporter_pauses.text
    paused = ok(await api.act(ticket_id, "pause", SAFETY_LUJIAZUI, {"reason": "等待检验机构检测"}))
    assert paused["due_at"] is None
    assert paused["allowed_actions"] == ["submit_rectification", "withdraw", "extend", "resume"]
    resumed = ok(await api.act(ticket_id, "resume", SAFETY_LUJIAZUI))
    assert resumed["allowed_actions"] == ["submit_rectification", "withdraw", "extend", "pause"]
    assert resumed["due_at"] is not None
    assert [e["action"] for e in resumed["timeline"]][-3:] == ["extend", "pause", "resume"]

    await withdraw(api, ticket_id, INSPECTOR)
    messages = await api.mail.wait_for(lambda ms: len(mails_to(ms, USE_UNIT_MAIL)) >= 1)
    assert _templates(messages, USE_UNIT_MAIL) == ["work_order_assigned"]


async def test_hazard_types_are_listed_with_their_names(hazard_api: Api) -> None:
    body = ok(await hazard_api.http.get("/hazard-types"))
    assert body == HAZARD_TYPES_ZH
    assert body["brake_abnormal"] == "制动器异常"
    assert body["machine_room"] == "机房/井道环境"
