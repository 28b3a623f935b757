"""Reading tickets back: filters, pages, the elevator registry and the API's own docs."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import (
    JINGAN,
    PUDONG_A,
    PUDONG_B,
    RESCUER_PUJIANG,
    SEEDED_ELEVATORS,
    XUHUI,
    Api,
)


async def _ids(api: Api, **params: Any) -> list[str]:
    response = await api.read("/tickets", params=params)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"]), "a page of at most 50 holds every match here"
    return [item["ticket_id"] for item in page["items"]]


async def test_tickets_are_filtered_and_paged(api: Api) -> None:
    # Opened in this order: a cancelled one in Pudong, an open one in Pudong, Xuhui, and an accepted one in Jing'an.
    pudong_cancelled = await api.open(PUDONG_A)
    await api.cancel(pudong_cancelled, "误报")
    pudong_open = await api.open(PUDONG_B)
    xuhui = await api.open(XUHUI)
    jingan = await api.open(JINGAN)
    assert (await api.act(jingan, "accept", RESCUER_PUJIANG)).status_code == 200
    newest_first = [jingan, xuhui, pudong_open, pudong_cancelled]

    assert await _ids(api) == newest_first
    assert await _ids(api, kind="rescue") == newest_first
    assert await _ids(api, state="cancelled") == [pudong_cancelled]
    assert await _ids(api, state="dispatched") == [xuhui, pudong_open]
    assert await _ids(api, state="accepted", district="jingan") == [jingan]
    assert await _ids(api, district="pudong") == [pudong_open, pudong_cancelled]
    assert await _ids(api, district="minhang") == []
    assert await _ids(api, elevator_code=XUHUI) == [xuhui]
    assert await _ids(api, overdue="false") == newest_first
    assert await _ids(api, overdue="true") == []

    pages: list[list[str]] = []
    for offset in (0, 2, 4):
        response = await api.read("/tickets", params={"limit": 2, "offset": offset})
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["total"], page["limit"], page["offset"]) == (4, 2, offset)
        pages.append([item["ticket_id"] for item in page["items"]])
    assert pages == [newest_first[:2], newest_first[2:], []]

    listed = (await api.read("/tickets", params={"elevator_code": JINGAN})).json()["items"][0]
    assert listed["state"] == "accepted"
    assert listed["allowed_actions"] == ["arrive", "cancel"]
    assert listed["district"] == "jingan"
    assert listed["assigned_unit_id"] == "mu-pujiang"
    assert "timeline" not in listed

    for ticket_id in (pudong_open, xuhui, jingan):
        await api.cancel(ticket_id)


async def test_bad_list_parameters_are_422(api: Api) -> None:
    for params in ({"limit": 0}, {"limit": 1000}, {"offset": -1}, {"kind": "nonsense"}, {"overdue": "maybe"}):
        response = await api.read("/tickets", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(params))]


async def test_the_listing_documents_its_query_parameters(api: Api) -> None:
    # The route reads its query string itself; its documentation must still list every filter.
    schema = (await api.http.get("/openapi.json")).json()
    listing = schema["paths"]["/tickets"]["get"]

    parameters = {p["name"]: p for p in listing["parameters"]}
    assert set(parameters) == {
        "kind",
        "state",
        "district",
        "elevator_code",
        "overdue",
        "opened_from",
        "opened_to",
        "limit",
        "offset",
    }
    assert all(p["in"] == "query" and not p["required"] for p in parameters.values())
    assert "hazard" in parameters["kind"]["schema"]["anyOf"][0]["enum"]
    assert (
        parameters["limit"]["schema"] | {"maximum": 200, "minimum": 1, "default": 50}
        == parameters["limit"]["schema"]
    )
    assert listing["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HTTPValidationError"
    }


async def test_elevators_lists_the_registry(api: Api) -> None:
    response = await api.http.get("/elevators")

    assert response.status_code == 200, response.text
    elevators = {e["code"]: e for e in response.json()}
    assert set(elevators) == set(SEEDED_ELEVATORS)
    for code, (district, maintenance_unit, use_unit) in SEEDED_ELEVATORS.items():
        assert elevators[code]["district"] == district
        assert elevators[code]["maintenance_unit_id"] == maintenance_unit
        assert elevators[code]["use_unit_id"] == use_unit
        assert elevators[code]["address"]
    # What a maintenance planner sorts by: the building, and when its inspection certificate runs out.
    assert elevators[PUDONG_A]["building"] == "陆家嘴花园 1 号楼"
    assert elevators[PUDONG_A]["inspection_valid_until"] == "2027-03-31"


async def test_api_describes_itself(api: Api) -> None:
    schema = await api.http.get("/openapi.json")
    docs = await api.http.get("/docs")
    health = await api.http.get("/healthz")

    assert schema.status_code == 200, schema.text
    paths = schema.json()["paths"]
    assert {"/tickets", "/tickets/rescue", "/tickets/{ticket_id}", "/elevators"} <= set(paths)
    for action in ("accept", "arrive", "release", "confirm", "cancel"):
        assert f"/tickets/{{ticket_id}}/{action}" in paths
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    assert health.json() == {"status": "ok"}
