"""The staff pages over HTTP with real cookies: signing in, CSRF, the rescuer, the inbox, the regulator.

Users sign in through POST /login with the demo password, as a person would; the session cookie then
rides along in the client's cookie jar. Tickets are opened through the JSON API, like an alarm would.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi import HTTPException

from api.errors import TemporalUnavailable, TicketNotActionable, field_error
from api.pages.charts import Arrival, arrival_chart, overdue_chart, overdue_days
from api.pages.session import LOGIN_COOKIE, SESSION_COOKIE
from api.pages.staff_actions import explain, typed_items
from domain.calendar import CHINA_TIME
from elevator_orders.settings import Settings
from store.accounts import AccountRepository
from store.audit import AuditLog, payload_digest
from store.database import Database
from store.db import make_engine
from store.seed import DEMO_PASSWORD
from tests.api.conftest import PUDONG_A, PUDONG_B, RESCUER_SHENDA, SAFETY_LUJIAZUI, Api, new_ref
from tests.api.test_fault_repair_api import open_fault
from tests.api.test_hazard_api import MAINTAINER_SHENDA, open_hazard
from tests.support.rescue import ticket_when

REGULATOR_PUDONG = "u-regulator-pudong"
REGULATOR_CITY = "u-regulator-city"
INSPECTOR = "u-inspector"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A fault repair not accepted within 3 seconds goes overdue, so the regulator has one to see.
    return settings.model_copy(update={"policy_overrides": {"fault_repair.accept": 0.05}})


@pytest.fixture
async def audit_log(api: Api) -> AsyncIterator[AuditLog]:
    engine = make_engine(api.settings.effective_database_url)
    try:
        yield AuditLog(Database(engine))
    finally:
        await engine.dispose()


async def post_login(api: Api, user: str, password: str = DEMO_PASSWORD, **fields: str) -> httpx.Response:
    """Fill in the sign-in form this client was just shown (its CSRF token rides along)."""
    token = csrf_of(await page(api, "/login"))
    return await api.http.post(
        "/login", data={"username": user, "password": password, "csrf_token": token, **fields}
    )


async def sign_in(api: Api, user: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    """Sign `user` in through the form; the session cookie lands in the client's cookie jar."""
    api.http.cookies.clear()
    return await post_login(api, user, password)


async def signed_in(api: Api, user: str) -> None:
    response = await sign_in(api, user)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/app"


async def page(api: Api, path: str) -> httpx.Response:
    response = await api.http.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response


