"""A maintenance unit on a phone: the use unit's rectification of a hazard it reported waits on its page."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from tests.support.browser import screenshot, sign_in
from tests.support.staff_journeys import fits_the_phone, stack_api

# Jing'an, 静安寺小区: maintained by mu-pujiang (maintainer 林工), used by uu-jingan (safety manager 吴经理).
ELEVATOR = "31010600001"
MAINTAINER = "u-maintainer-pujiang"
SAFETY_MANAGER = "u-safety-jingan"


async def test_the_maintainer_sends_a_hazard_back_for_rectification(phone: Page, stack: str) -> None:
    async with stack_api(stack) as api:
        reported = await api.post(
            MAINTAINER,
            "/tickets/hazard",
            {
                "elevator_code": ELEVATOR,
                "ref": uuid.uuid4().hex[:12],
                "hazard_type": "door_lock_failure",
                "severity": "general",
                "description": "层门门锁啮合长度不足",
            },
        )
        assert reported.status_code == 201, reported.text
        ticket_id = reported.json()["ticket_id"]
        await api.act(SAFETY_MANAGER, ticket_id, "submit_rectification", {"evidence": "已调整门锁啮合长度"})

        await sign_in(phone, stack, MAINTAINER)
        await expect(phone).to_have_url(f"{stack}/app/maintenance")
        card = phone.locator(f"article[data-ticket-id='{ticket_id}']")
        await expect(card.get_by_text("已整改待验证")).to_be_visible()
        await expect(card.get_by_text("整改情况：已调整门锁啮合长度")).to_be_visible()
        await fits_the_phone(phone)
        await screenshot(phone, "maintenance-1-to-verify")

        await card.get_by_text("验证不通过").click()
        await card.get_by_label("不通过的理由").fill("啮合长度仍不足 7 毫米")
        await card.get_by_role("button", name="退回整改").click()
        await expect(phone.get_by_text("已复查不合格，已退回整改")).to_be_visible()
        await expect(card).to_be_hidden()
        await fits_the_phone(phone)
        await screenshot(phone, "maintenance-2-sent-back")

        ticket = await api.ticket(ticket_id, MAINTAINER)
        assert ticket["state"] == "rectifying"
        # The journey leaves nothing open: the reporter withdraws its report.
        await api.act(MAINTAINER, ticket_id, "withdraw", {"reason": "测试结束"})
