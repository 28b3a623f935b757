"""A rescuer on a 375 px phone: an alarm's rescue appears by itself, counts down, and takes one tap a step."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.async_api import Page, expect

from tests.support.browser import screenshot, sign_in
from tests.support.staff_journeys import fits_the_phone, stack_api

# Pudong, 陆家嘴花园 1 号楼 A 梯: maintained by mu-shenda, whose rescuer is 李师傅; used by uu-lujiazui.
ELEVATOR = "31011500001"
RESCUER = "u-rescuer-shenda"
SAFETY_MANAGER = "u-safety-lujiazui"
_REFRESH_WAIT_MS = 15_000


async def test_a_rescuer_accepts_arrives_and_releases_a_rescue_raised_by_an_alarm(
    phone: Page, stack: str
) -> None:
    await sign_in(phone, stack, RESCUER)
    await expect(phone).to_have_url(f"{stack}/app/rescuer")
    await expect(phone.get_by_role("heading", name="救援工单")).to_be_visible()

    async with stack_api(stack) as api:
        # The alarm comes in while the rescuer looks at the page: the list shows it without a reload.
        ticket_id = await api.alarm(ELEVATOR)
        card = phone.locator(f"article[data-ticket-id='{ticket_id}']")
        await expect(card).to_be_visible(timeout=_REFRESH_WAIT_MS)
        await expect(card.get_by_text("已派单")).to_be_visible()
        await expect(card.get_by_text("浦东新区陆家嘴环路 1000 号 1 号楼 A 梯")).to_be_visible()

        accept_countdown = card.locator(".limit", has_text="接单时限").locator(".countdown")
        arrive_countdown = card.locator(".limit", has_text="到场时限").locator(".countdown")
        await expect(accept_countdown).to_have_text(re.compile(r"^剩余 \d{2}:\d{2}$"))
        await expect(arrive_countdown).to_have_text(re.compile(r"^剩余 \d{2}:\d{2}$"))
        # It ticks: a second later it shows another time.
        before = await arrive_countdown.inner_text()
        await expect(arrive_countdown).not_to_have_text(before, timeout=3_000)
        await fits_the_phone(phone)
        await screenshot(phone, "rescuer-1-list")

        await card.get_by_role("button", name="接单").click()
        await expect(phone.get_by_text("已接单，请尽快赶往现场")).to_be_visible()
        await expect(card.get_by_text("已接单", exact=True)).to_be_visible()
        # Accepted: the accept clock is done with, the arrival clock still runs.
        await expect(card.get_by_text("接单时限")).to_be_hidden()
        await expect(arrive_countdown).to_have_text(re.compile(r"^剩余 \d{2}:\d{2}$"))
        await fits_the_phone(phone)
        await screenshot(phone, "rescuer-2-accepted")

        await card.get_by_role("button", name="已到场").click()
        await expect(phone.get_by_text("已记录到场")).to_be_visible()
        await expect(card.get_by_label("处置人员")).to_have_value("李师傅")
        await fits_the_phone(phone)
        await screenshot(phone, "rescuer-3-on-site")

        await card.get_by_label("解困人数").fill("2")
        await card.get_by_role("button", name="已解困").click()
        await expect(phone.get_by_text("已记录解困，等待使用管理单位确认")).to_be_visible()
        await expect(card.get_by_text("已解困 2 人，等待使用管理单位确认。")).to_be_visible()
        await fits_the_phone(phone)
        await screenshot(phone, "rescuer-4-released")

        ticket = await api.ticket(ticket_id)
        assert ticket["state"] == "released"
        assert (ticket["details"]["people_freed"], ticket["details"]["handler_name"]) == (2, "李师傅")
        assert ticket["details"]["arrival_minutes"] < 30
        # The use unit confirms through the API: the elevator is free for the next journey's rescue.
        await api.act(SAFETY_MANAGER, ticket_id, "confirm")


async def test_a_countdown_past_its_limit_turns_red(phone: Page, stack: str) -> None:
    late = (datetime.now(UTC) - timedelta(minutes=3, seconds=5)).isoformat()
    soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    await phone.goto(f"{stack}/login")
    await phone.set_content(
        f'<link rel="stylesheet" href="{stack}/static/staff.css">'
        f'<span class="countdown" id="late" data-deadline="{late}"></span>'
        f'<span class="countdown" id="soon" data-deadline="{soon}"></span>'
        f'<script src="{stack}/static/staff.js"></script>'
    )
    await expect(phone.locator("#late")).to_have_text(re.compile(r"^已超时 03:0\d$"))
    await expect(phone.locator("#late")).to_have_class(re.compile(r"\blate\b"))
    await expect(phone.locator("#late")).to_have_css("color", "rgb(198, 40, 40)")
    await expect(phone.locator("#soon")).to_have_text(re.compile(r"^剩余 (09:5\d|10:00)$"))
    await expect(phone.locator("#soon")).not_to_have_class(re.compile(r"\blate\b"))
