"""A fault repair (故障维修) through the HTTP API: opening one, the generic action routes, reading it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from domain.fault_repair import FAULT_TYPES_ZH
from tests.api.conftest import JINGAN, MONITORING, PUDONG_A, PUDONG_B, SAFETY_LUJIAZUI, Api, new_ref
from tests.support.rescue import MAINTENANCE_MAIL, USE_UNIT_MAIL, mails_to, template_of

MAINTAINER_SHENDA = "u-maintainer-shenda"
MAINTAINER_PUJIANG = "u-maintainer-pujiang"
SAFETY_JINGAN = "u-safety-jingan"

# The next step from each open state towards closure: action, acting user, body.
_NEXT_STEP: dict[str, tuple[str, str, dict[str, Any]]] = {
    "reported": ("accept", MAINTAINER_SHENDA, {}),
    "accepted": ("arrive", MAINTAINER_SHENDA, {}),
    "on_site": ("fix", MAINTAINER_SHENDA, {"fault_type": "door_close_fault", "handler_name": "黄工"}),
    "not_fixable_yet": ("fix", MAINTAINER_SHENDA, {"fault_type": "door_close_fault", "handler_name": "黄工"}),
    "fixed": ("confirm", SAFETY_LUJIAZUI, {}),
}


async def report_fault(
    api: Api,
    elevator_code: str,
    ref: str,
    *,
    source: str = "alarm",
    user: str = MONITORING,
    fault_type: str = "door_open_fault",
    description: str = "开门故障报警",
) -> httpx.Response:
    body = {
        "elevator_code": elevator_code,
        "source": source,
        "ref": ref,
        "fault_type": fault_type,
        "description": description,
    }
    return await api.http.post("/tickets/fault-repair", json=body, headers={"X-User-Id": user})


async def open_fault(api: Api, elevator_code: str = PUDONG_A) -> str:
    """Open a repair from a monitoring alarm; its ticket id."""
    response = await report_fault(api, elevator_code, new_ref())
    assert response.status_code == 201, response.text
    ticket_id: str = response.json()["ticket_id"]
    return ticket_id


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def close_fault(api: Api, ticket_id: str) -> dict[str, Any]:
    """Take the repair from where it is to closed over HTTP and wait for its run to finish."""
    ticket = await api.ticket(ticket_id)
    while ticket["state"] != "closed":
        action, user, body = _NEXT_STEP[ticket["state"]]
        ticket = ok(await api.act(ticket_id, action, user, body))
    await api.run_finished(ticket_id)
    return ticket


async def cancel_fault(api: Api, ticket_id: str) -> None:
    """The use unit withdraws a repair still reported or accepted; wait for its run to finish."""
    cancelled = ok(await api.act(ticket_id, "cancel", SAFETY_LUJIAZUI, {"reason": "测试结束"}))
    assert cancelled["state"] == "cancelled"
    await api.run_finished(ticket_id)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(template_of(m) for m in mails_to(messages, address))


async def test_an_alarm_opens_a_repair_and_its_repeat_answers_with_it(api: Api) -> None:
    ref = new_ref()
    created = await report_fault(api, PUDONG_A, ref)
    assert created.status_code == 201, created.text
    ticket_id = f"fault-repair-{PUDONG_A}-alarm-{ref}"
    assert created.json() == {"ticket_id": ticket_id, "state": "reported", "duplicate": False}
    # The answer comes once the repair is stored.
    ticket = await api.ticket(ticket_id)
    assert ticket["state"] == "reported"
    assert [(r["source"], r["ref"]) for r in ticket["reports"]] == [("alarm", ref)]

    again = await report_fault(api, PUDONG_A, ref)
    assert again.status_code == 200, again.text
    assert again.json() == {"ticket_id": ticket_id, "state": "reported", "duplicate": True}
    assert [e["action"] for e in (await api.ticket(ticket_id))["timeline"]] == ["report", "dispatch"]

    # Alarms come from a monitoring platform, not from people.
    by_person = await report_fault(api, PUDONG_A, new_ref(), user=SAFETY_LUJIAZUI)
    assert by_person.status_code == 403, by_person.text

    await cancel_fault(api, ticket_id)
    # A late repeat of a finished repair's report still names it.
    late = await report_fault(api, PUDONG_A, ref)
    assert late.status_code == 200, late.text
    assert late.json() == {"ticket_id": ticket_id, "state": "cancelled", "duplicate": True}


async def test_a_use_unit_reports_faults_of_its_own_elevators_only(api: Api) -> None:
    ref = f"report-{new_ref()}"
    created = await report_fault(
        api,
        PUDONG_B,
        ref,
        source="use_unit",
        user=SAFETY_LUJIAZUI,
        fault_type="other",
        description="按钮失灵",
    )
    assert created.status_code == 201, created.text
    ticket_id = created.json()["ticket_id"]
    assert ticket_id == f"fault-repair-{PUDONG_B}-use_unit-{ref}"
    ticket = await api.ticket(ticket_id)
    assert ticket["details"]["source"] == "use_unit"
    assert ticket["details"]["description"] == "按钮失灵"
    assert ticket["timeline"][0]["actor_user_id"] == SAFETY_LUJIAZUI

    other_ref = f"report-{new_ref()}"
    other_unit = await report_fault(api, PUDONG_B, other_ref, source="use_unit", user=SAFETY_JINGAN)
    assert other_unit.status_code == 403, other_unit.text
    maintainer = await report_fault(api, PUDONG_B, other_ref, source="use_unit", user=MAINTAINER_SHENDA)
    assert maintainer.status_code == 403, maintainer.text
    missing = await api.read(f"/tickets/fault-repair-{PUDONG_B}-use_unit-{other_ref}")
    assert missing.status_code == 404, missing.text

    await cancel_fault(api, ticket_id)


async def test_unknown_fault_types_are_422_naming_the_field(api: Api) -> None:
    ref = new_ref()
    unknown = await report_fault(api, PUDONG_A, ref, fault_type="gremlins")
    assert unknown.status_code == 422, unknown.text
    assert [error["loc"][-1] for error in unknown.json()["detail"]] == ["fault_type"]
    missing = await api.read(f"/tickets/fault-repair-{PUDONG_A}-alarm-{ref}")
    assert missing.status_code == 404, missing.text

    # The fault type given with the fix is checked as well.
    ticket_id = await open_fault(api)
    ok(await api.act(ticket_id, "accept", MAINTAINER_SHENDA))
    ok(await api.act(ticket_id, "arrive", MAINTAINER_SHENDA))
    bad_fix = await api.act(
        ticket_id, "fix", MAINTAINER_SHENDA, {"fault_type": "gremlins", "handler_name": "黄工"}
    )
    assert bad_fix.status_code == 422, bad_fix.text
    assert "fault_type" in str(bad_fix.json()["detail"])
    assert (await api.ticket(ticket_id))["state"] == "on_site"
    await close_fault(api, ticket_id)


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_repair_runs_from_alarm_to_closure_over_http(api: Api) -> None:
    ticket_id = await open_fault(api)
    # A rescue elsewhere, so the listing below has something to leave out.
    rescue_id = await api.open(JINGAN)

    ticket = await api.ticket(ticket_id)
    assert ticket["kind"] == "fault_repair"
    assert ticket["kind_label"] == "故障维修"
    assert ticket["state"] == "reported"
    assert ticket["state_label"] == "已报修"
    assert ticket["allowed_actions"] == ["accept", "cancel", "extend", "pause"]
    assert (ticket["district"], ticket["assigned_unit_id"]) == ("pudong", "mu-shenda")
    assert ticket["details"]["fault_type"] == "door_open_fault"
    assert ticket["details"]["fault_type_label"] == "开门故障"
    assert ticket["due_at"] is not None
    assert ticket["deadlines"]["fault_repair.accept"] is not None
    assert [e["action"] for e in ticket["timeline"]] == ["report", "dispatch"]
    assert ticket["timeline"][0]["actor_user_id"] == MONITORING

    # Rescue actions are not fault-repair actions.
    release = await api.act(
        ticket_id, "release", MAINTAINER_SHENDA, {"people_freed": 1, "handler_name": "黄工"}
    )
    assert release.status_code == 409, release.text
    assert release.json()["detail"]["allowed_actions"] == ["accept", "cancel", "extend", "pause"]
    assert release.json()["detail"]["state"] == "reported"

    wrong_unit = await api.act(ticket_id, "accept", MAINTAINER_PUJIANG)
    assert wrong_unit.status_code == 403, wrong_unit.text
    too_early = await api.act(ticket_id, "confirm", SAFETY_LUJIAZUI)
    assert too_early.status_code == 409, too_early.text
    assert too_early.json()["detail"]["allowed_actions"] == ["accept", "cancel", "extend", "pause"]

    accepted = ok(await api.act(ticket_id, "accept", MAINTAINER_SHENDA, {"note": "马上出发"}))
    assert accepted["state"] == "accepted"
    assert accepted["state_label"] == "已接单"
    assert accepted["allowed_actions"] == ["arrive", "cancel", "extend", "pause"]
    # The answer carries the arrival's deadline, not the acceptance's.
    assert accepted["due_at"] is not None
    assert accepted["deadlines"]["fault_repair.arrive"] is not None
    assert _at(accepted["due_at"]) == _at(accepted["deadlines"]["fault_repair.arrive"])
    assert _at(accepted["due_at"]) == _at(accepted["opened_at"]) + timedelta(hours=2)

    on_site = ok(await api.act(ticket_id, "arrive", MAINTAINER_SHENDA))
    assert on_site["state"] == "on_site"
    assert on_site["allowed_actions"] == ["report_not_fixable", "fix", "extend", "pause"]

    fixed = ok(
        await api.act(
            ticket_id,
            "fix",
            MAINTAINER_SHENDA,
            {"fault_type": "door_close_fault", "handler_name": "黄工", "description": "调整门机"},
        )
    )
    assert fixed["state"] == "fixed"
    assert fixed["state_label"] == "已修复待确认"
    assert fixed["allowed_actions"] == ["confirm", "dispute", "extend", "pause"]
    assert fixed["details"]["fault_type"] == "door_close_fault"
    assert fixed["details"]["fault_type_label"] == "关门故障"
    assert fixed["details"]["handler_name"] == "黄工"

    listed = ok(await api.read("/tickets", params={"kind": "fault_repair"}))
    assert [item["ticket_id"] for item in listed["items"]] == [ticket_id]
    assert listed["total"] == 1
    assert listed["items"][0]["state"] == "fixed"
    assert listed["items"][0]["kind_label"] == "故障维修"
    rescues = ok(await api.read("/tickets", params={"kind": "rescue"}))
    assert [item["ticket_id"] for item in rescues["items"]] == [rescue_id]

    closed = ok(await api.act(ticket_id, "confirm", SAFETY_LUJIAZUI, {"remark": "已试运行"}))
    assert closed["state"] == "closed"
    assert closed["state_label"] == "已办结"
    assert closed["allowed_actions"] == []
    assert closed["closed_at"] is not None
    assert closed["due_at"] is None
    assert [e["action"] for e in closed["timeline"]] == [
        "report",
        "dispatch",
        "accept",
        "arrive",
        "fix",
        "confirm",
    ]
    assert [e["actor_user_id"] for e in closed["timeline"][2:]] == [
        MAINTAINER_SHENDA,
        MAINTAINER_SHENDA,
        MAINTAINER_SHENDA,
        SAFETY_LUJIAZUI,
    ]
    after = await api.act(ticket_id, "confirm", SAFETY_LUJIAZUI)
    assert after.status_code == 409, after.text

    await api.run_finished(ticket_id)
    messages = await api.mail.wait_for(
        lambda ms: (
            "work_order_closed" in _templates(ms, MAINTENANCE_MAIL)
            and "work_order_closed" in _templates(ms, USE_UNIT_MAIL)
        )
    )
    assert _templates(messages, MAINTENANCE_MAIL) == ["work_order_assigned", "work_order_closed"]
    assert "confirmation_requested" in _templates(messages, USE_UNIT_MAIL)
    # People are told the ticket's number (kind, district, day, serial), never its engine id.
    assert re.fullmatch(r"GZ-PD-\d{8}-\d{4}", closed["number"])
    for message in mails_to(messages, MAINTENANCE_MAIL):
        assert f"工单号 {closed['number']}" in str(message["Subject"])
        assert ticket_id not in str(message["Subject"])
        assert "故障维修" in str(message["Subject"])


async def test_the_regulator_extends_and_the_maintainer_pauses_over_http(api: Api) -> None:
    ticket_id = await open_fault(api)
    ticket = await api.ticket(ticket_id)
    # Well past the current deadline, counted from now: a fixed far-off date would one day be past.
    later_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=400)
    later = later_at.isoformat()

    not_regulator = await api.act(
        ticket_id, "extend", MAINTAINER_SHENDA, {"due_at": later, "reason": "等待配件"}
    )
    assert not_regulator.status_code == 403, not_regulator.text
    extended = ok(
        await api.act(ticket_id, "extend", "u-regulator-pudong", {"due_at": later, "reason": "等待配件"})
    )
    assert datetime.fromisoformat(extended["due_at"]) == later_at
    assert "extended" in extended["flags"]
    assert extended["timeline"][-1]["action"] == "extend"
    assert ticket["due_at"] != extended["due_at"]

    not_paused = await api.act(ticket_id, "resume", MAINTAINER_SHENDA)
    assert not_paused.status_code == 409, not_paused.text
    paused = ok(await api.act(ticket_id, "pause", MAINTAINER_SHENDA, {"reason": "检验机构检测"}))
    assert paused["due_at"] is None
    assert paused["allowed_actions"] == ["accept", "cancel", "extend", "resume"]
    resumed = ok(await api.act(ticket_id, "resume", MAINTAINER_SHENDA))
    assert resumed["allowed_actions"] == ["accept", "cancel", "extend", "pause"]
    assert resumed["due_at"] is not None
    assert [e["action"] for e in resumed["timeline"]][-3:] == ["extend", "pause", "resume"]

    await cancel_fault(api, ticket_id)


async def test_fault_types_are_listed_with_their_names(api: Api) -> None:
    body = ok(await api.http.get("/fault-types"))
    assert body == FAULT_TYPES_ZH
    assert body["door_close_fault"] == "关门故障"
    assert body["other"] == "其他"
