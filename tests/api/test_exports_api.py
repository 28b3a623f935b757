"""Exports (第八条): a unit downloads its own tickets and their timelines as JSON or CSV, nobody else's."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from elevator_orders.settings import Settings
from tests.api.conftest import PUDONG_A, PUDONG_B, SAFETY_LUJIAZUI, XUHUI, Api

SAFETY_XUJIAHUI = "u-safety-xujiahui"
OPERATOR_ADMIN = "u-operator-admin"
CITY_REGULATOR = "u-regulator-city"
# Small enough that the city regulator, who sees all three tickets of a test, goes over it.
EXPORT_CAP = 2
# A passenger's text that a spreadsheet would run as a formula if it were written as it is.
FORMULA_TEXT = '=HYPERLINK("http://example.com","电梯很干净")'


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_export_tickets": EXPORT_CAP})


async def _answered_feedback(api: Api, elevator: str, safety_manager: str, text: str) -> str:
    body = {"elevator_code": elevator, "feedback_type": "suggestion", "text": text}
    created = await api.http.post("/tickets/feedback", json=body)
    assert created.status_code == 201, created.text
    ticket_id: str = created.json()["ticket_id"]
    answered = await api.act(ticket_id, "answer", safety_manager, {"answer": "感谢您的建议，已安排保洁"})
    assert answered.status_code == 200, answered.text
    await api.run_finished(ticket_id)
    return ticket_id


def _exported_ids(body: list[dict[str, Any]]) -> set[str]:
    return {ticket["ticket_id"] for ticket in body}


async def test_a_use_unit_exports_its_own_tickets_with_their_timelines(api: Api) -> None:
    ours = await _answered_feedback(api, PUDONG_B, SAFETY_LUJIAZUI, FORMULA_TEXT)
    theirs = await _answered_feedback(api, XUHUI, SAFETY_XUJIAHUI, "按钮不灵")
    rescue = await api.open(PUDONG_A)

    exported = await api.read("/exports/tickets.json", user=SAFETY_LUJIAZUI)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/json")
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="tickets-uu-lujiazui-')
    assert disposition.endswith('.json"')
    tickets = {ticket["ticket_id"]: ticket for ticket in exported.json()}
    assert set(tickets) == {ours, rescue}
    # Exactly what the unit sees of the ticket on its own page, timeline included.
    assert tickets[ours] == await api.ticket(ours, user=SAFETY_LUJIAZUI)
    assert [event["action"] for event in tickets[ours]["timeline"]] == ["submit", "answer"]

    feedback_only = await api.read("/exports/tickets.json", user=SAFETY_LUJIAZUI, params={"kind": "feedback"})
    assert _exported_ids(feedback_only.json()) == {ours}
    their_export = await api.read("/exports/tickets.json", user=SAFETY_XUJIAHUI)
    assert _exported_ids(their_export.json()) == {theirs}
    # Tomorrow, from now: no ticket of this test was opened yet by then, whatever day it runs.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    nothing_yet = await api.read(
        "/exports/tickets.json", user=SAFETY_LUJIAZUI, params={"opened_from": tomorrow}
    )
    assert nothing_yet.json() == []


async def test_the_csv_has_a_row_per_timeline_event_and_opens_in_excel(api: Api) -> None:
    ours = await _answered_feedback(api, PUDONG_B, SAFETY_LUJIAZUI, FORMULA_TEXT)
    await _answered_feedback(api, XUHUI, SAFETY_XUJIAHUI, "按钮不灵")
    ticket = await api.ticket(ours, user=SAFETY_LUJIAZUI)

    exported = await api.read("/exports/tickets.csv", user=SAFETY_LUJIAZUI)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"].endswith('.csv"')
    # The byte-order mark makes Excel read the Chinese text as UTF-8.
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {row["ticket_id"] for row in rows} == {ours}
    assert [(row["event_seq"], row["event_action"], row["event_actor_name"]) for row in rows] == [
        (str(event["seq"]), event["action"], event["actor_name"]) for event in ticket["timeline"]
    ]
    assert {(row["kind_label"], row["state_label"], row["use_unit_id"]) for row in rows} == {
        ("乘客评价建议", ticket["state_label"], "uu-lujiazui")
    }
    # The passenger's text stays text in a spreadsheet: the formula is quoted, not run.
    assert rows[0]["event_note"] == "'" + FORMULA_TEXT


async def test_only_signed_in_units_export_and_never_the_platform_operator(api: Api) -> None:
    for path in ("/exports/tickets.json", "/exports/tickets.csv"):
        anonymous = await api.http.get(path)
        assert anonymous.status_code == 401, anonymous.text
        operator = await api.read(path, user=OPERATOR_ADMIN)
        assert operator.status_code == 403, operator.text
        assert "元数据" in operator.json()["detail"]


async def test_an_export_over_the_cap_asks_to_narrow_the_filters(api: Api) -> None:
    await _answered_feedback(api, PUDONG_B, SAFETY_LUJIAZUI, "很干净")
    await _answered_feedback(api, PUDONG_A, SAFETY_LUJIAZUI, "很安静")
    await _answered_feedback(api, XUHUI, SAFETY_XUJIAHUI, "按钮不灵")

    too_many = await api.read("/exports/tickets.csv", user=CITY_REGULATOR)
    assert too_many.status_code == 422, too_many.text
    assert "上限 2 张" in too_many.json()["detail"]
    pudong_unit = await api.read("/exports/tickets.json", user=SAFETY_LUJIAZUI)
    assert pudong_unit.status_code == 200
    assert len(pudong_unit.json()) == EXPORT_CAP
