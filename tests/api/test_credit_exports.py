"""A regulator's month in sheets: tickets with their times and lateness, grades with their figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import httpx
from openpyxl import load_workbook

from api.credit_sheets import GRADE_HEADERS, LINE_HEADERS, TICKET_HEADERS
from domain.credit import FIGURE_LABELS, score
from domain.credit_model import UnitIndicators, UnitRole
from domain.tickets import TimelineEvent
from store.credit_grades import CreditStore
from store.database import Database
from store.tickets import TicketRepository
from tests.support.snapshots import rescue_snapshot

MONTH = "2026-11"
OPENED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
PUDONG_REGULATOR = {"X-User-Id": "u-regulator-pudong"}
CITY_REGULATOR = {"X-User-Id": "u-regulator-city"}


async def _rescue(database: Database, ticket_id: str, district: str, elevator: str) -> None:
    snapshot = rescue_snapshot(
        ticket_id,
        OPENED,
        state="closed",
        elevator_code=elevator,
        district=district,
        closed_at=OPENED + timedelta(hours=1),
        flags=["arrival_overdue"],
    )
    events = [
        TimelineEvent(seq=1, at=OPENED, action="dispatch", state="dispatched"),
        TimelineEvent(seq=2, at=OPENED + timedelta(minutes=2), action="accept", state="accepted"),
        TimelineEvent(seq=3, at=OPENED + timedelta(minutes=35), action="arrive", state="on_site"),
    ]
    await TicketRepository(database).apply_projection(snapshot, events, queued_at=OPENED)


async def test_a_district_regulator_downloads_its_districts_tickets_as_xlsx_and_csv(
    api_without_temporal: httpx.AsyncClient, database: Database
) -> None:
    await _rescue(database, "rescue-31011500001-sheet", "pudong", "31011500001")
    await _rescue(database, "rescue-31010400001-sheet", "xuhui", "31010400001")
    http = api_without_temporal

    sheet = await http.get("/credit/exports/tickets.xlsx", params={"month": MONTH}, headers=PUDONG_REGULATOR)
    assert sheet.status_code == 200, sheet.text
    assert 'filename="tickets-2026-11.xlsx"' in sheet.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(sheet.content), read_only=True)["工单"].values)
    assert list(rows[0]) == TICKET_HEADERS
    [row] = rows[1:]
    by_header = dict(zip(TICKET_HEADERS, row, strict=True))
    assert by_header["工单类型"] == "困人救援"
    assert by_header["所在区"] == "pudong"
    assert by_header["维保单位"] == "上海申达电梯维保有限公司"
    # Shanghai wall-clock times: opened 10:00, accepted 10:02, on site 10:35, closed 11:00.
    assert by_header["发起时间"] == datetime(2026, 11, 10, 10, 0)
    assert by_header["接单时间"] == datetime(2026, 11, 10, 10, 2)
    assert by_header["到场时间"] == datetime(2026, 11, 10, 10, 35)
    assert by_header["办结时间"] == datetime(2026, 11, 10, 11, 0)
    assert (by_header["是否逾期"], by_header["逾期环节"]) == ("是", "到场")

    csv = await http.get("/credit/exports/tickets.csv", params={"month": MONTH}, headers=CITY_REGULATOR)
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff工单编号,")
    assert len(text.strip().splitlines()) == 3


async def test_grades_download_with_their_figures_and_the_rules_that_cost_points(
    api_without_temporal: httpx.AsyncClient, database: Database
) -> None:
    unit = UnitIndicators("mu-shenda", UnitRole.MAINTENANCE_UNIT, MONTH, sample={f"t{n}" for n in range(6)})
    unit.count("rescue_late_arrivals", [("t1",)])
    unit.count("rescues", [(f"t{n}",) for n in range(6)])
    graded = [(unit, score(unit.role, unit.occurrences, len(unit.sample)))]
    await CreditStore(database).store(graded, FIGURE_LABELS, datetime(2026, 12, 1, 18, tzinfo=UTC))

    sheet = await api_without_temporal.get(
        "/credit/exports/grades.xlsx", params={"month": MONTH}, headers=CITY_REGULATOR
    )
    assert sheet.status_code == 200, sheet.text
    book = load_workbook(io.BytesIO(sheet.content), read_only=True)
    assert book.sheetnames == ["信用评价", "扣分明细"]
    grades = list(book["信用评价"].values)
    assert list(grades[0][: len(GRADE_HEADERS)]) == GRADE_HEADERS
    assert "困人救援超过30分钟到场" in grades[0]
    assert grades[1][:8] == ("mu-shenda", "上海申达电梯维保有限公司", "维保单位", MONTH, "A", 10, 6, "否")
    lines = list(book["扣分明细"].values)
    assert list(lines[0]) == LINE_HEADERS
    assert lines[1][3:6] == ("困人救援超过30分钟到场", 1, 10)
    assert lines[1][7] == "t1"

    refused = await api_without_temporal.get(
        "/credit/exports/tickets.xlsx", params={"month": MONTH}, headers={"X-User-Id": "u-safety-lujiazui"}
    )
    assert refused.status_code == 403
