"""Channel subscriptions over HTTP: who may manage them, what they show, and the errors they answer."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from domain.tickets import TimelineEvent
from store.database import Database
from store.tickets import TicketRepository
from tests.support.snapshots import rescue_snapshot

USE_UNIT_MANAGER = {"X-User-Id": "u-safety-lujiazui"}
OTHER_USE_UNIT = {"X-User-Id": "u-safety-xujiahui"}
DISTRICT_REGULATOR = {"X-User-Id": "u-regulator-pudong"}
BASE = "/channels/subscriptions"
AT = datetime(2026, 11, 25, 12, 5, tzinfo=UTC)


def _webhook(**overrides: object) -> dict[str, object]:
    return {
        "name": "物业值班系统",
        "channel": "webhook",
        "url": "https://hooks.lujiazui.example.cn/elevator?token=abc",
        "events": ["rescue.*", "hazard.verify_pass"],
        **overrides,
    }


def _field_errors(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [".".join(str(part) for part in error["loc"]) for error in response.json()["detail"]]


async def test_a_unit_subscribes_sees_its_secret_once_and_only_its_own_subscriptions(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    http = api_without_temporal
    created = await http.post(BASE, json=_webhook(), headers=USE_UNIT_MANAGER)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    # The URL's path and query can carry a key: only its host is ever shown.
    assert body["url_hint"] == "https://hooks.lujiazui.example.cn/…"
    assert body["events"] == ["hazard.verify_pass", "rescue.*"]
    assert (body["state"], body["owner_email"]) == ("active", "uu-lujiazui@demo.elevator-orders.example")

    listed = await http.get(BASE, headers=USE_UNIT_MANAGER)
    assert [item["id"] for item in listed.json()] == [body["id"]]
    assert "secret" not in listed.json()[0]
    assert (await http.get(BASE, headers=OTHER_USE_UNIT)).json() == []
    assert (await http.get(f"{BASE}/{body['id']}", headers=OTHER_USE_UNIT)).status_code == 404

    removed = await http.delete(f"{BASE}/{body['id']}", headers=USE_UNIT_MANAGER)
    assert removed.status_code == 204
    assert (await http.get(f"{BASE}/{body['id']}", headers=USE_UNIT_MANAGER)).status_code == 404


async def test_a_duty_room_robot_has_no_secret_of_its_own(api_without_temporal: httpx.AsyncClient) -> None:
    robot = _webhook(
        channel="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key", events=["*"]
    )
    created = await api_without_temporal.post(BASE, json=robot, headers=DISTRICT_REGULATOR)
    assert created.status_code == 201, created.text
    assert created.json()["secret"] is None
    assert created.json()["url_hint"] == "https://qyapi.weixin.qq.com/…"


async def test_bad_subscriptions_are_refused_naming_the_field(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    http = api_without_temporal
    assert _field_errors(
        await http.post(BASE, json=_webhook(events=["lift.accept"]), headers=USE_UNIT_MANAGER)
    ) == ["body.events.0"]
    plain = _webhook(url="http://hooks.lujiazui.example.cn/elevator")
    assert _field_errors(await http.post(BASE, json=plain, headers=USE_UNIT_MANAGER)) == ["body.url"]
    assert _field_errors(await http.post(BASE, json=_webhook(events=[]), headers=USE_UNIT_MANAGER)) == [
        "body.events"
    ]
    assert _field_errors(await http.post(BASE, json=_webhook(channel="sms"), headers=USE_UNIT_MANAGER)) == [
        "body.channel"
    ]


async def test_only_staff_who_answer_for_duty_manage_subscriptions(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    http = api_without_temporal
    for user in ("u-rescuer-pujiang", "u-operator-admin"):
        refused = await http.post(BASE, json=_webhook(), headers={"X-User-Id": user})
        assert refused.status_code == 403, user
    assert (await http.post(BASE, json=_webhook())).status_code == 401


async def test_resuming_an_active_subscription_names_its_state(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    created = await api_without_temporal.post(BASE, json=_webhook(), headers=USE_UNIT_MANAGER)
    resumed = await api_without_temporal.post(
        f"{BASE}/{created.json()['id']}/resume", headers=USE_UNIT_MANAGER
    )
    assert resumed.status_code == 409
    assert resumed.json()["detail"]["state"] == "active"
    assert resumed.json()["detail"]["allowed_actions"] == ["remove"]


async def test_a_step_of_the_units_ticket_is_listed_as_a_waiting_delivery(
    api_without_temporal: httpx.AsyncClient, database: Database
) -> None:
    created = await api_without_temporal.post(BASE, json=_webhook(), headers=USE_UNIT_MANAGER)
    subscription = created.json()["id"]
    ticket = rescue_snapshot("rescue-31011500001-channels-api", AT)
    await TicketRepository(database).apply_projection(
        ticket, [TimelineEvent(seq=1, at=AT, action="dispatch", state="dispatched")], queued_at=AT
    )

    deliveries = await api_without_temporal.get(f"{BASE}/{subscription}/deliveries", headers=USE_UNIT_MANAGER)
    assert deliveries.status_code == 200, deliveries.text
    [delivery] = deliveries.json()
    assert delivery["delivery_id"] == f"{subscription}:rescue-31011500001-channels-api:1"
    assert (delivery["event"], delivery["attempts"], delivery["sent_at"]) == ("rescue.dispatch", 0, None)
