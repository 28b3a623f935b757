"""A district regulator sees a ticket go overdue, issues a directive from it, and the unit sees the directive."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.support.browser import screenshot, sign_in
from tests.support.staff_journeys import fits_the_phone, stack_api

# Pudong, 陆家嘴花园 1 号楼 A 梯: maintained by mu-shenda, used by uu-lujiazui, overseen by reg-pudong.
ELEVATOR = "31011500001"
REGULATOR = "u-regulator-pudong"
SAFETY_MANAGER = "u-safety-lujiazui"
MAINTAINER = "u-maintainer-shenda"


async def test_a_regulator_issues_a_directive_from_an_overdue_ticket_and_the_unit_sees_it(
    desktop: Page, phone: Page, stack: str
) -> None:
    async with stack_api(stack) as api:
        # Nobody accepts the repair: on this stack its accept limit runs out after 3 seconds.
        repair_id = await api.fault_alarm(ELEVATOR)
        repair = await api.ticket_when(repair_id, lambda ticket: ticket["overdue"])

        await sign_in(desktop, stack, REGULATOR)
        await expect(desktop).to_have_url(f"{stack}/app/regulator")
        await expect(desktop.get_by_role("heading", name="监管工作台 · 浦东新区")).to_be_visible()
        card = desktop.locator(f"#overdue article[data-ticket-id='{repair_id}']")
        await expect(card.get_by_text("故障维修")).to_be_visible()
        await expect(card.get_by_text("已逾期")).to_be_visible()
        counts = desktop.locator("#counts tr", has_text="故障维修")
        await expect(counts.first.get_by_text("浦东新区")).to_be_visible()
        # People see no engine vocabulary; the platform operator's staff reach the ticket's workflow in the
        # Temporal Web UI of this stack.
        await expect(card.get_by_text("Temporal")).to_have_count(0)
        assert repair["temporal_ui_url"] is None
        listed = await api.listing("u-operator-admin", elevator_code=ELEVATOR)
        href = next(t["temporal_ui_url"] for t in listed if t["ticket_id"] == repair_id)
        assert href.endswith(f"/workflows/{repair['workflow_id']}/{repair['run_id']}")
        async with httpx.AsyncClient(trust_env=False) as client:
            assert (await client.get(href)).status_code == 200
        await expect(desktop.locator("svg#arrival-chart line.limit-line")).to_have_count(1)
        await expect(desktop.locator("svg#overdue-chart rect.bar")).to_have_count(14)
        await screenshot(desktop, "regulator-1-dashboard")

        await card.get_by_role("link", name="下达监察指令").click()
        await expect(desktop.get_by_role("heading", name="下达安全监察指令书")).to_be_visible()
        await expect(desktop.get_by_label("存在的问题")).to_contain_text(repair_id)
        # The draft addresses the unit that missed the step; the regulator holds the use unit to account.
        addressee = desktop.get_by_label("受令单位")
        await expect(addressee).to_have_value("maintenance_unit")
        await addressee.select_option("use_unit")
        await screenshot(desktop, "regulator-2-directive-form")
        await desktop.get_by_role("button", name="下达指令书").click()
        await expect(desktop.get_by_text("已下达安全监察指令书")).to_be_visible()
        await screenshot(desktop, "regulator-3-issued")
        [directive_id] = (await api.ticket(repair_id))["spawned_tickets"]
        directive = await api.ticket(directive_id)
        assert (directive["state"], directive["assigned_unit_id"]) == ("awaiting_signature", "uu-lujiazui")

        # The use unit finds the directive in its inbox, on its phone, and signs for it.
        await sign_in(phone, stack, SAFETY_MANAGER)
        item = phone.locator(f"#inbox article[data-ticket-id='{directive_id}']")
        await expect(item.get_by_text("待签收")).to_be_visible()
        await expect(item.get_by_text(directive["details"]["document_number"])).to_be_visible()
        await expect(item.get_by_text(repair_id).first).to_be_visible()
        await fits_the_phone(phone)
        await screenshot(phone, "regulator-4-unit-inbox")
        await item.get_by_role("button", name="签收指令书").click()
        await expect(phone.get_by_text("已签收指令书")).to_be_visible()
        await expect(item.get_by_role("button", name="提交整改报告")).to_be_visible()
        await screenshot(phone, "regulator-5-unit-signed")

        # The dashboard on a phone, as a regulator out in the district sees it.
        await phone.context.clear_cookies()
        await sign_in(phone, stack, REGULATOR)
        await expect(phone.locator(f"#overdue article[data-ticket-id='{repair_id}']")).to_be_visible()
        await fits_the_phone(phone)
        await screenshot(phone, "regulator-6-dashboard-phone")

        # Tidy up: the repair is done and confirmed, the directive withdrawn.
        for action, user, body in (
            ("accept", MAINTAINER, {}),
            ("arrive", MAINTAINER, {}),
            ("fix", MAINTAINER, {"fault_type": "door_open_fault", "handler_name": "黄工"}),
            ("confirm", SAFETY_MANAGER, {}),
        ):
            await api.act(user, repair_id, action, body)
        await api.act(REGULATOR, directive_id, "withdraw", {"reason": "测试结束"})
