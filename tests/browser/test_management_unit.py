"""A use-management unit on a phone: a released rescue waits in its inbox, and it confirms it there."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.support.browser import screenshot, sign_in
from tests.support.staff_journeys import fits_the_phone, stack_api

# Jing'an, 静安寺小区: maintained by mu-pujiang (rescuer 张师傅), used by uu-jingan (safety manager 吴经理).
ELEVATOR = "31010600001"
RESCUER = "u-rescuer-pujiang"
SAFETY_MANAGER = "u-safety-jingan"


async def test_the_use_unit_confirms_a_released_rescue_from_its_inbox(phone: Page, stack: str) -> None:
    async with stack_api(stack) as api:
        ticket_id = await api.alarm(ELEVATOR)
        await api.act(RESCUER, ticket_id, "accept")
        await api.act(RESCUER, ticket_id, "arrive")
        await api.act(RESCUER, ticket_id, "release", {"people_freed": 1, "handler_name": "张师傅"})

        await sign_in(phone, stack, SAFETY_MANAGER)
        await expect(phone).to_have_url(f"{stack}/app/inbox")
        await expect(phone.get_by_role("heading", name="待办事项")).to_be_visible()
        card = phone.locator(f"article[data-ticket-id='{ticket_id}']")
        await expect(card.get_by_text("已解困待确认")).to_be_visible()
        await expect(card.get_by_text("张师傅")).to_be_visible()
        await expect(card.get_by_text("静安区南京西路 1700 弄 3 号楼")).to_be_visible()
        # My elevators, with what is open on each.
        elevator = phone.locator(f"article[data-elevator='{ELEVATOR}']")
        await expect(elevator.get_by_text("困人救援 · 已解困待确认")).to_be_visible()
        await fits_the_phone(phone)
        await screenshot(phone, "unit-1-inbox")

        # A dispute needs a reason: the form opens under the card.
        await card.get_by_text("有异议").click()
        await expect(card.get_by_label("异议理由")).to_be_visible()
        await fits_the_phone(phone)
        await screenshot(phone, "unit-2-dispute-form")

        await card.get_by_role("button", name="确认").click()
        await expect(phone.get_by_text("已确认", exact=True)).to_be_visible()
        await expect(card).to_be_hidden()
        await expect(elevator.get_by_text("无未办结工单")).to_be_visible()
        await fits_the_phone(phone)
        await screenshot(phone, "unit-3-confirmed")

        ticket = await api.ticket(ticket_id)
        assert ticket["state"] == "closed"
        confirmed_by = [e["actor_user_id"] for e in ticket["timeline"] if e["action"] == "confirm"]
        assert confirmed_by == [SAFETY_MANAGER]