def csrf_of(response: httpx.Response) -> str:
    found = _CSRF.search(response.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def submit(api: Api, path: str, token: str, **fields: str) -> httpx.Response:
    return await api.http.post(path, data={"csrf_token": token, **fields})


def text_of(response: httpx.Response) -> str:
    """The page's text as a person reads it (entities decoded, e.g. the quotes around a state)."""
    return html.unescape(response.text)


async def test_signing_in_sets_a_session_cookie_and_each_role_lands_on_its_page(
    api: Api, audit_log: AuditLog
) -> None:
    form = await api.http.get("/login")
    assert form.status_code == 200
    assert "用户名" in form.text
    assert "密码" in form.text

    wrong = await sign_in(api, RESCUER_SHENDA, "not-the-password")
    assert wrong.status_code == 401
    assert "用户名或密码错误" in wrong.text
    assert SESSION_COOKIE not in wrong.cookies
    unknown = await sign_in(api, "u-nobody")
    assert unknown.status_code == 401
    assert "用户名或密码错误" in unknown.text

    signed = await sign_in(api, RESCUER_SHENDA)
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    # Development serves plain HTTP; any other environment marks the cookie Secure.
    assert "secure" not in cookie
    # Each attempt is in the audit trail, by whom it claimed to be; a password is never digested.
    sign_ins = [row for row in await audit_log.rows() if row.action == "POST /login"]
    assert [(row.actor, row.outcome, row.payload_digest) for row in sign_ins] == [
        (RESCUER_SHENDA, "denied", None),
        ("u-nobody", "denied", None),
        (RESCUER_SHENDA, "ok", None),
    ]
    assert sign_ins[-1].organisation_id == "mu-shenda"

    for user, landing in (
        (RESCUER_SHENDA, "/app/rescuer"),
        (SAFETY_LUJIAZUI, "/app/inbox"),
        (REGULATOR_PUDONG, "/app/regulator"),
        ("u-bureau-head-pudong", "/app/regulator"),
        ("u-maintainer-shenda", "/app/maintenance"),
        (INSPECTOR, "/app/maintenance"),
    ):
        await signed_in(api, user)
        home = await api.http.get("/app")
        assert (home.status_code, home.headers["location"]) == (303, landing), user
        assert (await api.http.get(landing)).status_code == 200, user

    assert "检验机构待办" in (await page(api, "/app/maintenance")).text
    # Other roles get the tickets they may see.
    await signed_in(api, "u-dispatcher")
    assert "我的工单" in (await page(api, "/app")).text
    # A page of another role is refused in words, not with a stack trace.
    refused = await api.http.get("/app/rescuer")
    assert refused.status_code == 403
    assert "此页面供救援人员使用" in refused.text


async def test_signed_out_visitors_go_to_login_and_signing_out_ends_the_session(api: Api) -> None:
    for path in ("/app", "/app/rescuer", "/app/inbox", "/app/regulator"):
        response = await api.http.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    # The page's script polls the list: without a session it gets a bare 401 and reloads the page.
    assert (await api.http.get("/app/rescuer/list")).status_code == 401

    await signed_in(api, RESCUER_SHENDA)
    back = await post_login(api, RESCUER_SHENDA, next="/app/rescuer")
    assert back.headers["location"] == "/app/rescuer"
    # Never to another site.
    away = await post_login(api, RESCUER_SHENDA, next="//evil.example/")
    assert away.headers["location"] == "/app"

    session = api.http.cookies[SESSION_COOKIE]
    token = csrf_of(await page(api, "/app/rescuer"))
    signed_out = await submit(api, "/logout", token)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login?signed_out=1"
    assert SESSION_COOKIE not in api.http.cookies
    # The old cookie, replayed, no longer opens anything: the session ended on the server too.
    api.http.cookies.set(SESSION_COOKIE, session)
    assert (await api.http.get("/app/rescuer")).status_code == 303


async def test_a_sign_in_form_from_another_site_is_refused_unread(api: Api, audit_log: AuditLog) -> None:
    # Login CSRF: a page elsewhere posts its own account's password, to sign the visitor in as that
    # account. Without the token of the form this browser was shown, nobody is signed in.
    credentials = {"username": RESCUER_SHENDA, "password": DEMO_PASSWORD}
    forged = await api.http.post("/login", data=credentials)
    assert forged.status_code == 403
    assert "页面已过期，请刷新后重试" in forged.text
    assert SESSION_COOKIE not in api.http.cookies

    # A token taken from the attacker's own copy of the form does not match this browser's cookie.
    their_token = csrf_of(await page(api, "/login"))
    api.http.cookies.clear()
    mine = await page(api, "/login")
    assert csrf_of(mine) != their_token
    cookie = mine.headers["set-cookie"].lower()
    assert cookie.startswith(f"{LOGIN_COOKIE}=")
    assert "samesite=strict" in cookie
    assert "httponly" in cookie
    replayed = await api.http.post("/login", data={**credentials, "csrf_token": their_token})
    assert replayed.status_code == 403
    assert SESSION_COOKIE not in api.http.cookies

    # The refusal's page is a fresh form that works.
    again = await api.http.post("/login", data={**credentials, "csrf_token": csrf_of(replayed)})
    assert again.status_code == 303
    assert SESSION_COOKIE in api.http.cookies
    sign_ins = [row for row in await audit_log.rows() if row.action == "POST /login"]
    assert [(row.actor, row.outcome) for row in sign_ins] == [
        (RESCUER_SHENDA, "denied"),
        (RESCUER_SHENDA, "denied"),
        (RESCUER_SHENDA, "ok"),
    ]


async def test_a_deactivated_users_session_stops_working_at_once(api: Api) -> None:
    await signed_in(api, "u-rescuer-rs-pudong")
    assert (await api.http.get("/app/rescuer")).status_code == 200
    engine = make_engine(api.settings.effective_database_url)
    try:
        await AccountRepository(Database(engine)).set_active("u-rescuer-rs-pudong", False)
    finally:
        await engine.dispose()
    signed_out = await api.http.get("/app/rescuer")
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/login?next=/app/rescuer")
    again = await sign_in(api, "u-rescuer-rs-pudong")
    assert again.status_code == 401
    assert "用户名或密码错误" in again.text


async def test_a_form_without_its_csrf_token_is_refused(api: Api, audit_log: AuditLog) -> None:
    ticket_id = await api.open(PUDONG_B)
    await signed_in(api, RESCUER_SHENDA)
    token = csrf_of(await page(api, "/app/rescuer"))

    for fields in ({}, {"csrf_token": "0" * 64}, {"csrf_token": token[::-1]}):
        refused = await api.http.post(f"/app/rescuer/{ticket_id}/accept", data=fields)
        assert refused.status_code == 403, fields
        assert "页面已过期，请刷新后重试" in refused.text
    assert (await submit(api, "/logout", "wrong")).status_code == 403
    assert (await api.ticket(ticket_id))["state"] == "dispatched"

    # The refusals are in the audit trail, in the name of the signed-in user.
    rows = [row for row in await audit_log.rows(ticket_id) if row.action.startswith("POST /app/")]
    assert [(row.actor, row.outcome) for row in rows] == [(RESCUER_SHENDA, "denied")] * 3

    # Another user's token does not fit this session either.
    await signed_in(api, "u-rescuer-rs-pudong")
    foreign = await api.http.post(f"/app/rescuer/{ticket_id}/accept", data={"csrf_token": token})
    assert foreign.status_code == 403


async def test_the_rescuer_sees_the_countdowns_and_works_the_rescue_in_one_tap_each(
    api: Api, audit_log: AuditLog
) -> None:
    ticket_id = await api.open(PUDONG_A)
    ticket = await api.ticket(ticket_id)
    await signed_in(api, RESCUER_SHENDA)

    listed = await page(api, "/app/rescuer")
    assert ticket_id in listed.text
    assert "浦东新区陆家嘴环路 1000 号 1 号楼 A 梯" in listed.text
    assert "接单时限" in listed.text
    assert "到场时限" in listed.text
    for step in ("rescue.accept", "rescue.arrive"):
        deadline = datetime.fromisoformat(ticket["deadlines"][step])
        assert f'data-deadline="{deadline.isoformat()}"' in listed.text, step
    assert 'data-refresh-url="/app/rescuer/list"' in listed.text
    assert "/static/staff.js" in listed.text
    fragment = await page(api, "/app/rescuer/list")
    assert ticket_id in fragment.text
    assert "<html" not in fragment.text
    token = csrf_of(listed)

    accepted = await submit(api, f"/app/rescuer/{ticket_id}/accept", token)
    assert accepted.status_code == 303, accepted.text
    assert accepted.headers["location"] == "/app/rescuer?done=accept"
    assert (await api.ticket(ticket_id))["state"] == "accepted"
    after = await page(api, accepted.headers["location"])
    assert "已接单，请尽快赶往现场" in after.text
    assert "已到场" in after.text

    # A second tap on a stale page says why, in words.
    again = await submit(api, f"/app/rescuer/{ticket_id}/accept", token)
    assert again.status_code == 409
    assert "该工单当前状态为“已接单”，不能执行此操作" in text_of(again)

    assert (await submit(api, f"/app/rescuer/{ticket_id}/arrive", token)).status_code == 303
    on_site = await page(api, "/app/rescuer")
    assert 'name="people_freed"' in on_site.text
    # The handler defaults to the signed-in rescuer.
    assert 'value="李师傅"' in on_site.text
    unnamed = await submit(api, f"/app/rescuer/{ticket_id}/release", token, people_freed="2", handler_name="")
    assert unnamed.status_code == 422
    assert "请检查填写的内容：处置人员" in unnamed.text
    released = await submit(
        api, f"/app/rescuer/{ticket_id}/release", token, people_freed="2", handler_name="李师傅"
    )
    assert released.status_code == 303
    stored = await api.ticket(ticket_id)
    assert stored["state"] == "released"
    assert (stored["details"]["people_freed"], stored["details"]["handler_name"]) == (2, "李师傅")

    rows = [row for row in await audit_log.rows(ticket_id) if row.action.startswith("POST /app/")]
    assert [(row.actor, row.action, row.outcome) for row in rows] == [
        (RESCUER_SHENDA, "POST /app/rescuer/{ticket_id}/accept", "ok"),
        (RESCUER_SHENDA, "POST /app/rescuer/{ticket_id}/accept", "failed"),
        (RESCUER_SHENDA, "POST /app/rescuer/{ticket_id}/arrive", "ok"),
        (RESCUER_SHENDA, "POST /app/rescuer/{ticket_id}/release", "failed"),
        (RESCUER_SHENDA, "POST /app/rescuer/{ticket_id}/release", "ok"),
    ]
    assert rows[0].organisation_id == "mu-shenda"
    assert rows[-1].payload_digest == payload_digest(
        {"people_freed": 2, "handler_name": "李师傅", "released_at": None, "note": "", "car_stopped": False}
    )


async def test_the_use_unit_confirms_a_released_rescue_from_its_inbox(api: Api) -> None:
    ticket_id = await api.open(PUDONG_A)
    for action, body in (
        ("accept", {}),
        ("arrive", {}),
        ("release", {"people_freed": 1, "handler_name": "李师傅"}),
    ):
        assert (await api.act(ticket_id, action, RESCUER_SHENDA, body)).status_code == 200
    await signed_in(api, SAFETY_LUJIAZUI)

    inbox = await page(api, "/app/inbox")
    assert ticket_id in inbox.text
    assert "已解困待确认" in inbox.text
    assert "李师傅" in inbox.text
    # My elevators, each with its open tickets.
    assert 'data-elevator="31011500001"' in inbox.text
    assert 'data-elevator="31011500002"' in inbox.text
    token = csrf_of(inbox)

    no_reason = await submit(api, f"/app/inbox/{ticket_id}/dispute", token, reason=" ")
    assert no_reason.status_code == 422
    assert "请检查填写的内容：理由" in no_reason.text
    confirmed = await submit(api, f"/app/inbox/{ticket_id}/confirm", token)
    assert confirmed.status_code == 303
    assert (await api.ticket(ticket_id))["state"] == "closed"
    after = await page(api, confirmed.headers["location"])
    assert "已确认" in after.text
    assert ticket_id not in after.text


async def test_the_use_unit_rectifies_a_hazard_and_answers_feedback_from_its_inbox(api: Api) -> None:
    hazard_id = await open_hazard(api, PUDONG_A)
    filed = await api.http.post(
        "/tickets/feedback",
        json={"elevator_code": PUDONG_B, "feedback_type": "suggestion", "text": "候梯厅照明偏暗"},
        headers={"Idempotency-Key": new_ref()},
    )
    assert filed.status_code == 201, filed.text
    feedback_id = filed.json()["ticket_id"]
    await signed_in(api, SAFETY_LUJIAZUI)

    inbox = await page(api, "/app/inbox")
    for ticket_id in (hazard_id, feedback_id):
        assert f'data-ticket-id="{ticket_id}"' in inbox.text
    assert "制动器闸瓦磨损超限" in inbox.text
    assert "候梯厅照明偏暗" in inbox.text
    token = csrf_of(inbox)

    blank = await submit(api, f"/app/inbox/{hazard_id}/submit_rectification", token, evidence=" ")
    assert blank.status_code == 422
    assert "请检查填写的内容：整改情况" in text_of(blank)
    rectified = await submit(
        api, f"/app/inbox/{hazard_id}/submit_rectification", token, evidence="已更换制动器闸瓦"
    )
    assert rectified.status_code == 303
    assert (await api.ticket(hazard_id))["state"] == "rectified"
    answered = await submit(api, f"/app/inbox/{feedback_id}/answer", token, answer="已增加照明灯具")
    assert answered.status_code == 303
    assert (await api.ticket(feedback_id))["state"] == "answered"
    await api.run_finished(feedback_id)

    after = await page(api, answered.headers["location"])
    assert "已答复乘客评价建议" in after.text
    assert f'data-ticket-id="{hazard_id}"' not in after.text
    assert f'data-ticket-id="{feedback_id}"' not in after.text
    # The reporter verifies the rectification, which closes the hazard (a hazard takes no `cancel`).
    passed = await api.act(hazard_id, "verify_pass", MAINTAINER_SHENDA, {"remark": ""})
    assert passed.status_code == 200, passed.text
    await api.run_finished(hazard_id)


async def test_the_regulator_issues_a_directive_from_an_overdue_ticket_and_rechecks_it(api: Api) -> None:
    repair_id = await open_fault(api, PUDONG_B)
    await ticket_when(api.settings.effective_database_url, repair_id, lambda t: t.overdue)
    await signed_in(api, REGULATOR_PUDONG)

    dashboard = await page(api, "/app/regulator")
    text = text_of(dashboard)
    assert "监管工作台 · 浦东新区" in text
    assert repair_id in text
    assert "故障维修" in text
    repair = await api.ticket(repair_id)
    # No engine vocabulary for people: the workflow's link is for the platform operator's staff.
    assert "Temporal" not in text
    assert repair["run_id"] not in text
    # Both charts are inline SVG; today's overdue bar counts this repair, the arrival chart has its limit.
    assert text.count('<svg class="chart"') == 2
    overdue_svg = text[text.index('id="overdue-chart"') :]
    last_bar = re.findall(r'<rect class="bar[^"]*"[^>]*data-value="([0-9.]+)"', overdue_svg)[-1]
    assert float(last_bar) >= 1
    assert 'class="limit-line"' in text
    assert "30 分钟时限" in text
    # The draft is the district regulator's; the city regulator sees the ticket, without the button.
    directive_link = f"/app/regulator/tickets/{repair_id}/directive"
    assert directive_link in text

    form = await page(api, directive_link)
    form_text = text_of(form)
    assert f"故障维修工单（编号 {repair_id}）" in form_text
    assert "陆家嘴花园物业管理处" in form_text
    rectify_by = re.search(r'name="rectify_by" value="([0-9-]+)"', form.text)
    request_key = re.search(r'name="request_key" value="([0-9a-f]+)"', form.text)
    assert rectify_by
    assert request_key
    fields = {
        "addressee": "use_unit",
        "problems": f"故障维修工单（编号 {repair_id}）逾期未接单",
        "article_violated": "《特种设备安全监督检查办法》第二十三条",
        "legal_basis": "《中华人民共和国特种设备安全法》第八十三条",
        "rectify_by": rectify_by.group(1),
        "request_key": request_key.group(1),
    }
    token = csrf_of(form)
    today = datetime.now(CHINA_TIME).date().isoformat()
    too_early = await submit(api, directive_link, token, **{**fields, "rectify_by": today})
    assert too_early.status_code == 422
    assert "改正期限须晚于今天" in too_early.text
    issued = await submit(api, directive_link, token, **fields)
    assert issued.status_code == 303, issued.text
    assert "已下达安全监察指令书" in (await page(api, issued.headers["location"])).text
    # Sent twice (a double tap), the form still issues one directive.
    assert (await submit(api, directive_link, token, **fields)).status_code == 303
    spawned = (await api.ticket(repair_id))["spawned_tickets"]
    assert spawned == [f"directive-{PUDONG_B}-{request_key.group(1)}"]
    directive_id = spawned[0]

    await signed_in(api, REGULATOR_CITY)
    city = text_of(await page(api, "/app/regulator"))
    assert "监管工作台 · 全市" in city
    assert repair_id in city
    assert directive_link not in city

    # The use unit sees it in its inbox, signs for it and reports its rectification.
    await signed_in(api, SAFETY_LUJIAZUI)
    inbox = await page(api, "/app/inbox")
    assert directive_id in inbox.text
    assert "签收指令书" in inbox.text
    token = csrf_of(inbox)
    assert (await submit(api, f"/app/inbox/{directive_id}/sign", token)).status_code == 303
    reported = await submit(
        api, f"/app/inbox/{directive_id}/submit_rectification", token, evidence="已调整接单值班安排"
    )
    assert reported.status_code == 303
    assert (await api.ticket(directive_id))["state"] == "rechecking"

    await signed_in(api, REGULATOR_PUDONG)
    review = await page(api, "/app/regulator")
    assert "已调整接单值班安排" in review.text
    token = csrf_of(review)
    no_date = await submit(api, f"/app/regulator/{directive_id}/verify_fail", token, reason="未见记录")
    assert no_date.status_code == 422
    assert "改正期限" in no_date.text
    passed = await submit(api, f"/app/regulator/{directive_id}/verify_pass", token)
    assert passed.status_code == 303
    assert (await api.ticket(directive_id))["state"] == "closed"


async def test_only_the_district_regulator_may_draft_a_directive(api: Api) -> None:
    repair_id = await open_fault(api, PUDONG_A)
    await signed_in(api, "u-regulator-xuhui")
    refused = await api.http.get(f"/app/regulator/tickets/{repair_id}/directive")
    assert refused.status_code == 403
    assert "只有该电梯所在区的市场监管部门" in refused.text
    missing = await api.http.get("/app/regulator/tickets/no-such-ticket/directive")
    assert missing.status_code == 404
    assert "找不到该工单" in missing.text


def test_the_arrival_chart_has_a_bar_per_rescue_and_a_line_at_the_limit() -> None:
    now = datetime.now(UTC)
    chart = arrival_chart(
        [Arrival("late", now - timedelta(hours=1), 42.0), Arrival("quick", now - timedelta(hours=2), 12.5)],
        limit_minutes=30,
    )
    assert [bar.value for bar in chart.bars] == [12.5, 42.0]
    assert [bar.late for bar in chart.bars] == [False, True]
    quick, late = chart.bars
    assert chart.limit_y is not None
    # Higher on the page is a smaller y: the late bar rises above the line, the quick one stays below.
    assert late.y < chart.limit_y < quick.y
    assert quick.y + quick.height == late.y + late.height == chart.baseline_y


def test_the_overdue_chart_counts_tickets_per_day_over_fourteen_days() -> None:
    today = date(2026, 5, 20)
    noon = datetime(2026, 5, 20, 4, tzinfo=UTC)
    events = [
        ("a", noon),
        ("a", noon),  # one ticket escalated twice that day counts once
        ("b", noon),
        ("c", noon - timedelta(days=3)),
        ("d", noon - timedelta(days=30)),
    ]
    per_day = overdue_days(events, today, 14)
    assert len(per_day) == 14
    assert per_day[-1] == (today, 2)
    assert per_day[-4] == (today - timedelta(days=3), 1)
    assert sum(count for _, count in per_day) == 3
    chart = overdue_chart(per_day)
    assert len(chart.bars) == 14
    assert [tick.label for tick in chart.ticks] == ["0", "1", "2"]


def test_refusals_of_the_action_path_read_as_sentences() -> None:
    def said(error: Exception, kind: str | None = "rescue", action: str = "accept") -> tuple[int, str]:
        refusal = explain(error, kind=kind, action=action)
        assert refusal is not None
        return refusal.status_code, refusal.message

    assert said(TicketNotActionable("t", "on_site", action="accept")) == (
        409,
        "该工单当前状态为“已到场”，不能执行此操作",
    )
    assert said(HTTPException(403, "单位 x 的救援人员无权对本工单执行“accept”")) == (
        403,
        "您所在单位无权对该工单执行“接单”",
    )
    # The action is named as its kind names it: a hazard is verified (验证), a directive re-checked (复查).
    forbidden = HTTPException(403, "not yours")
    assert said(forbidden, kind="hazard", action="verify_pass")[1] == "您所在单位无权对该工单执行“验证通过”"
    assert (
        said(forbidden, kind="directive", action="verify_pass")[1] == "您所在单位无权对该工单执行“复查合格”"
    )
    assert said(forbidden, kind="hazard", action="pause")[1] == "您所在单位无权对该工单执行“中止计时”"
    assert said(HTTPException(404, "no ticket 't'")) == (404, "找不到该工单，请刷新页面后重试")
    assert said(field_error("reason", "a dispute needs a reason"), action="dispute") == (
        422,
        "请检查填写的内容：理由",
    )
    assert said(TemporalUnavailable("Failed client connect")) == (503, "工单服务暂时不可用，请稍后重试")
    assert explain(ValueError("a bug"), kind="rescue", action="accept") is None


def test_a_list_typed_into_a_form_is_read_one_item_per_line_or_as_the_pages_print_it() -> None:
    assert typed_items("机房环境\r\n 曳引机 \n\n") == ["机房环境", "曳引机"]
    assert typed_items("机房环境、曳引机；制动器") == ["机房环境", "曳引机", "制动器"]
    assert typed_items("  \n ") == []
