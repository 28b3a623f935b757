"""Maintenance records over HTTP: the maintenance unit submits, the use unit confirms."""

from datetime import UTC, datetime, timedelta

from tests.api.conftest import Api, new_ref
from tests.support.maintenance import ITEMS, end_schedule

ELEVATOR = "31010400001"  # maintained by mu-pujiang for uu-xujiahui


def _record(ref: str, performed_at: datetime | None = None) -> dict[str, object]:
    return {
        "elevator_code": ELEVATOR,
        "ref": ref,
        "level": "quarterly",
        "performed_at": (performed_at or datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "handler_name": "林工",
        "items": ITEMS,
        "remarks": "季度维保",
    }


async def test_record_is_submitted_and_confirmed_over_http(api: Api) -> None:
    ref = new_ref()
    try:
        created = await api.http.post(
            "/tickets/maintenance-record", json=_record(ref), headers={"X-User-Id": "u-maintainer-pujiang"}
        )
        assert created.status_code == 201, created.text
        ticket_id = created.json()["ticket_id"]
        again = await api.http.post(
            "/tickets/maintenance-record", json=_record(ref), headers={"X-User-Id": "u-maintainer-pujiang"}
        )
        assert again.status_code == 200
        assert again.json() == {"ticket_id": ticket_id, "state": "submitted", "duplicate": True}

        ticket = await api.ticket(ticket_id)
        assert ticket["kind_label"] == "维保记录确认"
        assert ticket["state_label"] == "待确认"
        assert ticket["allowed_actions"] == ["confirm", "dispute", "withdraw", "extend", "pause"]
        assert ticket["due_at"] is not None

        refused = await api.act(
            ticket_id, "fix", "u-maintainer-pujiang", {"fault_type": "other", "handler_name": "x"}
        )
        assert refused.status_code == 409
        assert refused.json()["detail"]["allowed_actions"] == [
            "confirm",
            "dispute",
            "withdraw",
            "extend",
            "pause",
        ]
        wrong_unit = await api.act(ticket_id, "confirm", "u-safety-lujiazui", {})
        assert wrong_unit.status_code == 403

        confirmed = await api.act(ticket_id, "confirm", "u-safety-xujiahui", {"remark": "已核对"})
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["state"] == "confirmed"
        assert confirmed.json()["allowed_actions"] == []
        listed = await api.read(
            "/tickets", "u-safety-xujiahui", params={"kind": "maintenance_record", "elevator_code": ELEVATOR}
        )
        assert ticket_id in [item["ticket_id"] for item in listed.json()["items"]]
        await api.run_finished(ticket_id)
    finally:
        await end_schedule(api.temporal, ELEVATOR)


async def test_only_the_elevators_maintenance_unit_submits_and_never_for_the_future(api: Api) -> None:
    other_unit = await api.http.post(
        "/tickets/maintenance-record", json=_record(new_ref()), headers={"X-User-Id": "u-maintainer-shenda"}
    )
    assert other_unit.status_code == 403
    future = await api.http.post(
        "/tickets/maintenance-record",
        json=_record(new_ref(), datetime.now(UTC) + timedelta(days=1)),
        headers={"X-User-Id": "u-maintainer-pujiang"},
    )
    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"] == ["body", "performed_at"]
    no_items = await api.http.post(
        "/tickets/maintenance-record",
        json={**_record(new_ref()), "items": []},
        headers={"X-User-Id": "u-maintainer-pujiang"},
    )
    assert no_items.status_code == 422
