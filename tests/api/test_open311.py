"""Open311 GeoReport v2: the 12345 hotline files and follows requests, in JSON and XML, with the spec's errors."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import httpx

from tests.api.conftest import PUDONG_A, SAFETY_LUJIAZUI, XUHUI, Api

ADMIN = "u-operator-admin"
HOTLINE = "emergency-110"
BASE = "/open311/v2"


async def _key(api: Api, scopes: list[str]) -> str:
    issued = await api.http.post(
        "/api-keys",
        json={"organisation_id": HOTLINE, "name": "12345 热线", "scopes": scopes},
        headers={"X-User-Id": ADMIN},
    )
    assert issued.status_code == 201, issued.text
    key: str = issued.json()["key"]
    return key


def _xml(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return ElementTree.fromstring(response.content)


def _error(response: httpx.Response, code: int) -> str:
    assert response.status_code == code, response.text
    [error] = response.json()
    assert error["code"] == code
    description: str = error["description"]
    return description


async def _file(api: Api, form: dict[str, str], format: str = "json") -> httpx.Response:
    return await api.http.post(f"{BASE}/requests.{format}", data=form)


def _feedback(key: str, **extra: str) -> dict[str, str]:
    return {
        "api_key": key,
        "service_code": "elevator_feedback",
        "address_id": PUDONG_A,
        "description": "轿厢照明太暗",
        "attribute[feedback_type]": "suggestion",
        **extra,
    }


async def test_services_and_their_definitions_in_json_and_xml(api: Api) -> None:
    listed = await api.http.get(f"{BASE}/services.json")
    assert listed.status_code == 200
    codes = {s["service_code"]: s for s in listed.json()}
    assert set(codes) == {"elevator_complaint", "elevator_violation_report", "elevator_feedback"}
    assert codes["elevator_complaint"]["metadata"] is True
    as_xml = _xml(await api.http.get(f"{BASE}/services.xml"))
    assert as_xml.tag == "services"
    assert {s.findtext("service_code") for s in as_xml.findall("service")} == set(codes)

    definition = (await api.http.get(f"{BASE}/services/elevator_feedback.json")).json()
    [kind, rating] = definition["attributes"]
    assert (kind["code"], kind["required"], kind["datatype"]) == ("feedback_type", True, "singlevaluelist")
    assert {v["key"] for v in kind["values"]} == {"evaluation", "suggestion"}
    assert (rating["code"], rating["required"]) == ("rating", False)
    document = _xml(await api.http.get(f"{BASE}/services/elevator_violation_report.xml"))
    assert document.tag == "service_definition"
    assert [a.findtext("code") for a in document.iter("attribute")] == ["suspect"]
    assert {v.findtext("key") for v in document.iter("value")} == {"use_unit", "maintenance_unit"}

    assert "unknown service_code" in _error(await api.http.get(f"{BASE}/services/nope.json"), 400)
    refused = await api.http.get(f"{BASE}/services/nope.xml")
    assert refused.status_code == 400
    assert _xml(refused).findtext("error/code") == "400"


async def test_a_filing_is_refused_with_the_specs_errors(api: Api) -> None:
    key = await _key(api, ["open311:file"])
    without_scope = await _key(api, ["rescue:report"])

    assert "api_key" in _error(await _file(api, _feedback("")), 403)
    assert "open311:file" in _error(await _file(api, _feedback(without_scope)), 403)
    assert "unknown service_code" in _error(await _file(api, _feedback(key, service_code="potholes")), 400)
    missing = _feedback(key)
    del missing["attribute[feedback_type]"]
    assert "attribute[feedback_type] is required" in _error(await _file(api, missing), 400)
    nowhere = _feedback(key)
    del nowhere["address_id"]
    assert "location is required" in _error(await _file(api, nowhere), 400)
    no_phone = {
        "api_key": key,
        "service_code": "elevator_complaint",
        "address_id": PUDONG_A,
        "description": "电梯经常停运",
        "attribute[request]": "尽快修好",
        "first_name": "小明",
        "last_name": "王",
    }
    assert "phone" in _error(await _file(api, no_phone), 400)
    assert "no request" in _error(await api.http.get(f"{BASE}/requests/feedback-nope.json"), 404)
    assert (await api.read("/tickets")).json()["total"] == 0, "nothing refused was filed"


async def test_a_feedback_filing_is_followed_to_its_closure(api: Api) -> None:
    key = await _key(api, ["open311:file"])

    filed = await _file(api, _feedback(key))
    again = await _file(api, _feedback(key))

    assert filed.status_code == 201, filed.text
    [answer] = filed.json()
    request_id = answer["service_request_id"]
    assert again.json()[0]["service_request_id"] == request_id, "the same filing sent again is one request"
    [opened] = (await api.http.get(f"{BASE}/requests/{request_id}.json")).json()
    assert (opened["status"], opened["status_notes"], opened["address_id"]) == ("open", "待答复", PUDONG_A)
    assert opened["address"]

    answered = await api.act(request_id, "answer", SAFETY_LUJIAZUI, {"answer": "已更换照明灯具"})
    assert answered.status_code == 200, answered.text
    closed = _xml(await api.http.get(f"{BASE}/requests/{request_id}.xml"))
    assert closed.tag == "service_requests"
    assert closed.findtext("request/status") == "closed"
    assert closed.findtext("request/status_notes") == "已答复"
    listing = await api.http.get(
        f"{BASE}/requests.json", params={"service_code": "elevator_feedback", "status": "closed"}
    )
    assert [r["service_request_id"] for r in listing.json()] == [request_id]
    assert (await api.http.get(f"{BASE}/requests.json", params={"status": "open"})).json() == []


async def test_a_complaint_filed_by_the_hotline_never_shows_who_filed_it(api: Api) -> None:
    key = await _key(api, ["open311:file"])
    form: dict[str, Any] = {
        "api_key": key,
        "service_code": "elevator_complaint",
        "address_string": next(
            e["address"] for e in (await api.http.get("/elevators")).json() if e["code"] == XUHUI
        ),
        "description": "电梯经常停运，物业不处理",
        "attribute[request]": "尽快修好并说明原因",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13912345678",
        "email": "wang@example.cn",
    }

    filed = await _file(api, form, "xml")

    assert filed.status_code == 201, filed.text
    request_id = _xml(filed).findtext("request/service_request_id")
    token = _xml(filed).findtext("request/token")
    assert request_id
    assert token
    [by_token] = (await api.http.get(f"{BASE}/tokens/{token}.json")).json()
    assert by_token["service_request_id"] == request_id
    for path in (f"{BASE}/requests/{request_id}.json", f"{BASE}/requests.xml", f"{BASE}/requests.json"):
        shown = await api.http.get(path)
        assert shown.status_code == 200
        for personal in ("王小明", "小明", "13912345678", "wang@example.cn", "物业不处理"):
            assert personal not in shown.text, (path, personal)
    ticket = await api.ticket(request_id)
    assert (ticket["kind"], ticket["elevator_code"]) == ("complaint", XUHUI)
