"""A rescue through the HTTP API: alarm to closure, with the mails each party receives, and dedup."""

from __future__ import annotations

import asyncio
from collections import Counter
from email.message import EmailMessage

import pytest
from temporalio.api.enums.v1 import EventType

from tests.api.conftest import (
    DISPATCHER,
    PUDONG_A,
    PUDONG_B,
    RESCUER_SHENDA,
    SAFETY_LUJIAZUI,
    Api,
    new_ref,
)
from tests.support.rescue import MAINTENANCE_MAIL, USE_UNIT_MAIL, mails_to, template_of


def _templates(messages: list[EmailMessage], address: str) -> list[str]:
    return sorted(template_of(m) for m in mails_to(messages, address))


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_rescue_runs_from_alarm_to_closure_over_http(api: Api) -> None:
    ref = new_ref()
    created = await api.report(PUDONG_A, ref, alarm_type="用户报警", description="轿厢内有 2 人")
    assert created.status_code == 201, created.text
    receipt = created.json()
    ticket_id = receipt["ticket_id"]
    assert receipt == {
        "ticket_id": ticket_id,
        "state": "dispatched",
        "joined_existing": False,
        "duplicate": False,
    }
    assert ref in ticket_id

    ticket = await api.ticket(ticket_id)
    assert ticket["state"] == "dispatched"
    assert ticket["state_label"] == "已派单"
    assert ticket["kind"] == "rescue"
    assert ticket["allowed_actions"] == ["accept", "cancel"]
    assert ticket["elevator_code"] == PUDONG_A
    assert ticket["district"] == "pudong"
    assert ticket["assigned_unit_id"] == "mu-shenda"
    assert set(ticket["deadlines"]) == {"rescue.accept", "rescue.arrive", "rescue.accident"}
    assert ticket["due_at"] is not None
    assert not ticket["overdue"]
    assert [e["action"] for e in ticket["timeline"]] == ["report", "dispatch"]
    assert ticket["timeline"][0]["actor_user_id"] == "u-monitoring"
    assert [(r["source"], r["ref"]) for r in ticket["reports"]] == [("alarm", ref)]
    # People see no engine links; the platform operator's staff, who run the engine, get the workflow's.
    assert ticket["temporal_ui_url"] is None
    listed = await api.read("/tickets", "u-operator-admin", params={"elevator_code": PUDONG_A})
    assert listed.status_code == 200, listed.text
    operator_view = next(t for t in listed.json()["items"] if t["ticket_id"] == ticket_id)
    assert operator_view["temporal_ui_url"].endswith(
        f"/namespaces/default/workflows/{ticket['workflow_id']}/{ticket['run_id']}"
    )
    assert operator_view["temporal_ui_url"].startswith(api.settings.effective_temporal_ui_url)

    accepted = await api.act(ticket_id, "accept", RESCUER_SHENDA, {"note": "马上出发"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    assert accepted.json()["allowed_actions"] == ["arrive", "cancel"]

    arrived = await api.act(ticket_id, "arrive", RESCUER_SHENDA)
    assert arrived.status_code == 200, arrived.text
    assert arrived.json()["state"] == "on_site"
    assert "arrival_minutes" in arrived.json()["details"]

    released = await api.act(
        ticket_id, "release", RESCUER_SHENDA, {"people_freed": 2, "handler_name": "李师傅"}
    )
    assert released.status_code == 200, released.text
    assert released.json()["state"] == "released"
    assert released.json()["allowed_actions"] == ["confirm", "dispute"]
    assert released.json()["details"]["people_freed"] == 2
    assert released.json()["details"]["handler_name"] == "李师傅"
    # The answer to the release already shows the use unit's confirmation deadline: the release starts
    # that clock and stores it with its own step, not in a second projection after the answer.
    assert released.json()["due_at"] is not None
    assert released.json()["due_at"] == released.json()["deadlines"]["rescue.confirm"]

    confirmed = await api.act(ticket_id, "confirm", SAFETY_LUJIAZUI, {"remark": "已核实"})
    assert confirmed.status_code == 200, confirmed.text
    closed = confirmed.json()
    assert closed["state"] == "closed"
    assert closed["allowed_actions"] == []
    assert closed["closed_at"] is not None
    assert [e["action"] for e in closed["timeline"]] == [
        "report",
        "dispatch",
        "accept",
        "arrive",
        "release",
        "confirm",
    ]
    assert [e["actor_user_id"] for e in closed["timeline"][2:]] == [
        RESCUER_SHENDA,
        RESCUER_SHENDA,
        RESCUER_SHENDA,
        SAFETY_LUJIAZUI,
    ]
    assert (await api.ticket(ticket_id))["state"] == "closed"

    # The run ends only after its mails are out, so from here on the mailbox is complete.
    await api.run_finished(ticket_id)
    messages = await api.mail.wait_for(lambda ms: len(ms) >= 5)
    assert _templates(messages, MAINTENANCE_MAIL) == ["rescue_closed", "rescue_dispatched"]
    assert _templates(messages, USE_UNIT_MAIL) == [
        "rescue_closed",
        "rescue_confirmation_requested",
        "rescue_use_unit_notified",
    ]
    assert len(messages) == 5, [str(m["Subject"]) for m in messages]
    number = (await api.ticket(ticket_id))["number"]
    for message in messages:
        subject = str(message["Subject"])
        assert f"工单号 {number}" in subject
        assert "困人救援" in subject
        assert message["X-Idempotency-Key"] is not None
    keys = Counter(str(m["X-Idempotency-Key"]).strip() for m in messages)
    assert all(count == 1 for count in keys.values()), keys


async def test_an_alarm_repeated_at_once_reaches_the_workflow_once(api: Api) -> None:
    # A monitoring platform retrying in a storm: ten copies of one alarm, all in flight together.
    ref = new_ref()
    answers = await asyncio.gather(*(api.report(PUDONG_A, ref) for _ in range(10)))

    assert sorted(answer.status_code for answer in answers) == [200] * 9 + [201]
    [ticket_id] = {answer.json()["ticket_id"] for answer in answers}
    repeats = [answer.json() for answer in answers if answer.status_code == 200]
    assert all(r["duplicate"] and r["joined_existing"] for r in repeats)
    ticket = await api.ticket(ticket_id)
    assert [(r["source"], r["ref"]) for r in ticket["reports"]] == [("alarm", ref)]
    history = await api.temporal.get_workflow_handle(
        ticket["workflow_id"], run_id=ticket["run_id"]
    ).fetch_history()
    updates = [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert updates == ["report_entrapment"]
    cancelled = await api.act(ticket_id, "cancel", DISPATCHER, {"reason": "误报"})
    assert cancelled.status_code == 200, cancelled.text


async def test_repeated_reports_join_one_ticket_even_after_it_is_closed(api: Api) -> None:
    ref = new_ref()
    first = await api.report(PUDONG_B, ref)
    assert first.status_code == 201, first.text
    ticket_id = first.json()["ticket_id"]

    again = await api.report(PUDONG_B, ref)
    assert again.status_code == 200, again.text
    assert again.json()["ticket_id"] == ticket_id
    assert again.json()["duplicate"] is True
    assert again.json()["joined_existing"] is True

    qr_key = new_ref()
    by_qr = await api.report(
        PUDONG_B, None, source="qr", user=None, headers={"Idempotency-Key": qr_key}, description="有人被困"
    )
    assert by_qr.status_code == 200, by_qr.text
    assert by_qr.json() == {
        "ticket_id": ticket_id,
        "state": "dispatched",
        "joined_existing": True,
        "duplicate": False,
    }
    qr_again = await api.report(PUDONG_B, None, source="qr", user=None, headers={"Idempotency-Key": qr_key})
    assert qr_again.status_code == 200, qr_again.text
    assert qr_again.json()["ticket_id"] == ticket_id
    assert qr_again.json()["duplicate"] is True

    ticket = await api.ticket(ticket_id)
    assert sorted((r["source"], r["ref"]) for r in ticket["reports"]) == [("alarm", ref), ("qr", qr_key)]
    reports = [e for e in ticket["timeline"] if e["action"] == "report"]
    assert [e["actor_user_id"] for e in reports] == ["u-monitoring", "public"]

    cancelled = await api.act(ticket_id, "cancel", DISPATCHER, {"reason": "误报"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    await api.run_finished(ticket_id)

    # A late repeat of the finished rescue's alarm points at that ticket; it opens nothing new.
    late = await api.report(PUDONG_B, ref)
    assert late.status_code == 200, late.text
    assert late.json() == {
        "ticket_id": ticket_id,
        "state": "cancelled",
        "joined_existing": True,
        "duplicate": True,
    }
    listed = await api.read("/tickets", params={"elevator_code": PUDONG_B})
    assert listed.json()["total"] == 1

    # A new alarm on the now free elevator opens a new ticket.
    fresh = await api.report(PUDONG_B, new_ref())
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["ticket_id"] != ticket_id
    assert fresh.json()["joined_existing"] is False
    await api.cancel(fresh.json()["ticket_id"])
