"""The maintenance unit's page over HTTP: a directive to sign and rectify, a hazard to verify, a record to fix.

The maintainer signs in through /login as a person would; the other parties act through the JSON API.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.api.conftest import PUDONG_A, SAFETY_LUJIAZUI, Api, new_ref
from tests.api.test_hazard_api import (
    INSPECTOR,
    MAINTAINER_SHENDA,
    REGULATOR_PUDONG,
    ok,
    open_hazard,
    withdraw,
)
from tests.api.test_staff_pages import csrf_of, page, signed_in, submit, text_of
from tests.support.maintenance import ITEMS, end_schedule


async def _disputed_record(api: Api) -> str:
    body = {
        "elevator_code": PUDONG_A,
        "ref": new_ref(),
        "level": "half_month",
        "performed_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "handler_name": "黄工",
        "items": ITEMS,
        "remarks": "例行半月维保",
    }
    created = await api.http.post(
        "/tickets/maintenance-record", json=body, headers={"X-User-Id": MAINTAINER_SHENDA}
    )
    assert created.status_code == 201, created.text
    record_id: str = created.json()["ticket_id"]
    disputed = await api.act(record_id, "dispute", SAFETY_LUJIAZUI, {"reason": "维保时间与门禁记录不符"})
    assert disputed.status_code == 200, disputed.text
    return record_id


async def _directive_to_the_maintenance_unit(api: Api) -> str:
    body = {
        "elevator_code": PUDONG_A,
        "addressee": "maintenance_unit",
        "problems": "困人救援到场超时",
        "article_violated": "《上海市电梯安全管理办法》第二十五条",
        "legal_basis": "《中华人民共和国特种设备安全法》第八十三条",
        "rectify_by": (date.today() + timedelta(days=15)).isoformat(),
    }
    issued = await api.http.post("/tickets/directive", json=body, headers={"X-User-Id": REGULATOR_PUDONG})
    assert issued.status_code == 201, issued.text
    directive_id: str = issued.json()["ticket_id"]
    return directive_id


async def test_the_maintenance_unit_works_its_directives_hazards_and_disputed_records(api: Api) -> None:
    hazard_id = await open_hazard(api, PUDONG_A)
    ok(await api.act(hazard_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "已更换制动器闸瓦"}))
    record_id = await _disputed_record(api)
    directive_id = await _directive_to_the_maintenance_unit(api)
    try:
        # The use unit's safety manager has a page of its own.
        await signed_in(api, SAFETY_LUJIAZUI)
        assert (await api.http.get("/app/maintenance")).status_code == 403

        await signed_in(api, MAINTAINER_SHENDA)
        home = await api.http.get("/app")
        assert (home.status_code, home.headers["location"]) == (303, "/app/maintenance")
        work = await page(api, "/app/maintenance")
        text = text_of(work)
        for ticket_id in (hazard_id, record_id, directive_id):
            assert f'data-ticket-id="{ticket_id}"' in text
        assert "已更换制动器闸瓦" in text
        assert "维保时间与门禁记录不符" in text
        assert "困人救援到场超时" in text
        token = csrf_of(work)

        # The hazard: a failed verification needs a reason, and sends the use unit back to rectify.
        blank = await submit(api, f"/app/maintenance/{hazard_id}/verify_fail", token, reason=" ")
        assert blank.status_code == 422
        assert "请检查填写的内容：理由" in text_of(blank)
        failed = await submit(api, f"/app/maintenance/{hazard_id}/verify_fail", token, reason="闸瓦仍未更换")
        assert failed.status_code == 303
        assert (await api.ticket(hazard_id))["state"] == "rectifying"

        # The directive: signed for, then its rectification reported to the regulator.
        assert (await submit(api, f"/app/maintenance/{directive_id}/sign", token)).status_code == 303
        reported = await submit(
            api, f"/app/maintenance/{directive_id}/submit_rectification", token, evidence="已增设夜间值班"
        )
        assert reported.status_code == 303
        assert (await api.ticket(directive_id))["state"] == "rechecking"

        # The record: revised item by item, one per line, and sent back to the use unit.
        resubmitted = await submit(
            api,
            f"/app/maintenance/{record_id}/resubmit",
            token,
            items="机房环境\n曳引机\n\n制动器",
            remarks="补充门禁记录",
        )
        assert resubmitted.status_code == 303
        record = await api.ticket(record_id)
        assert record["state"] == "submitted"
        assert record["details"]["items"] == "机房环境、曳引机、制动器"

        after = await page(api, resubmitted.headers["location"])
        assert "已重新提交维保记录" in text_of(after)
        assert 'data-ticket-id="' not in after.text
        # Another unit's maintainer sees none of it.
        await signed_in(api, "u-maintainer-pujiang")
        assert hazard_id not in (await page(api, "/app/maintenance")).text
    finally:
        await withdraw(api, hazard_id)
        ok(await api.act(directive_id, "verify_pass", REGULATOR_PUDONG, {"remark": ""}))
        ok(await api.act(record_id, "confirm", SAFETY_LUJIAZUI, {"remark": ""}))
        for ticket_id in (directive_id, record_id):
            await api.run_finished(ticket_id)
        await end_schedule(api.temporal, PUDONG_A)


async def test_an_inspector_verifies_the_hazards_its_agency_reported(api: Api) -> None:
    mine = await open_hazard(api, PUDONG_A, user=INSPECTOR)
    theirs = await open_hazard(api, PUDONG_A)
    for ticket_id in (mine, theirs):
        ok(await api.act(ticket_id, "submit_rectification", SAFETY_LUJIAZUI, {"evidence": "已整改"}))
    try:
        await signed_in(api, INSPECTOR)
        work = await page(api, "/app/maintenance")
        assert "检验机构待办" in work.text
        assert f'data-ticket-id="{mine}"' in work.text
        # The maintenance unit's own report is the maintenance unit's to verify.
        assert f'data-ticket-id="{theirs}"' not in work.text
        passed = await submit(api, f"/app/maintenance/{mine}/verify_pass", csrf_of(work))
        assert passed.status_code == 303
        assert (await api.ticket(mine))["state"] == "closed"
    finally:
        ok(await api.act(theirs, "verify_fail", MAINTAINER_SHENDA, {"reason": "测试结束"}))
        await withdraw(api, theirs)
        await api.run_finished(mine)
