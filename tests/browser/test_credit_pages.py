"""Credit grades in the browser: the regulator grades the month under way and opens a unit's page."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.async_api import Page, expect

from tests.support.browser import screenshot, sign_in
from tests.support.staff_journeys import stack_api

ELEVATOR = "31011500002"
REGULATOR = "u-regulator-pudong"
SHENDA = "上海申达电梯维保有限公司"


async def test_a_regulator_grades_the_month_and_a_unit_sees_only_its_own_page(
    desktop: Page, phone: Page, stack: str
) -> None:
    async with stack_api(stack) as api:
        # A repair for the maintenance unit this month: it has something to be graded on.
        await api.fault_alarm(ELEVATOR)

    await sign_in(desktop, stack, REGULATOR)
    await desktop.get_by_role("link", name="信用评价").click()
    await expect(desktop.get_by_role("heading", name="困人救援到场时间分布")).to_be_visible()
    await desktop.get_by_role("link", name="本月", exact=True).click()
    await desktop.get_by_role("button", name="按目前的工单计算本月").click()
    await expect(desktop.get_by_text("已按目前的工单计算本月信用评价")).to_be_visible()
    row = desktop.locator("#grades tr[data-unit-id='mu-shenda']")
    await expect(row.get_by_text("维保单位")).to_be_visible()
    await expect(row.get_by_text("样本不足")).to_be_visible()
    await expect(desktop.locator("svg#grade-trend rect.bar")).to_have_count(6)
    await expect(desktop.locator("svg#arrival-distribution rect.bar")).to_have_count(4)
    await screenshot(desktop, "credit-1-list")
    async with desktop.expect_download() as downloading:
        await desktop.get_by_role("link", name="导出信用评价（XLSX）").click()
    download = await downloading.value
    assert download.suggested_filename.endswith(".xlsx")
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    sheet = load_workbook(io.BytesIO(content), read_only=True)["信用评价"]
    rows = list(sheet.values)
    assert rows[0][:5] == ("单位编号", "单位名称", "评价角色", "月份", "信用等级")
    assert ("mu-shenda", SHENDA, "维保单位") in [row[:3] for row in rows[1:]]

    await row.get_by_role("link", name=SHENDA).click()
    await expect(desktop.get_by_role("heading", name=f"信用评价 · {SHENDA}")).to_be_visible()
    section = desktop.locator("section.credit-role[data-role='maintenance_unit']")
    await expect(
        section.locator("table.explanation").get_by_text("同一电梯同一故障月内3次及以上")
    ).to_be_visible()
    await expect(section.locator("table.figures").get_by_text("故障维修", exact=True)).to_be_visible()
    await expect(section.locator("svg.chart rect.bar")).to_have_count(6)
    await screenshot(desktop, "credit-2-unit")

    # The unit's own staff land on their own page, and no other unit's.
    await sign_in(phone, stack, "u-maintainer-shenda")
    await phone.goto("/app/credit")
    await expect(phone.get_by_role("heading", name=f"信用评价 · {SHENDA}")).to_be_visible()
    refused = await phone.goto("/app/credit/mu-pujiang")
    assert refused is not None
    assert refused.status == 403
    await screenshot(phone, "credit-3-own-unit")
