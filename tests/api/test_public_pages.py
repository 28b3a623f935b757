"""The public pages a passenger reaches from the 智慧电梯码: what they show, and what their forms open."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta

import httpx
from sqlalchemy import select

from domain.calendar import CHINA_TIME
from store.db import make_engine, make_sessionmaker
from store.models import Elevator, User
from tests.api.conftest import PUDONG_A, PUDONG_B, READER, XUHUI, Api, new_ref
from tests.support.maintenance import ITEMS, end_schedule

REGULATOR = "u-regulator-pudong"
COMPLAINANT = ("韩梅梅", "13912340001")
# Phone-like numbers: a mainland mobile, or a landline with its area code.
# A number shown to a person stands apart: digits inside a random ticket id or tracking token
# ("...a0027068440b...") are not a phone, and once made this check fail by chance.
PHONE_LIKE = re.compile(r"(?<![0-9A-Za-z_-])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![0-9A-Za-z_-])")


async def _seeded_people(database_url: str) -> set[str]:
    """Every seeded user's id and name."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (await session.execute(select(User.id, User.name))).all()
    finally:
        await engine.dispose()
    return {value for row in rows for value in row}


def _page(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, f"{response.status_code}: {response.text[:2000]}"
    assert response.headers["content-type"].startswith("text/html")
    return html.unescape(response.text)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return found.group(1)


def _tracking_path(page: str) -> str:
    found = re.search(r'href="(/t/[A-Za-z0-9_-]+)"', page)
    assert found, "no tracking link on the page"
    return found.group(1)


async def _form(api: Api, path: str) -> str:
    """The form page's hidden submission id (one id per form shown: a resend opens nothing new)."""
    return _hidden(_page(await api.http.get(path)), "submission")


async def _tickets(api: Api, kind: str) -> list[dict[str, object]]:
    response = await api.read("/tickets", params={"kind": kind, "limit": 50})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def _shanghai_day(moment: datetime) -> str:
    return moment.astimezone(CHINA_TIME).date().isoformat()


def _fact(page: str, term: str) -> str:
    """The text of the QR page's fact after `<dt>term</dt>`, badges and spacing left out."""
    found = re.search(rf"<dt>{re.escape(term)}</dt>\s*<dd>(.*?)</dd>", page, re.DOTALL)
    assert found, f"no fact {term}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


async def _confirmed_maintenance(api: Api, elevator: str, performed_at: datetime) -> None:
    created = await api.http.post(
        "/tickets/maintenance-record",
        json={
            "elevator_code": elevator,
            "ref": new_ref(),
            "level": "quarterly",
            "performed_at": performed_at.isoformat(),
            "handler_name": "林工",
            "items": ITEMS,
            "remarks": "季度维保",
        },
        headers={"X-User-Id": "u-maintainer-pujiang"},
    )
    assert created.status_code == 201, created.text
    confirmed = await api.act(created.json()["ticket_id"], "confirm", "u-safety-xujiahui", {})
    assert confirmed.status_code == 200, confirmed.text


async def test_the_qr_page_shows_the_public_facts_and_names_no_one(api: Api) -> None:
    before = _page(await api.http.get(f"/e/{XUHUI}"))
    assert "最近一次维保" in before
    assert "暂无记录" in before

    # Recent visits (an old one would open a missed-maintenance ticket): the later visit, confirmed first.
    latest = datetime.now(UTC) - timedelta(hours=2)
    earlier = latest - timedelta(days=3)
    await _confirmed_maintenance(api, XUHUI, latest)
    await _confirmed_maintenance(api, XUHUI, earlier)
    try:
        page = _page(await api.http.get(f"/e/{XUHUI}"))
    finally:
        await end_schedule(api.temporal, XUHUI)

    for fact in (
        "智慧电梯码 31010400001",
        "梯11沪400001",  # 使用登记证编号
        "311031010400001",  # 设备代码
        "徐汇区虹桥路 1 号 商场东侧客梯",
        "徐家汇商城",  # the building
        "徐家汇商城物业管理处",  # 使用管理单位
        "上海浦江电梯工程有限公司",  # 维护保养单位
        "2027-06-30",  # 下次检验日期
        'href="tel:110"',
        f'class="brand" href="/e/{XUHUI}"',  # the page's own address: home, for a passenger
        "困人报警",
        "投诉/举报",
        "评价建议",
    ):
        assert fact in page, fact
    # The latest visit confirmed, not the last one confirmed. Read from its own field: anywhere on the
    # page, the earlier visit's day could be another date shown there, such as the inspection date.
    assert _fact(page, "最近一次维保") == _shanghai_day(latest)
    people = await _seeded_people(api.settings.database_url)
    assert {"林工", "u-maintainer-pujiang", "周经理"} <= people
    assert sorted(person for person in people if person in page) == []
    assert PHONE_LIKE.findall(page) == []


async def test_an_unknown_elevator_or_token_is_a_page_in_chinese(api: Api) -> None:
    for path in ("/e/99999999999", "/e/99999999999/complaint", "/e/99999999999/feedback"):
        assert "未找到这部电梯" in _page(await api.http.get(path), 404), path
    assert "未找到这部电梯" in _page(
        await api.http.post("/e/99999999999/rescue", data={"callback_phone": "13912345678"}), 404
    )
    assert "未找到与此查询链接对应的事项" in _page(await api.http.get(f"/t/{new_ref()}"), 404)
    assert "未找到与此查询链接对应的事项" in _page(
        await api.http.post(f"/t/{new_ref()}/evaluate", data={"satisfied": "yes", "rating": "5"}), 404
    )


async def test_a_complaint_from_the_page_is_followed_and_evaluated_by_its_link(api: Api) -> None:
    submission = await _form(api, f"/e/{PUDONG_B}/complaint")
    form = {
        "submission": submission,
        "kind": "complaint",
        "text": "电梯门夹人，物业未处理",
        "request": "检修电梯门",
        "name": COMPLAINANT[0],
        "phone": "139 1234 0001",
    }
    filed = _page(await api.http.post(f"/e/{PUDONG_B}/complaint", data=form))
    assert "投诉已提交" in filed
    assert "请保存您的查询链接" in filed
    # The limit stated is the policy row's (complaint.decide, 7 working days by default).
    assert "区市场监督管理部门将在 7 个工作日内决定是否受理" in filed
    tracking = _tracking_path(filed)
    assert f"{api.settings.effective_public_base_url}{tracking}" in filed
    [complaint] = await _tickets(api, "complaint")
    ticket_id, number = str(complaint["ticket_id"]), str(complaint["number"])
    assert complaint["elevator_code"] == PUDONG_B
    # The complainant is given the complaint's number, not the engine's id.
    assert number.startswith("TS-PD-")
    assert number in filed
    assert ticket_id not in filed

    # The same form sent again (a double tap, a reload) opens nothing new and shows no second link.
    again = _page(await api.http.post(f"/e/{PUDONG_B}/complaint", data=form))
    assert "已经提交过" in again
    assert "/t/" not in again
    assert len(await _tickets(api, "complaint")) == 1

    followed = _page(await api.http.get(tracking))
    assert "投诉办理进度" in followed
    assert "待受理" in followed
    assert number in followed
    assert "评价处理结果" not in followed
    assert COMPLAINANT[0] not in followed
    assert PHONE_LIKE.findall(followed) == []

    accepted = await api.act(ticket_id, "accept", REGULATOR, {"note": "予以受理"})
    assert accepted.status_code == 200, accepted.text
    result = await api.act(
        ticket_id, "record_result", REGULATOR, {"agreed": True, "result": "物业已更换门机并致歉"}
    )
    assert result.status_code == 200, result.text
    awaiting = _page(await api.http.get(tracking))
    assert "待评价" in awaiting
    assert "予以受理" in awaiting
    assert "物业已更换门机并致歉" in awaiting
    assert "评价处理结果" in awaiting

    no_stars = _page(
        await api.http.post(f"{tracking}/evaluate", data={"satisfied": "no", "text": "门还是夹人"}), 422
    )
    assert "请为处理结果打分（1 至 5 星）" in no_stars
    assert 'value="no" checked' in no_stars
    assert "门还是夹人" in no_stars
    evaluated = _page(
        await api.http.post(f"{tracking}/evaluate", data={"satisfied": "yes", "rating": "4", "text": "满意"})
    )
    assert "感谢您的评价" in evaluated
    assert "已办结" in evaluated
    assert "评价处理结果" not in evaluated
    twice = _page(await api.http.post(f"{tracking}/evaluate", data={"satisfied": "yes", "rating": "5"}), 409)
    assert "此事项当前不能评价" in twice


async def test_a_form_with_mistakes_comes_back_in_chinese_with_what_was_typed(api: Api) -> None:
    typed = {
        "submission": await _form(api, f"/e/{PUDONG_A}/complaint"),
        "kind": "complaint",
        "text": "电梯运行时异响严重",
        "request": "",
        "name": "",
        "phone": "12345",
    }
    page = _page(await api.http.post(f"/e/{PUDONG_A}/complaint", data=typed), 422)
    assert "请按红字提示修改后再提交" in page
    assert "请填写您的诉求" in page
    assert "请填写您的真实姓名" in page
    assert "请填写正确的手机号或固定电话" in page
    assert "电梯运行时异响严重" in page
    assert 'value="12345"' in page
    assert _hidden(page, "submission") == typed["submission"]

    real_name_report = _page(
        await api.http.post(
            f"/e/{PUDONG_A}/complaint",
            data={"kind": "report", "text": "维保单位长期未按规定维保", "name": "欧阳思远", "phone": ""},
        ),
        422,
    )
    assert "实名举报请填写正确的手机号或固定电话" in real_name_report
    assert 'value="report" checked' in real_name_report
    assert 'value="欧阳思远"' in real_name_report

    no_phone = _page(await api.http.post(f"/e/{PUDONG_A}/rescue", data={"description": "两人被困"}), 422)
    assert "报警还未发出" in no_phone
    assert "请填写能接通的电话号码" in no_phone
    assert 'value="两人被困"' in no_phone

    assert await _tickets(api, "complaint") == []
    assert await _tickets(api, "report") == []
    assert await _tickets(api, "rescue") == []


async def test_an_anonymous_report_needs_no_name_and_keeps_none_typed(api: Api) -> None:
    filed = _page(
        await api.http.post(
            f"/e/{PUDONG_A}/complaint",
            data={
                "submission": await _form(api, f"/e/{PUDONG_A}/complaint?kind=report"),
                "kind": "report",
                "text": "维保单位长期未按规定维保",
                "suspect": "maintenance_unit",
                "anonymous": "on",
                # Typed before ticking 匿名: an anonymous report keeps neither.
                "name": "欧阳思远",
                "phone": "021-61234567",
            },
        )
    )
    assert "举报已提交" in filed
    assert "区市场监督管理部门将在 15 个工作日内核查并决定是否立案" in filed
    [report] = await _tickets(api, "report")
    identity = await api.read(f"/tickets/{report['ticket_id']}/reporter", user=REGULATOR)
    assert identity.status_code == 404, identity.text
    followed = _page(await api.http.get(_tracking_path(filed)))
    assert "举报办理进度" in followed
    assert "欧阳思远" not in followed


async def test_an_entrapment_reported_from_the_page_opens_a_rescue(api: Api) -> None:
    submission = _hidden(_page(await api.http.get(f"/e/{PUDONG_A}")), "submission")
    form = {"submission": submission, "callback_phone": "139 1234 5678", "description": "两人被困"}
    sent = _page(await api.http.post(f"/e/{PUDONG_A}/rescue", data=form))
    assert "救援人员正在赶来" in sent
    assert "13912345678" not in sent
    [rescue] = await _tickets(api, "rescue")
    ticket = await api.ticket(str(rescue["ticket_id"]), user=READER)
    assert ticket["elevator_code"] == PUDONG_A
    assert [(r["source"], r["ref"]) for r in ticket["reports"]] == [("qr", submission)]
    assert ticket["number"] in sent
    assert ticket["ticket_id"] not in sent

    # Sent twice (a reload): the same rescue, not a second one.
    again = _page(await api.http.post(f"/e/{PUDONG_A}/rescue", data=form))
    assert ticket["number"] in again
    assert len(await _tickets(api, "rescue")) == 1
    await api.cancel(ticket["ticket_id"])


async def test_feedback_from_the_page_reaches_the_use_unit(api: Api) -> None:
    no_stars = _page(
        await api.http.post(
            f"/e/{PUDONG_B}/feedback", data={"feedback_type": "evaluation", "text": "运行平稳，很干净"}
        ),
        422,
    )
    assert "请为电梯打分（1 至 5 星）" in no_stars
    assert "运行平稳，很干净" in no_stars

    submission = await _form(api, f"/e/{PUDONG_B}/feedback")
    sent = _page(
        await api.http.post(
            f"/e/{PUDONG_B}/feedback",
            data={"submission": submission, "feedback_type": "evaluation", "rating": "4", "text": "运行平稳"},
        )
    )
    assert "感谢您的评价" in sent
    suggestion = _page(
        await api.http.post(
            f"/e/{PUDONG_B}/feedback",
            data={"feedback_type": "suggestion", "rating": "2", "text": "建议在轿厢内加装扶手"},
        )
    )
    assert "感谢您的建议" in suggestion
    tickets = await _tickets(api, "feedback")
    assert sorted(
        (ticket["details"]["feedback_type"], ticket["details"]["rating"])  # type: ignore[index]
        for ticket in tickets
    ) == [("evaluation", 4), ("suggestion", None)]
    assert {ticket["use_unit_id"] for ticket in tickets} == {"uu-lujiazui"}


async def test_the_inspection_date_is_marked_when_it_has_passed(api: Api) -> None:
    engine = make_engine(api.settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            elevator = await session.get(Elevator, PUDONG_A)
            assert elevator is not None
            assert elevator.inspection_valid_until is not None
            valid_until = elevator.inspection_valid_until
    finally:
        await engine.dispose()

    shown: dict[str, str] = {}
    for label, day in (
        ("the day before", valid_until - timedelta(days=1)),
        ("the last valid day", valid_until),
        ("the day after", valid_until + timedelta(days=1)),
    ):
        # Noon, China time, of that day: the page reckons dates in China time.
        api.clock.set(datetime.combine(day, time(12), CHINA_TIME))
        shown[label] = _fact(_page(await api.http.get(f"/e/{PUDONG_A}")), "下次检验日期")

    assert shown == {
        "the day before": valid_until.isoformat(),
        "the last valid day": valid_until.isoformat(),
        "the day after": f"{valid_until.isoformat()} 已超期",
    }
