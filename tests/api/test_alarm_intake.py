"""Alarm intake from a remote-monitoring platform: batches of mixed alarms, each with exactly one effect."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowExecutionStatus

from domain.alarms import MAPPINGS, MAX_BATCH
from domain.calendar import CHINA_TIME
from domain.fault_repair import FAULT_TYPES_ZH
from domain.rescue import rescue_workflow_id
from store.models import Elevator, MonitoringDevice
from tests.api.conftest import PUDONG_A, Api
from workflows.hazard_monitoring import monitoring_watch_id

ADMIN = "u-operator-admin"
PLATFORM = "emergency-110"
CARS = 100
BATCH = 250


def _car(n: int) -> str:
    return f"3101159{n:04d}"


async def _key(api: Api, scopes: list[str]) -> dict[str, str]:
    issued = await api.http.post(
        "/api-keys",
        json={"organisation_id": PLATFORM, "name": "某远程监测平台", "scopes": scopes},
        headers={"X-User-Id": ADMIN},
    )
    assert issued.status_code == 201, issued.text
    return {"X-API-Key": issued.json()["key"]}


@pytest.fixture
async def cars(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """A hundred registered cars in Pudong, served by the seeded units."""
    codes = [_car(n) for n in range(CARS)]
    async with sessions.begin() as session:
        for code in codes:
            session.add(
                Elevator(
                    code=code,
                    registration_code=f"沪{code}",
                    equipment_code=f"E{code}",
                    address=f"浦东新区测试路 {code[-4:]} 号",
                    district="pudong",
                    use_unit_id="uu-lujiazui",
                    maintenance_unit_id="mu-shenda",
                    rescue_station_id="rs-pudong",
                )
            )
    return codes


def _alarm(alarm_id: str, car: str, code: str, at: datetime, **state: Any) -> dict[str, Any]:
    alarm: dict[str, Any] = {
        "alarm_id": alarm_id,
        "elevator_code": car,
        "event_code": code,
        "occurred_at": at.isoformat(),
    }
    if state:
        alarm["running_state"] = state
    return alarm


def _mixed_alarms(cars: list[str], at: datetime) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Every distinct alarm once, and the outcome each must have; the car groups say why.

    "opened": created or joined, as the alarm came first to its car or not (two batches are in flight).
    """
    alarms: list[dict[str, Any]] = []
    expected: dict[str, str] = {}

    def add(alarm_id: str, outcome: str, car: str, code: str, **state: Any) -> None:
        alarms.append(_alarm(alarm_id, car, code, at + timedelta(seconds=len(alarms)), **state))
        expected[alarm_id] = outcome

    for n, car in enumerate(cars[:30]):
        # Trapped: three alarms of one entrapment open one rescue.
        for i, code in enumerate(("7", "8", "21")):
            add(f"trap-{n}-{i}", "opened", car, code)
    for n, car in enumerate(cars[30:70]):
        # Two faults, each alarmed twice: two repairs, each joined once.
        for code in ("1", "11"):
            add(f"fault-{n}-{code}-a", "opened", car, code)
            add(f"fault-{n}-{code}-b", "opened", car, code)
    for n, car in enumerate(cars[70:80]):
        add(f"power-in-{n}", "created", car, "9", people_inside=True)
    for n, car in enumerate(cars[80:90]):
        add(f"power-empty-{n}", "status", car, "9", people_inside=False)
        add(f"mode-{n}", "status", car, "inspection")
    for n, car in enumerate(cars[90:95]):
        # A door fault while the maintainer works on the car opens no repair.
        add(f"worked-on-{n}", "noted", car, "12", mode="maintenance")
    for n, car in enumerate(cars[95:]):
        add(f"unknown-{n}-a", "unknown_code", car, "99")
        add(f"unknown-{n}-b", "unknown_code", car, "88")
    add("nowhere-1", "rejected", "31019999999", "7")
    return alarms, expected


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_thousand_mixed_alarms_in_batches_have_one_effect_each(api: Api, cars: list[str]) -> None:
    key = await _key(api, ["alarms:intake"])
    now = api.clock()
    alarms, expected = _mixed_alarms(cars, now - timedelta(minutes=5))
    malformed: list[Any] = [
        {"alarm_id": "no-time", "elevator_code": cars[0], "event_code": "7"},
        {
            "alarm_id": "bad id with spaces",
            "elevator_code": cars[0],
            "event_code": "7",
            "occurred_at": now.isoformat(),
        },
        {**_alarm("extra-field", cars[0], "7", now), "secret": "x"},
        "not an alarm",
        42,
    ]
    draws = random.Random(20261207)
    # Alarm ids of their own: the Temporal server outlives the test's database, and keeps finished
    # tickets' ids from other runs of it.
    run = uuid.uuid4().hex[:8]
    alarms = [{**alarm, "alarm_id": f"{run}-{alarm['alarm_id']}"} for alarm in alarms]
    expected = {f"{run}-{alarm_id}": outcome for alarm_id, outcome in expected.items()}
    # Repeats of alarms already sent fill the batches up to a thousand items.
    items: list[Any] = [*alarms, *malformed]
    while len(items) < 1000:
        items.append(draws.choice(alarms))
    batches = [items[start : start + BATCH] for start in range(0, len(items), BATCH)]

    # Two batches at a time: repeats of one alarm meet in flight as well as after.
    responses = []
    for pair in range(0, len(batches), 2):
        responses += await asyncio.gather(
            *(
                api.http.post("/alarms", json={"items": batch}, headers=key)
                for batch in batches[pair : pair + 2]
            )
        )

    answers = [answer for response in responses for answer in response.json()["answers"]]
    # 207 for a batch with a refused alarm in it, 200 for one without.
    for response in responses:
        refused_any = any(a["outcome"] == "rejected" for a in response.json()["answers"])
        assert response.status_code == (207 if refused_any else 200)
    assert len(answers) == 1000
    by_alarm: dict[str, list[dict[str, Any]]] = {}
    for item, answer in zip(items, answers, strict=True):
        if not isinstance(item, dict) or item.get("alarm_id") not in expected:
            assert answer["outcome"] == "rejected", answer
            assert answer["reason"], answer
            continue
        assert answer["alarm_id"] == item["alarm_id"]
        by_alarm.setdefault(item["alarm_id"], []).append(answer)
    first: dict[str, dict[str, Any]] = {}
    for alarm_id, copies in by_alarm.items():
        if expected[alarm_id] == "rejected":
            # Refused is not kept: each copy is refused again, until the car is registered.
            assert {a["outcome"] for a in copies} == {"rejected"}
            first[alarm_id] = copies[0]
            continue
        # One effect per alarm: one copy took it, the others (after it, or in the batch beside) repeat it.
        taken = [answer for answer in copies if not answer["duplicate"]]
        assert len(taken) == 1, copies
        assert {(a["outcome"], a["ticket_id"]) for a in copies} == {
            (taken[0]["outcome"], taken[0]["ticket_id"])
        }
        first[alarm_id] = taken[0]
        if expected[alarm_id] == "opened":
            assert taken[0]["outcome"] in ("created", "joined"), (alarm_id, taken[0])
        else:
            assert taken[0]["outcome"] == expected[alarm_id], (alarm_id, taken[0])

    assert set(first) == set(expected)
    refused = {answer["alarm_id"]: answer["reason"] for answer in answers if answer["outcome"] == "rejected"}
    assert refused[f"{run}-nowhere-1"] == "未登记的电梯"
    assert refused["no-time"].startswith("occurred_at")
    assert refused["extra-field"].startswith("secret")
    assert None in refused, "an item that is no alarm is refused without an id"

    tickets = await _open_tickets(api)
    assert Counter(kind for kind, _ in tickets.values()) == {"rescue": 40, "fault_repair": 80}
    # Each car's alarms of one entrapment, or of one fault, name one ticket, which the first of them opened.
    groups = [[f"{run}-trap-{n}-{i}" for i in range(3)] for n in range(30)] + [
        [f"{run}-fault-{n}-{code}-{s}" for s in "ab"] for n in range(40) for code in ("1", "11")
    ]
    for group in groups:
        assert len({first[alarm_id]["ticket_id"] for alarm_id in group}) == 1, group
        assert [first[alarm_id]["outcome"] for alarm_id in group].count("created") == 1, group
        assert first[group[0]]["ticket_id"] in tickets
    repair = await api.ticket(first[f"{run}-fault-0-1-a"]["ticket_id"])
    assert repair["details"]["fault_type"] == "overtravel_top"
    assert "冲顶（紧急）" in repair["details"]["description"]
    # A rescue an alarm opened carries its car's district from its start: the Web UI finds it at once.
    trapped = await api.temporal.get_workflow_handle(rescue_workflow_id(cars[0])).fetch_history()
    started = trapped.events[0].workflow_execution_started_event_attributes.search_attributes
    assert set(started.indexed_fields) >= {"TicketKind", "ElevatorCode", "District", "Overdue"}

    unknown = await api.http.get("/alarms/unknown-codes", headers=key)
    assert unknown.status_code == 200, unknown.text
    assert unknown.json()["mapping"] == "shanghai"
    assert {(c["event_code"], c["alarms"]) for c in unknown.json()["codes"]} == {("99", 5), ("88", 5)}


