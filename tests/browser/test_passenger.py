"""A passenger on a 375 px phone: scans the 智慧电梯码, files a complaint, follows and evaluates it by its link."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import zxingcpp
from PIL import Image
from playwright.async_api import Page, expect

from store.seed import DEMO_PASSWORD
from tests.support.browser import screenshot

# Pudong, 陆家嘴花园 1 号楼 B 梯: used by uu-lujiazui, overseen by reg-pudong.
ELEVATOR = "31011500002"
OTHER_ELEVATOR = "31010400001"
REGULATOR = "u-regulator-pudong"
PHONE_WIDTH = 375


async def _fits_the_phone(page: Page) -> None:
    """Nothing sticks out sideways: the page never scrolls horizontally on a 375 px screen."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


async def _as_regulator(stack: str, number: str, action: str, body: dict[str, Any]) -> None:
    """The district regulator acts through the JSON API (their own pages are another journey) on the
    complaint the passenger quotes by its number."""
    async with httpx.AsyncClient(base_url=stack, trust_env=False) as client:
        signed_in = await client.post("/auth/token", data={"username": REGULATOR, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        listed = await client.get("/tickets", params={"kind": "complaint", "limit": 200}, headers=headers)
        assert listed.status_code == 200, listed.text
        (ticket_id,) = [t["ticket_id"] for t in listed.json()["items"] if t["number"] == number]
        acted = await client.post(f"/tickets/{ticket_id}/{action}", json=body, headers=headers)
        assert acted.status_code == 200, acted.text


async def test_a_passenger_files_a_complaint_and_follows_it_by_its_link(phone: Page, stack: str) -> None:
    await phone.goto(f"/e/{ELEVATOR}")
    await expect(phone.get_by_role("heading", name=f"智慧电梯码 {ELEVATOR}")).to_be_visible()
    await expect(phone.get_by_text("陆家嘴花园物业管理处")).to_be_visible()
    await expect(phone.get_by_role("button", name="困人报警")).to_be_visible()
    await _fits_the_phone(phone)
    await screenshot(phone, "passenger-1-qr-page")

    await phone.get_by_role("link", name="投诉/举报").click()
    await expect(phone.get_by_role("heading", name="投诉/举报")).to_be_visible()
    # A report's fields stay out of the way of a complaint.
    await expect(phone.get_by_label("被举报单位", exact=True)).to_be_hidden()
    await phone.get_by_role("textbox", name="投诉内容", exact=True).fill("电梯门关得太快，夹到老人")
    await phone.get_by_role("textbox", name="您的诉求", exact=True).fill("调整关门速度并检修门保护装置")
    await phone.get_by_role("textbox", name="姓名", exact=True).fill("韩梅梅")
    await phone.get_by_role("textbox", name="联系电话", exact=True).fill("1391234")
    await phone.get_by_role("button", name="提交").click()
    await expect(phone.get_by_text("请填写正确的手机号或固定电话")).to_be_visible()
    await expect(phone.get_by_role("textbox", name="投诉内容", exact=True)).to_have_value(
        "电梯门关得太快，夹到老人"
    )
    await _fits_the_phone(phone)
    await screenshot(phone, "passenger-2-complaint-form-error")

    await phone.get_by_role("textbox", name="联系电话", exact=True).fill("13912340001")
    await phone.get_by_role("button", name="提交").click()
    await expect(phone.get_by_role("heading", name="投诉已提交")).to_be_visible()
    tracking_url = await phone.locator("#tracking-url").inner_text()
    assert tracking_url.startswith(f"{stack}/t/")
    await _fits_the_phone(phone)
    await screenshot(phone, "passenger-3-complaint-filed")

    await phone.get_by_role("link", name="查看办理进度").click()
    await expect(phone.get_by_role("heading", name="投诉办理进度")).to_be_visible()
    await expect(phone.locator("#state")).to_have_text("待受理")
    assert phone.url == tracking_url
    page_text = await phone.locator("main").inner_text()
    assert "韩梅梅" not in page_text
    assert "13912340001" not in page_text
    await _fits_the_phone(phone)
    await screenshot(phone, "passenger-4-tracking")

    # The passenger sees the complaint's number (投诉, district, day, serial), not the engine's id.
    number = (await phone.locator("dt:text-is('受理编号') + dd").inner_text()).strip()
    assert re.fullmatch(r"TS-[A-Z]{2}-\d{8}-\d{4}", number), number
    await _as_regulator(stack, number, "accept", {"note": "予以受理"})
    await _as_regulator(
        stack, number, "record_result", {"agreed": True, "result": "物业已调慢关门速度并更换光幕"}
    )
    # Later, the passenger opens the saved link again.
    await phone.goto(tracking_url)
    await expect(phone.locator("#state")).to_have_text("待评价")
    await expect(phone.get_by_text("物业已调慢关门速度并更换光幕")).to_be_visible()
    await phone.get_by_text("满意", exact=True).click()
    await phone.locator("label[for=rating-5]").click()
    await phone.get_by_role("textbox", name="评价内容（选填）", exact=True).fill("处理及时")
    await _fits_the_phone(phone)
    await screenshot(phone, "passenger-5-evaluation-form")
    await phone.get_by_role("button", name="提交评价").click()
    await expect(phone.get_by_text("感谢您的评价")).to_be_visible()
    await expect(phone.locator("#state")).to_have_text("已办结")
    await screenshot(phone, "passenger-6-evaluated")


async def test_the_printed_code_scans_to_the_elevators_page(phone: Page, stack: str) -> None:
    async with httpx.AsyncClient(base_url=stack, trust_env=False) as client:
        image = await client.get(f"/e/{OTHER_ELEVATOR}/qr.png")
    assert image.status_code == 200
    [scanned] = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.content)))]
    assert scanned == f"{stack}/e/{OTHER_ELEVATOR}"

    await phone.goto(scanned)
    await expect(phone.get_by_role("heading", name=f"智慧电梯码 {OTHER_ELEVATOR}")).to_be_visible()
    await expect(phone.get_by_text("徐家汇商城物业管理处")).to_be_visible()
    # An alarm without a number to call back is refused on the page, in Chinese; nothing is opened.
    await phone.get_by_role("button", name="困人报警").click()
    await expect(phone.get_by_text("请填写能接通的电话号码")).to_be_visible()
    await _fits_the_phone(phone)
    await screenshot(phone, "passenger-7-rescue-form-error")

    await phone.get_by_role("link", name="评价建议").click()
    await phone.get_by_text("评价这部电梯").click()
    await phone.locator("label[for=rating-4]").click()
    await phone.get_by_role("textbox", name="内容", exact=True).fill("运行平稳，轿厢干净")
    await _fits_the_phone(phone)
    await screenshot(phone, "passenger-8-feedback-form")
    await phone.get_by_role("button", name="提交").click()
    await expect(phone.get_by_role("heading", name="感谢您的评价")).to_be_visible()


async def test_a_buildings_codes_print_on_one_a4_sheet(desktop: Page) -> None:
    await desktop.goto("/qr-sheet/陆家嘴花园 1 号楼")
    cards = desktop.locator("article.qr-card")
    await expect(cards).to_have_count(2)
    await expect(cards.locator("svg.qr")).to_have_count(2)
    await desktop.emulate_media(media="print")
    await expect(desktop.locator("header.topbar")).to_be_hidden()
    await screenshot(desktop, "passenger-9-qr-sheet-print")
