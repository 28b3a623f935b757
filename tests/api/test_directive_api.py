"""The supervisory directive (安全监察指令书) over HTTP: drafted from a ticket, issued, acted on, printed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from domain.calendar import CHINA_TIME
from elevator_orders.official_calendar import load_working_day_calendar
from tests.api.conftest import PUDONG_A, PUDONG_B, SAFETY_LUJIAZUI, Api, new_ref
from tests.api.test_hazard_api import MAINTAINER_SHENDA, REGULATOR_PUDONG, ok, open_hazard, withdraw
from tests.support.rescue import MAINTENANCE_MAIL, REGULATOR_MAIL, USE_UNIT_MAIL, mails_to, template_of

REGULATOR_XUHUI = "u-regulator-xuhui"


def _today() -> date:
    return datetime.now(CHINA_TIME).date()


def _zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _body(**change: Any) -> dict[str, Any]:
    return {
        "elevator_code": PUDONG_A,
        "addressee": "use_unit",
        "problems": "隐患逾期未整改：制动器闸瓦磨损超限",
        "article_violated": "《中华人民共和国特种设备安全法》第四十二条",
        "legal_basis": "《中华人民共和国特种设备安全法》第八十三条",
        "rectify_by": (_today() + timedelta(days=15)).isoformat(),
        **change,
    }


async def _issue(
    api: Api, body: dict[str, Any], user: str = REGULATOR_PUDONG, key: str | None = None
) -> httpx.Response:
    headers = {"X-User-Id": user, **({"Idempotency-Key": key} if key else {})}
    return await api.http.post("/tickets/directive", json=body, headers=headers)


async def _document(api: Api, ticket_id: str, user: str = REGULATOR_PUDONG) -> httpx.Response:
    return await api.read(f"/tickets/{ticket_id}/document", user)


async def _draft(api: Api, ticket_id: str, user: str | None = REGULATOR_PUDONG) -> httpx.Response:
    headers = {"X-User-Id": user} if user else {}
    return await api.http.get(f"/tickets/{ticket_id}/directive-draft", headers=headers)


def _field(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["loc"][-1] for error in response.json()["detail"]]


async def test_a_regulator_drafts_a_directive_from_a_hazard_issues_it_and_rechecks_it(api: Api) -> None:
    hazard_id = await open_hazard(api)

    # The draft is the district regulator's.
    for user, status in ((SAFETY_LUJIAZUI, 403), (REGULATOR_XUHUI, 403), (None, 401)):
        refused = await _draft(api, hazard_id, user)
        assert refused.status_code == status, (user, refused.text)
    assert (await _draft(api, "hazard-nothing-here")).status_code == 404

    # The same instant for the app's default and this test's expectation, even at China's midnight.
    drafted_at = api.clock.freeze()
    draft = ok(await _draft(api, hazard_id))
    assert (draft["from_ticket_id"], draft["elevator_code"]) == (hazard_id, PUDONG_A)
    assert (draft["addressee"], draft["addressee_unit_id"]) == ("use_unit", "uu-lujiazui")
    assert draft["addressee_unit_name"] == "陆家嘴花园物业管理处"
    assert f"隐患上报工单（编号 {hazard_id}）" in draft["problems"]
    assert "当前环节期限" in draft["problems"]
    assert "重大事故隐患·制动器异常：制动器闸瓦磨损超限" in draft["problems"]
    assert "第四十二条" in draft["article_violated"]
    assert "第八十三条" in draft["legal_basis"]
    # 15 working days from today, on the official calendar: the date is that last working day.
    calendar = load_working_day_calendar(api.settings.working_day_fallback_file)
    last_day = calendar.add_working_days(drafted_at, 15).due_at.astimezone(CHINA_TIME).date()
    assert date.fromisoformat(draft["rectify_by"]) == last_day - timedelta(days=1)

    key = f"ZL-{uuid.uuid4().hex}"
    body = {
        k: draft[k] for k in ("elevator_code", "addressee", "problems", "article_violated", "legal_basis")
    }
    body.update(rectify_by=draft["rectify_by"], from_ticket_id=hazard_id)
    created = await _issue(api, body, key=key)
    assert created.status_code == 201, created.text
    directive_id = f"directive-{PUDONG_A}-{key}"
    number = created.json()["document_number"]
    assert created.json() == {
        "ticket_id": directive_id,
        "state": "awaiting_signature",
        "duplicate": False,
        "document_number": number,
    }
    again = await _issue(api, body, key=key)
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    assert again.json()["ticket_id"] == directive_id

    # The escalated ticket lists the directive issued from it.
    assert (await api.ticket(hazard_id))["spawned_tickets"] == [directive_id]
    ticket = await api.ticket(directive_id)
    assert (ticket["kind_label"], ticket["state_label"]) == ("安全监察指令书", "待签收")
    assert ticket["allowed_actions"] == ["sign", "record_refusal", "withdraw", "extend", "pause"]
    assert (ticket["spawned_from"], ticket["linked_tickets"]) == (hazard_id, [hazard_id])

    signed = ok(await api.act(directive_id, "sign", SAFETY_LUJIAZUI, {"note": "已签收"}))
    assert (signed["state"], signed["state_label"]) == ("rectifying", "整改中")
    signed_page = await _document(api, directive_id)
    assert signed_page.status_code == 200, signed_page.text
    assert "签收人：刘经理" in signed_page.text
    reported = ok(
        await api.act(directive_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "已更换制动器闸瓦"})
    )
    assert reported["state"] == "rechecking"
    assert "directive.recheck" in reported["deadlines"]

    # A failed re-check must set a later date to correct by.
    no_date = await api.act(directive_id, "verify_fail", REGULATOR_PUDONG, {"reason": "闸瓦型号不符"})
    assert no_date.status_code == 422, no_date.text
    assert "rectify_by" in str(no_date.json()["detail"])
    past = await api.act(
        directive_id,
        "verify_fail",
        REGULATOR_PUDONG,
        {"reason": "闸瓦型号不符", "rectify_by": _today().isoformat()},
    )
    assert past.status_code == 422, past.text
    assert "rectify_by" in str(past.json()["detail"])
    new_date = _today() + timedelta(days=5)
    failed = ok(
        await api.act(
            directive_id,
            "verify_fail",
            REGULATOR_PUDONG,
            {"reason": "闸瓦型号不符", "rectify_by": new_date.isoformat()},
        )
    )
    assert failed["state"] == "rectifying"
    assert failed["details"]["rectify_by"] == new_date.isoformat()
    assert datetime.fromisoformat(failed["due_at"]).astimezone(CHINA_TIME) == datetime.combine(
        new_date + timedelta(days=1), datetime.min.time(), tzinfo=CHINA_TIME
    )

    ok(await api.act(directive_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "更换原厂闸瓦"}))
    closed = ok(await api.act(directive_id, "verify_pass", REGULATOR_PUDONG, {"remark": "复查合格"}))
    assert (closed["state"], closed["state_label"], closed["allowed_actions"]) == ("closed", "已复查办结", [])
    await api.run_finished(directive_id)
    await withdraw(api, hazard_id)
    messages = await api.mail.wait_for(
        lambda ms: (
            "directive_closed" in [template_of(m) for m in mails_to(ms, USE_UNIT_MAIL)]
            and [template_of(m) for m in mails_to(ms, REGULATOR_MAIL)].count(
                "directive_rectification_submitted"
            )
            == 2
        )
    )
    assert sorted(
        template_of(m) for m in mails_to(messages, USE_UNIT_MAIL) if "directive" in template_of(m)
    ) == [
        "directive_closed",
        "directive_issued",
        "directive_recheck_failed",
    ]
    assert [template_of(m) for m in mails_to(messages, REGULATOR_MAIL)].count(
        "directive_rectification_submitted"
    ) == 2


async def test_only_the_district_regulator_issues_and_bad_input_is_422_naming_the_field(api: Api) -> None:
    for user in (SAFETY_LUJIAZUI, MAINTAINER_SHENDA, REGULATOR_XUHUI):
        refused = await _issue(api, _body(), user=user)
        assert refused.status_code == 403, (user, refused.text)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("from_ticket_id", {"from_ticket_id": f"hazard-{PUDONG_A}-mu-shenda-{new_ref()}"}),
        ("rectify_by", {"rectify_by": _today().isoformat()}),
        ("rectify_by", {"rectify_by": (_today() - timedelta(days=3)).isoformat()}),
        ("elevator_code", {"elevator_code": "31099900001"}),
        ("addressee", {"addressee": "rescue_station"}),
        ("problems", {"problems": ""}),
    ]
    for field, change in cases:
        assert _field(await _issue(api, _body(**change))) == [field], change
    # A directive is issued from a ticket on the same elevator.
    rescue_id = await api.open(PUDONG_B)
    assert _field(await _issue(api, _body(from_ticket_id=rescue_id))) == ["from_ticket_id"]
    listed = ok(await api.read("/tickets", params={"kind": "directive"}))
    assert listed["total"] == 0

    # A late rescue: the draft addresses the maintenance unit, with the rescue rules.
    draft = ok(await _draft(api, rescue_id))
    assert (draft["addressee"], draft["addressee_unit_id"]) == ("maintenance_unit", "mu-shenda")
    assert "TSG T5002-2017" in draft["article_violated"]
    assert "第八十八条" in draft["legal_basis"]
    assert f"困人救援工单（编号 {rescue_id}）" in draft["problems"]
    await api.cancel(rescue_id)


async def test_the_directive_prints_as_an_escaped_html_document(api: Api) -> None:
    rectify_by = _today() + timedelta(days=12)
    problems = "维保记录弄虚作假<script>alert('x')</script>"
    created = await _issue(
        api, _body(addressee="maintenance_unit", problems=problems, rectify_by=rectify_by.isoformat())
    )
    assert created.status_code == 201, created.text
    directive_id = created.json()["ticket_id"]
    number = created.json()["document_number"]

    page = await _document(api, directive_id)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    markup = page.text
    assert number in markup
    assert f"于{_zh(rectify_by)}前改正" in markup
    assert "上海市浦东新区市场监督管理局" in markup
    assert "上海申达电梯维保有限公司：" in markup
    assert "维保记录弄虚作假&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in markup
    assert "<script>" not in markup
    assert "六十日内向上海市浦东新区人民政府申请行政复议" in markup
    assert "六个月内依法向人民法院提起行政诉讼" in markup
    assert "签收人（签字）" in markup

    # The addressed unit reads it too; another unit and another district's regulator do not.
    assert (await _document(api, directive_id, MAINTAINER_SHENDA)).status_code == 200
    for user in (SAFETY_LUJIAZUI, REGULATOR_XUHUI):
        assert (await _document(api, directive_id, user)).status_code == 403, user

    # The unit refuses to sign: the regulator records it and the directive is served anyway.
    refusal = await api.act(directive_id, "record_refusal", MAINTAINER_SHENDA, {"note": "拒签"})
    assert refusal.status_code == 403, refusal.text
    refused = ok(
        await api.act(
            directive_id, "record_refusal", REGULATOR_PUDONG, {"note": "拒绝签收，两名执法人员见证"}
        )
    )
    assert refused["state"] == "rectifying"
    assert "refused_to_sign" in refused["flags"]
    markup = (await _document(api, directive_id)).text
    assert "留置送达" in markup
    assert "拒收情况：拒绝签收，两名执法人员见证" in markup

    # A ticket of another kind has no such document.
    hazard_id = await open_hazard(api)
    assert (await _document(api, hazard_id)).status_code == 404
    assert (await _document(api, "directive-nothing-here")).status_code == 404

    withdrawn = ok(await api.act(directive_id, "withdraw", REGULATOR_PUDONG, {"reason": "测试结束"}))
    assert (withdrawn["state"], withdrawn["state_label"]) == ("cancelled", "已撤销")
    await api.run_finished(directive_id)
    await withdraw(api, hazard_id)
    messages = await api.mail.wait_for(
        lambda ms: "directive_closed" in [template_of(m) for m in mails_to(ms, MAINTENANCE_MAIL)]
    )
    assert sorted(
        template_of(m) for m in mails_to(messages, MAINTENANCE_MAIL) if "directive" in template_of(m)
    ) == [
        "directive_closed",
        "directive_issued",
    ]