async def test_status_alarms_set_the_cars_service_mode_and_an_older_one_does_not_undo_a_newer(
    api: Api, cars: list[str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    key = await _key(api, ["alarms:intake"])
    now = api.clock()
    batch = [
        _alarm("m-1", cars[0], "fire", now - timedelta(minutes=1)),
        _alarm("m-2", cars[0], "inspection", now - timedelta(minutes=10)),
        _alarm("m-3", cars[1], "9", now),
    ]

    response = await api.http.post("/alarms", json={"items": batch}, headers=key)

    assert response.status_code == 200, response.text
    assert response.json()["counts"] == {"status": 3}
    async with sessions() as session:
        modes = {
            code: mode for code, mode in await session.execute(select(Elevator.code, Elevator.service_mode))
        }
    assert (modes[cars[0]], modes[cars[1]]) == ("fire", "power_off")
    assert await _open_tickets(api) == {}
    # The car's QR page tells passengers, with the time in China.
    page = await api.http.get(f"/e/{cars[0]}")
    since = (now - timedelta(minutes=1)).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
    assert "运行状态" in page.text
    assert f"消防</span> 自 {since}" in page.text
    # Back in service: the page says nothing more.
    back = [_alarm("m-4", cars[0], "normal", now)]
    assert (await api.http.post("/alarms", json={"items": back}, headers=key)).status_code == 200
    assert "运行状态" not in (await api.http.get(f"/e/{cars[0]}")).text


async def test_alarms_come_from_a_platform_key_holding_the_intake_scope(api: Api) -> None:
    batch = {"items": [_alarm("a-1", PUDONG_A, "21", api.clock())]}

    assert (await api.http.post("/alarms", json=batch)).status_code == 401
    as_user = await api.http.post("/alarms", json=batch, headers={"X-User-Id": "u-monitoring"})
    assert as_user.status_code == 403
    rescue_key = await _key(api, ["rescue:report"])
    assert (await api.http.post("/alarms", json=batch, headers=rescue_key)).status_code == 403
    too_many = {"items": batch["items"] * (MAX_BATCH + 1)}
    oversized = await api.http.post("/alarms", json=too_many, headers=await _key(api, ["alarms:intake"]))
    assert oversized.status_code == 422
    assert oversized.json()["detail"][0]["loc"] == ["body", "items"]


def test_every_fault_code_names_a_fault_type_the_repair_knows() -> None:
    for mapping in MAPPINGS.values():
        for code in mapping.codes.values():
            if code.fault_type is not None:
                assert code.fault_type in FAULT_TYPES_ZH, (mapping.name, code.code)


async def _open_tickets(api: Api) -> dict[str, tuple[str, str]]:
    response = await api.read("/tickets", params={"limit": 200})
    assert response.status_code == 200, response.text
    return {item["ticket_id"]: (item["kind"], item["elevator_code"]) for item in response.json()["items"]}


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_heartbeats_and_alarms_keep_each_device_heard_and_start_the_watch(
    api: Api, cars: list[str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    key = await _key(api, ["alarms:intake"])
    now = api.clock()
    beats = {
        "items": [
            {"elevator_code": cars[0], "at": (now - timedelta(seconds=30)).isoformat()},
            {"elevator_code": cars[0], "at": now.isoformat()},
            {"elevator_code": cars[1], "at": now.isoformat()},
            {"elevator_code": "31019999999", "at": now.isoformat()},
        ]
    }

    response = await api.http.post("/alarms/heartbeats", json=beats, headers=key)

    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 3, "unregistered": ["31019999999"]}
    # An alarm is heard from too; a heartbeat older than the one kept changes nothing.
    alarm = [_alarm("hb-1", cars[2], "inspection", now)]
    assert (await api.http.post("/alarms", json={"items": alarm}, headers=key)).status_code == 200
    late = {"items": [{"elevator_code": cars[0], "at": (now - timedelta(minutes=5)).isoformat()}]}
    assert (await api.http.post("/alarms/heartbeats", json=late, headers=key)).status_code == 200
    async with sessions() as session:
        seen = {row.elevator_code: row for row in await session.scalars(select(MonitoringDevice))}
    assert set(seen) == {cars[0], cars[1], cars[2]}
    assert seen[cars[0]].last_seen_at == now
    assert {row.platform_id for row in seen.values()} == {PLATFORM}
    watch = api.temporal.get_workflow_handle(monitoring_watch_id(api.settings.temporal_task_queue))
    assert (await watch.describe()).status is WorkflowExecutionStatus.RUNNING
