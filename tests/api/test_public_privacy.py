"""A scan of every public answer that returns data: no person is named in it, nor reachable by phone."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from store.db import make_engine, make_sessionmaker
from store.models import User
from tests.api.conftest import PUDONG_A, PUDONG_B, Api

COMPLAINANT = ("韩梅梅", "13912340001")
REPORTER = ("欧阳思远", "021-61234567")
REGULATOR = "u-regulator-pudong"


async def _seeded_people(database_url: str) -> set[str]:
    """Every seeded user's id and name."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (await session.execute(select(User.id, User.name))).all()
    finally:
        await engine.dispose()
    return {value for row in rows for value in row}


def _text(response: httpx.Response) -> str:
    assert response.status_code in (200, 201), f"{response.request.url.path}: {response.text}"
    # Re-encoded without escapes, so a name is found whatever escaping the app chose.
    return json.dumps(response.json(), ensure_ascii=False)


async def test_public_answers_name_no_one(api: Api) -> None:
    people = await _seeded_people(api.settings.database_url)
    assert {"u-safety-lujiazui", "刘经理", REGULATOR, "孙科长"} <= people
    needles = people | set(COMPLAINANT) | set(REPORTER)
    answers: dict[str, str] = {}

    complaint = await api.http.post(
        "/tickets/complaint",
        json={
            "elevator_code": PUDONG_B,
            "complaint": "电梯门夹人，物业未处理",
            "request": "检修电梯门",
            "complainant_name": COMPLAINANT[0],
            "complainant_phone": COMPLAINANT[1],
        },
    )
    answers["POST /tickets/complaint"] = _text(complaint)
    report = await api.http.post(
        "/tickets/report",
        json={
            "elevator_code": PUDONG_A,
            "text": "维保单位长期未按规定维保",
            "suspect": "maintenance_unit",
            "reporter_name": REPORTER[0],
            "reporter_phone": REPORTER[1],
        },
    )
    answers["POST /tickets/report"] = _text(report)
    # A named regulator acts on the complaint: the tracking page shows the step, not who took it.
    accepted = await api.act(complaint.json()["ticket_id"], "accept", REGULATOR, {"note": "予以受理"})
    assert accepted.status_code == 200, accepted.text

    for path in (
        "/elevators",
        "/fault-types",
        "/hazard-types",
        "/healthz",
        f"/track/{complaint.json()['tracking_token']}",
        f"/track/{report.json()['tracking_token']}",
    ):
        answers[f"GET {path}"] = _text(await api.http.get(path))

    assert "予以受理" in answers[f"GET /track/{complaint.json()['tracking_token']}"]
    leaks = {call: sorted(needle for needle in needles if needle in text) for call, text in answers.items()}
    assert {call: found for call, found in leaks.items() if found} == {}
